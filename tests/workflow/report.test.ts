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
import { commands as policyCommands } from '../../cli/policy-commands';
import { reportCommand } from '../../cli/report-commands';
import { evidenceVerify } from '../../cli/seal-commands';
import { commands as requestCommands } from '../../cli/request-commands';
import { commands as reviewCommands } from '../../cli/review-commands';
import { executionArnOf } from '../../core/names';
import { executionNameOf } from '../../core/policy';
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
// A fourth member at SES's mailbox simulator: the local runtime records the delivery event SES would send for each email to her.
const SAM = 'success@simulator.amazonses.com';
const TWO_BASE = testUnit();
const TWO = testUnit({
  id: 'rp-two',
  name: 'Report Two',
  ...calm,
  topManagement: [...TWO_BASE.topManagement, { name: 'Sam Success', email: SAM, role: 'Chief Technology Officer' }],
});
const GHOST = testUnit({ id: 'rp-ghost', name: 'Not deployed' });

const now = new Date();
const PERIOD = periodOf(now, ONE.timeZone);
const TO = now.toISOString().slice(0, 7);
const FROM = quarterStartMonth(TO);

let lr: LocalRuntime;
let dir: string;
const unitOf = (id: string): LocalUnit => lr.units.find((u) => u.unit.id === id)!;
const cli = (name: string, args: string[]) =>
  runCli(lr, [...reviewCommands, ...actionCommands, ...requestCommands, ...policyCommands], name, args);

async function mail(pred: (e: StoredEmail) => boolean, what: string): Promise<StoredEmail> {
  return until(what, async () => (await lr.emails()).find(pred));
}
const invitation = (unit: typeof ONE, who: string) =>
  mail(
    (e) => e.subject.includes(`${PERIOD} (${unit.name})`) && e.destination.to.includes(who) && /^Decision needed: /.test(e.subject),
    `invitation to ${who}`,
  );

async function finished(unitId: string, workflow: 'management-review' | 'resource-approval' | 'policy-approval', name: string) {
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
  // Seal windows of 1 s, sealed only when the test says (no timer): rp-two is sealed before the report, rp-one never.
  lr = await startLocalRuntime({ units: [ONE, TWO], ports: FREE_PORTS, sealIntervalSeconds: 1, sealTimer: false });
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
      const budget = await request(TWO, 'financial', 'Pen test budget', '1500', 'approve', 'ok');
      // The policy of unit two, approved by two of its four members through their links (the quorum of 2).
      const policyFile = path.join(dir, 'policy.md');
      writeFileSync(policyFile, `# Information security policy\n\nWe protect information. ${EVIL}\n`);
      const submitted = await cli('policy submit', [
        '--bu',
        TWO.id,
        '--file',
        policyFile,
        '--version',
        '1.0',
        '--summary',
        `First policy ${EVIL}`,
      ]);
      expect(submitted).toMatchObject({ code: 0 });
      const policyMail = (who: string) =>
        mail(
          (e) =>
            /^Decision needed: Information security policy, version 1\.0 \(Report Two\)/.test(e.subject) && e.destination.to.includes(who),
          `policy invitation to ${who}`,
        );
      const [pc, pf] = await Promise.all([CLARA, FARID].map(policyMail));
      expect(await postDecision(pc, { choice: 'approve', comment: `Agreed ${EVIL}` }, { unitId: TWO.id })).toBe(303);
      expect(await postDecision(pf, { choice: 'approve', comment: '' }, { unitId: TWO.id })).toBe(303);
      await finished(TWO.id, 'policy-approval', executionNameOf(TWO.id, 'policy', '1.0'));
      return [budget];
    })(),
  ]);
  requestIds = [...ones, ...twos];
  // Every simulated SES event handled, every record's window closed (1 s), then rp-two's records sealed.
  await lr.sesEventsSettled();
  await new Promise((r) => setTimeout(r, 1_100));
  expect((await lr.seal(TWO.id)).sealed.length).toBeGreaterThan(0);
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
    expect(page).toContain('<span class="clause">5.1 b)</span>');
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

  it('the policy approved through the links is in the clause map (5.2) and in the policy section, every stored value escaped', () => {
    const row = /<span class="clause">5\.2<\/span><\/td>(.*?)<\/tr>/.exec(page)?.[1] ?? '';
    // rp-one has no policy: the row is "partly" across both units, and names rp-two's approval and communication.
    expect(row).toContain('<span class="tag warn">partly</span>');
    expect(row).toMatch(
      /rp-two: information security policy version 1\.0 approved \d{4}-\d\d-\d\d \d\d:\d\d UTC by 2 of 2 required \(quorum reached\), SHA-256 [0-9a-f]{64}; communicated .* to 5 addresses/,
    );
    expect(row).toContain('<a href="#u-rp-two-policy">policy and objectives (rp-two)</a>');
    expect(page).toContain('<h4>Information security policy, version 1.0 <span class="tag ok">approved</span></h4>');
    expect(page).toContain(`What changed: ${esc(`First policy ${EVIL}`)}`);
    expect(page).toContain(`<td>${esc(`Agreed ${EVIL}`)}</td>`);
    expect(page).toContain('2 of 4 members approved, 2 required: quorum reached.');
    expect(page).toMatch(/Communicated .* to 5 addresses: .*success@simulator\.amazonses\.com/);
    expect(page).toContain('<p>No policy or objectives were submitted, decided or communicated in this range.</p>');
  });

  it('each executive reached: SES delivery per person in the review and the policy decisions', () => {
    const rows = [
      ...page.matchAll(/<tr><td>Sam Success<br><span class="muted">success@simulator\.amazonses\.com<\/span><\/td>(.*?)<\/tr>/g),
    ].map((m) => m[1]);
    // Her review invitation and her policy invitation: one row in each decisions table, each with its delivery.
    expect(rows).toHaveLength(2);
    for (const r of rows)
      expect(r).toMatch(/<td><span class="ok">delivered<\/span> \d+ \w+ \d{4}, \d\d:\d\d [A-Z+0-9]+ \(\d\d:\d\d UTC\) \(/);
    expect(page).toContain('<span class="muted">no delivery event recorded</span>');
  });

  it('integrity: rp-two verified against its sealed digests, with the key fingerprint `isms evidence verify` prints; rp-one says why not', async () => {
    const verify = { out: [] as string[], err: [] as string[] };
    expect(await evidenceVerify.run(['--bu', TWO.id, '--local'], localCliContext(lr, verify))).toBe(0);
    const key = /^public key SHA-256 ([0-9a-f]{64})$/.exec(verify.out[0])?.[1];
    expect(key).toBeDefined();
    expect(page).toMatch(
      new RegExp(
        `<li>rp-two: <strong class="ok">verified</strong>: \\d+ sealed records of the table match \\d+ signed, chained digests<br>Signing key fingerprint \\(SHA-256 of its public key PEM\\): <code>${key}</code></li>`,
      ),
    );
    expect(page).toContain('<li>rp-one: <strong class="warn">not checked</strong>: not sealed yet: nothing sealed yet');
  });
});
