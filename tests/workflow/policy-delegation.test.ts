// Delegation in the policy approval (issues 15 and 17) on the local runtime: the real ASL, handlers, decision endpoint and
// SES inbox. An absent top manager's seat goes to a deputy who may approve (never the submitter), acting for them; the
// records and `isms policy status` name both people.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { CLARA, FARID, FREE_PORTS, IRENE, OONA, decisionLink, partitionItems, postDecision, runCli, until } from '../support/workflow';
import { startLocalRuntime, type LocalRuntime, type LocalUnit, type StoredEmail } from '../../local/runtime';
import { commands as policyCommands } from '../../cli/policy-commands';
import { commands as absenceCommands } from '../../cli/absence-commands';
import type { DecisionRecord } from '../../core/decisions';
import { keys, prefixes } from '../../core/keys';
import { executionArnOf } from '../../core/names';
import { dayIn } from '../../core/period';
import { executionNameOf, submissionIdOf } from '../../core/policy';
import { testUnit } from '../support/units';

const DORA = { name: 'Dora Deputy', email: 'dora.deputy@example.com' };
const IRENE_P = { name: 'Irene Schulz', email: IRENE };

/**
 * Clara's first deputy is Irene, the ISMS manager, who submits the policy: she may not approve it, so Dora comes next.
 * Oona's only deputy is Irene: absent, Oona keeps her seat. Farid's deputy is Dora.
 */
function unitWithDeputies(id: string, reminders: { interval: string; maximum: number }) {
  const deputies: Record<string, Array<{ name: string; email: string }>> = { [CLARA]: [IRENE_P, DORA], [OONA]: [IRENE_P], [FARID]: [DORA] };
  return testUnit({
    id,
    name: `Unit ${id}`,
    reminders,
    decisionLinkLifetime: '300s',
    topManagement: testUnit().topManagement.map((m) => ({ ...m, deputies: deputies[m.email] })),
  });
}

const units = {
  absent: unitWithDeputies('pd-absent', { interval: '60s', maximum: 1 }),
  later: unitWithDeputies('pd-later', { interval: '2s', maximum: 2 }),
};

let lr: LocalRuntime;
let dir: string;
beforeAll(async () => {
  lr = await startLocalRuntime({ units: Object.values(units), ports: FREE_PORTS });
  dir = mkdtempSync(path.join(tmpdir(), 'policy-deputy-'));
});
afterAll(async () => {
  await lr?.close();
});

const unitOf = (id: string): LocalUnit => lr.units.find((u) => u.unit.id === id)!;
const cli = (name: string, args: string[]) => runCli(lr, [...policyCommands, ...absenceCommands], name, args);

async function mailTo(unitName: string, who: string, subject: RegExp): Promise<StoredEmail> {
  return until(`email to ${who} matching ${subject}`, async () =>
    (await lr.emails()).find((e) => e.subject.includes(unitName) && e.destination.to.includes(who) && subject.test(e.subject)),
  );
}
const linkEmailsTo = async (unitName: string, who: string) =>
  (await lr.emails()).filter(
    (e) => e.subject.includes(unitName) && e.destination.to.includes(who) && /\/decisions\//.test(e.body.text ?? ''),
  );

async function submit(unitId: string) {
  const f = path.join(dir, `${unitId}.md`);
  writeFileSync(f, '# Information security policy\n\nWe protect information.\n');
  const r = await cli('policy submit', ['--bu', unitId, '--file', f, '--version', '1.0', '--summary', 'First policy']);
  expect(r).toMatchObject({ code: 0, out: [submissionIdOf(unitId, 'policy', '1.0')] });
}

async function setAbsent(unitId: string, person: string) {
  const today = dayIn(new Date(), 'Europe/Berlin');
  const r = await cli('absence set', ['--bu', unitId, '--person', person, '--from', today, '--to', '2099-12-31']);
  expect(r).toMatchObject({ code: 0, err: [] });
}

async function finished(unitId: string) {
  const arn = executionArnOf(unitOf(unitId).stateMachineArns['policy-approval'], executionNameOf(unitId, 'policy', '1.0'));
  return until(
    `policy approval of ${unitId} to finish`,
    async () => {
      const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return d.status !== 'RUNNING' && d;
    },
    30_000,
  );
}

const DECISION_NEEDED = /Decision needed: Information security policy, version 1\.0/;

describe('delegation in the policy approval', () => {
  it.concurrent('an absent member: the deputy who may approve decides acting for her, passing over the submitter; quorum, and status names both', async () => {
    const u = units.absent;
    const pk = keys.policy(submissionIdOf(u.id, 'policy', '1.0')).pk;
    await setAbsent(u.id, CLARA);
    await setAbsent(u.id, OONA);
    await submit(u.id);

    const dora = await mailTo(u.name, DORA.email, /^\[acting for Clara Weber\] Decision needed: Information security policy, version 1\.0/);
    expect(dora.body.text).toContain('You decide acting for Clara Weber <clara.weber@example.com> (Clara Weber is absent');
    expect(dora.body.text).toMatch(/Fingerprint of the document you decide on: [0-9a-f]{12}/);
    const copy = await mailTo(
      u.name,
      CLARA,
      /For information: Dora Deputy decides version 1\.0 of the information security policy for you/,
    );
    expect(copy.body.text).not.toMatch(/\/decisions\//);
    // Oona's only deputy submitted it: she keeps her seat and her own link.
    const oona = await mailTo(u.name, OONA, /^Decision needed: Information security policy, version 1\.0/);
    // Nor can she pass it to the submitter from the decision page: refused, and her link still decides.
    const oonaLink = decisionLink(oona, u.id);
    const pass = await fetch(`${oonaLink.origin}${oonaLink.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: oonaLink.origin },
      body: new URLSearchParams({ k: oonaLink.searchParams.get('k')!, action: 'pass', deputy: IRENE }).toString(),
      redirect: 'manual',
    });
    expect(pass.status).toBe(403);
    expect(await pass.text()).toContain(`deputy ${IRENE} submitted it and may not approve it`);
    expect(await (await fetch(oonaLink)).text()).toContain('Record my decision');
    const farid = await mailTo(u.name, FARID, /^Decision needed: /);

    expect(await postDecision(dora, { choice: 'approve', comment: 'For Clara.' }, { unitId: u.id })).toBe(303);
    expect(await postDecision(farid, { choice: 'approve', comment: '' }, { unitId: u.id })).toBe(303);
    const done = await finished(u.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toMatchObject({ outcome: 'approved', approvals: 2 });

    // The submitter, though Clara's first deputy and Oona's only one, never got a link to decide her own policy.
    expect(await linkEmailsTo(u.name, IRENE)).toEqual([]);
    const decisions = await partitionItems<DecisionRecord>(unitOf(u.id).runtime, pk, prefixes.decision);
    expect(decisions.map((d) => [d.recipient.email, d.actingFor?.email, d.choice]).sort()).toEqual([
      [DORA.email, CLARA, 'approve'],
      [FARID, undefined, 'approve'],
    ]);
    const events = await partitionItems<{ type: string; detail: any }>(unitOf(u.id).runtime, pk, prefixes.event);
    expect(events.filter((e) => e.type === 'decision.delegated').map((e) => e.detail)).toEqual([
      expect.objectContaining({ kind: 'absence', original: CLARA, deputy: DORA.email }),
    ]);
    const approved = events.find((e) => e.type === 'policy.approved')!;
    expect(approved.detail.decisions).toContainEqual(
      expect.objectContaining({
        email: DORA.email,
        actingFor: { name: 'Clara Weber', email: CLARA },
        decidedBy: 'Dora Deputy for Clara Weber',
      }),
    );
    const communicated = await mailTo(u.name, FARID, /approved by top management/);
    expect(communicated.body.text).toMatch(/Approved on .* by (Farid Haddad, )?Dora Deputy for Clara Weber/);

    const status = (await cli('policy status', ['--bu', u.id])).out.join('\n');
    expect(status).toContain('Approved by (2 of 2 required):');
    expect(status).toMatch(/ {4}Dora Deputy <dora\.deputy@example\.com> for Clara Weber <clara\.weber@example\.com>, /);
    expect(status).toMatch(/ {4}Farid Haddad <farid\.haddad@example\.com>, /);
  });

  it.concurrent('an absence that starts while the policy waits passes the waiting link at the next reminder, to a deputy who is not the submitter', async () => {
    const u = units.later;
    const pk = keys.policy(submissionIdOf(u.id, 'policy', '1.0')).pk;
    await submit(u.id);
    const clara = await mailTo(u.name, CLARA, DECISION_NEEDED);
    const oona = await mailTo(u.name, OONA, DECISION_NEEDED);
    await setAbsent(u.id, CLARA);
    await setAbsent(u.id, OONA);

    const reminder = await mailTo(
      u.name,
      DORA.email,
      /^\[acting for Clara Weber\] Decision needed \(reminder \d\): Information security policy/,
    );
    expect(reminder.body.text).toContain('You decide acting for Clara Weber');
    await mailTo(u.name, CLARA, /For information: Dora Deputy decides version 1\.0 of the information security policy for you/);
    // Oona's only deputy is the submitter: Oona herself is reminded.
    await mailTo(u.name, OONA, /^Decision needed \(reminder \d\): Information security policy/);
    expect(await postDecision(clara, { choice: 'approve' }, { unitId: u.id })).toBe(410);
    expect(await postDecision(reminder, { choice: 'approve', comment: 'For Clara.' }, { unitId: u.id })).toBe(303);
    expect(await postDecision(oona, { choice: 'approve' }, { unitId: u.id })).toBe(303);
    expect((await finished(u.id)).status).toBe('SUCCEEDED');
    expect(await linkEmailsTo(u.name, IRENE)).toEqual([]);
    const reminded = (await partitionItems<{ type: string; detail: any }>(unitOf(u.id).runtime, pk, prefixes.event)).filter(
      (e) => e.type === 'reminder.sent' && e.detail.actingFor,
    );
    expect(reminded.map((e) => [e.detail.recipient, e.detail.actingFor])).toContainEqual([DORA.email, CLARA]);
    const status = (await cli('policy status', ['--bu', u.id])).out.join('\n');
    expect(status).toContain('Dora Deputy <dora.deputy@example.com> for Clara Weber <clara.weber@example.com>');
  });
});
