// `isms report` on the local runtime: two units with real reviews, decisions, actions and requests; every fact is in the
// page as text, the charts are SVG, nothing runs, and <script> in every stored text field stays text.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands as actionCommands } from '../../cli/action-commands';
import type { CliContext } from '../../cli/context';
import { reportCommand } from '../../cli/report-commands';
import { commands as requestCommands } from '../../cli/request-commands';
import { commands as reviewCommands } from '../../cli/review-commands';
import { executionArnOf } from '../../core/names';
import { periodOf } from '../../core/period';
import { quarterStartMonth } from '../../core/report-model';
import { startLocalRuntime, type LocalRuntime, type LocalUnit, type StoredEmail } from '../../local/runtime';
import { testUnit } from '../support/units';
import {
  CLARA,
  FARID,
  FREE_PORTS,
  IRENE,
  OONA,
  localCliContext,
  postDecision,
  reviewForm,
  runCli,
  until,
  type CliLines,
} from '../support/workflow';

const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'report');
const EVIL = '<script>alert(1)</script>';
const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const calm = { reminders: { interval: '60s', maximum: 1 }, decisionLinkLifetime: '300s' } as const;
const ONE = testUnit({ id: 'rp-one', name: 'Report One', ...calm, quorum: 'all' });
const TWO = testUnit({ id: 'rp-two', name: 'Report Two', ...calm });
const GHOST = testUnit({ id: 'rp-ghost', name: 'Not deployed' });

const now = new Date();
const PERIOD = periodOf(now, ONE.timeZone);
const TO = now.toISOString().slice(0, 7);
const FROM = quarterStartMonth(TO);

let lr: LocalRuntime;
let dir: string;
const unitOf = (id: string): LocalUnit => lr.units.find((u) => u.unit.id === id)!;
const cli = (name: string, args: string[]) => runCli(lr, [...reviewCommands, ...actionCommands, ...requestCommands], name, args);

async function mail(pred: (e: StoredEmail) => boolean, what: string): Promise<StoredEmail> {
  return until(what, async () => (await lr.emails()).find(pred));
}
const invitation = (unit: typeof ONE, who: string) =>
  mail(
    (e) => e.subject.includes(`${PERIOD} (${unit.name})`) && e.destination.to.includes(who) && /^Decision needed: /.test(e.subject),
    `invitation to ${who}`,
  );

async function finished(unitId: string, workflow: 'management-review' | 'resource-approval', name: string) {
  const executionArn = executionArnOf(unitOf(unitId).stateMachineArns[workflow], name);
  return until(
    `${name} to finish`,
    async () => (await lr.sfn.send(new DescribeExecutionCommand({ executionArn }))).status !== 'RUNNING',
    30_000,
  );
}

/** Submits a request and decides its one level; returns its id. */
async function request(unit: typeof ONE, category: string, title: string, amount: string, choice: 'approve' | 'reject', comment: string) {
  const r = await cli('request submit', [
    '--bu',
    unit.id,
    '--category',
    category,
    '--title',
    title,
    '--justification',
    `Because ${EVIL}`,
    '--amount',
    amount,
    '--currency',
    'EUR',
    '--requester',
    IRENE,
  ]);
  expect(r).toMatchObject({ code: 0 });
  const id = r.out[r.out.length - 1].trim();
  const email = await mail((e) => e.subject.includes(title) && e.destination.to.includes(OONA), `approval email of ${title}`);
  expect(await postDecision(email, { choice, comment })).toBe(303);
  await finished(unit.id, 'resource-approval', id);
  return id;
}

let requestIds: string[] = [];

beforeAll(async () => {
  lr = await startLocalRuntime({ units: [ONE, TWO], ports: FREE_PORTS });
  dir = mkdtempSync(path.join(tmpdir(), 'isms-report-'));
  const point = (s: string) => [`${s} ${EVIL}`];
  const inputs = {
    changesInIssues: { external: point('New regulation'), internal: point('Reorganised IT') },
    interestedPartiesNeeds: point('Customers ask for ISO certificate'),
    performance: {
      nonconformitiesAndCorrectiveActions: point('Two minor nonconformities'),
      monitoringAndMeasurementResults: point('Patch SLA met 97%'),
      auditResults: point('Internal audit passed'),
      fulfilmentOfObjectives: point('3 of 4 objectives met'),
    },
    interestedPartiesFeedback: point('Auditor praised logging'),
    risk: { assessmentResults: point('Ransomware risk high'), treatmentPlanStatus: point('Backups tested') },
    improvementOpportunities: point('Automate access reviews'),
  };
  const file = path.join(dir, 'inputs.json');
  writeFileSync(file, JSON.stringify(inputs));
  expect(await cli('inputs submit', ['--bu', ONE.id, '--period', PERIOD, '--file', file])).toMatchObject({ code: 0 });

  // The two units run side by side (their emails and executions are told apart by unit name and title).
  const [ones, twos] = await Promise.all([
    (async () => {
      // Unit one: changes requested (quorum "all" waits for every member), so the review is not approved and raises two actions.
      expect(await cli('review start', ['--bu', ONE.id, '--period', PERIOD])).toMatchObject({ code: 0 });
      const [c, f, o] = await Promise.all([CLARA, FARID, OONA].map((w) => invitation(ONE, w)));
      expect(await postDecision(f, reviewForm('request-changes', `Second admin needed ${EVIL}`), { unitId: ONE.id })).toBe(303);
      expect(await postDecision(c, reviewForm('approve', `Fine by me ${EVIL}`, { human: 'inadequate' }), { unitId: ONE.id })).toBe(303);
      expect(await postDecision(o, reviewForm('approve'), { unitId: ONE.id })).toBe(303);
      await finished(ONE.id, 'management-review', `${ONE.id}-${PERIOD}`);
      const a2 = `${ONE.id}#${PERIOD}#A2`;
      expect(await cli('action close', ['--bu', ONE.id, '--action', a2, '--note', `Admin added ${EVIL}`])).toMatchObject({ code: 0 });
      return Promise.all([
        request(ONE, 'human', `Analyst ${EVIL}`, '900', 'approve', `Yes ${EVIL}`),
        request(ONE, 'equipment', `Laptops ${EVIL}`, '500', 'reject', `Not this year ${EVIL}`),
      ]);
    })(),
    (async () => {
      // Unit two: approved by the quorum of two; one request approved.
      expect(await cli('review start', ['--bu', TWO.id, '--period', PERIOD])).toMatchObject({ code: 0 });
      const [c2, f2] = await Promise.all([CLARA, FARID].map((w) => invitation(TWO, w)));
      expect(await postDecision(c2, reviewForm('approve', 'Two: approved'), { unitId: TWO.id })).toBe(303);
      expect(await postDecision(f2, reviewForm('approve'), { unitId: TWO.id })).toBe(303);
      await finished(TWO.id, 'management-review', `${TWO.id}-${PERIOD}`);
      return [await request(TWO, 'financial', 'Pen test budget', '1500', 'approve', 'ok')];
    })(),
  ]);
  requestIds = [...ones, ...twos];
}, 120_000);
afterAll(() => lr?.close());

describe('isms report', () => {
  let page = '';
  let lines: CliLines;

  it('--bu all: writes the page and its data, lists the unit it cannot read and goes on', async () => {
    lines = { out: [], err: [] };
    const base = localCliContext(lr, lines);
    // A unit in the configuration that this runtime does not run: like a unit not deployed, or without access.
    const ctx: CliContext = { ...base, units: () => [ONE, TWO, GHOST] };
    const out = path.join(dir, 'report.html');
    expect(await reportCommand.run(['--bu', 'all', '--from', FROM, '--to', TO, '--out', out, '--local'], ctx)).toBe(0);
    page = readFileSync(out, 'utf8');
    // For a person to look at: the report of a real local run.
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(path.join(ARTIFACTS, 'local-report.html'), page);
    const data = readFileSync(path.join(dir, 'report.data.json'));
    expect(page).toContain(`<code>${createHash('sha256').update(data).digest('hex')}</code>`);
    expect(lines.out).toEqual([out]);
    expect(lines.err.some((l) => l.startsWith('not in the report: rp-ghost: Unknown business unit "rp-ghost"'))).toBe(true);
    expect(page).toMatch(/<td>rp-ghost<\/td><td>Unknown business unit &quot;rp-ghost&quot;/);
  }, 60_000);

  it('has the roll-up, one row per unit, and each unit after it', () => {
    expect(page).toContain('<h2>Group roll-up</h2>');
    expect(page).toContain('<a href="#u-rp-one-summary">Report One (rp-one)</a>');
    expect(page).toContain('<a href="#u-rp-two-summary">Report Two (rp-two)</a>');
    expect(page.indexOf('id="u-rp-one-summary"')).toBeGreaterThan(page.indexOf('id="clauses"'));
    expect(page).toContain(`<h4>Review ${PERIOD}: not-approved <span class="tag ok">held on time</span></h4>`);
    expect(page).toContain(`<h4>Review ${PERIOD}: approved <span class="tag ok">held on time</span></h4>`);
  });

  it('each review: the inputs as submitted with who, each decision with comment, adequacy both ways, minutes and actions', () => {
    expect(page).toContain(`as submitted by <strong>${ONE.ismsManager.email}</strong>`);
    for (const s of ['New regulation', 'Reorganised IT', 'Internal audit passed', 'Backups tested', 'Automate access reviews'])
      expect(page).toContain(`<li>${esc(`${s} ${EVIL}`)}</li>`);
    expect(page).toContain('<td>requested changes</td>');
    expect(page).toContain(`<td>${esc(`Second admin needed ${EVIL}`)}</td>`);
    expect(page).toContain(`<td>${esc(`Fine by me ${EVIL}`)}</td>`);
    expect(page).toContain('<span class="bad">inadequate</span>');
    expect(page).toContain('<span class="ok">adequate</span>');
    expect(page).toContain('<th scope="col">Infrastructure technology</th>');
    expect(page).toContain('Not approved: every member answered and the quorum of approvals was not reached');
    expect(page).toContain('Raise a resource request for human resources');
    expect(page).toContain(`<td>${esc(`Admin added ${EVIL}`)}</td>`);
    expect(page).toMatch(/<span class="ok">closed<\/span> \d+ \w{3} \d{4}, \d\d:\d\d [A-Z+0-9]+ \(\d\d:\d\d UTC\)/);
  });

  it('each request level by level with its outcome; summary figures of both units', () => {
    for (const id of requestIds) expect(page).toContain(`id="u-rp-${id === requestIds[2] ? 'two' : 'one'}-request-${esc(id)}"`);
    expect(page).toContain(`${esc(`Analyst ${EVIL}`)}</h4>`);
    expect(page).toContain('Outcome: <strong>approved</strong>');
    expect(page).toContain('Outcome: <strong>rejected</strong>');
    expect(page).toContain(`<td>${esc(`Not this year ${EVIL}`)}</td>`);
    expect(page).toContain('<td>Human</td><td>approved</td><td class="n">1</td><td class="n">EUR 900</td>');
    expect(page).toContain('<td>Equipment</td><td>rejected</td><td class="n">1</td><td class="n">EUR 500</td>');
    expect(page).toContain('<td>Financial</td><td>approved</td><td class="n">1</td><td class="n">EUR 1,500</td>');
    expect(page).toContain('<tr><td>Actions closed</td><td class="n">1</td></tr>');
    expect(page).toContain('<tr><td>Quorum of approvals reached</td><td class="n">0</td></tr>');
  });

  it('has the clause map and the charts as inline SVG; no script anywhere, nothing fetched', () => {
    expect(page).toContain('<span class="clause">9.3.2 g)</span>');
    expect(page).toContain('not covered by this system; ask for the approved policy');
    const svgs = page.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBe(12); // four across units, four per unit
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain(esc(EVIL));
    expect([...page.matchAll(/\s(?:href|src)="([^"]*)"/g)].every((m) => m[1].startsWith('#'))).toBe(true);
  });

  it('--bu <id> writes one unit; bad flags name the flag and write nothing', async () => {
    const ctx = localCliContext(lr, { out: [], err: [] });
    const out = path.join(dir, 'one.html');
    expect(await reportCommand.run(['--bu', TWO.id, '--from', FROM, '--to', TO, '--out', out, '--local'], ctx)).toBe(0);
    const one = readFileSync(out, 'utf8');
    expect(one).toContain('Leadership report: Report Two (rp-two)');
    expect(one).not.toContain('Report One');
    const err: string[] = [];
    const bad = localCliContext(lr, { out: [], err });
    expect(await reportCommand.run(['--bu', 'nope', '--from', '2026-13', '--out', path.join(dir, 'x.txt'), '--local'], bad)).toBe(2);
    expect(err).toContain('--from: "2026-13" is not a month like "2026-11"');
    expect(err).toContain(`--out: "${path.join(dir, 'x.txt')}" must end in .html`);
    expect(err.some((l) => l.startsWith('--bu: Unknown business unit "nope"'))).toBe(true);
  });
});
