// The policy and objectives approval end to end on the local runtime: the real ASL, handlers, decision endpoint and SES inbox.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import {
  BOARD,
  CLARA,
  FARID,
  FREE_PORTS,
  IRENE,
  OONA,
  decisionLink,
  partitionItems,
  postDecision,
  reviewForm,
  runCli,
  until,
} from '../support/workflow';
import { startLocalRuntime, type LocalRuntime, type LocalUnit, type StoredEmail } from '../../local/runtime';
import { commands as policyCommands } from '../../cli/policy-commands';
import { commands as reviewCommands } from '../../cli/review-commands';
import { executionArnOf } from '../../core/names';
import { keys, prefixes } from '../../core/keys';
import { executionNameOf, submissionIdOf, type PolicyItem } from '../../core/policy';
import { getPolicy, getRendered } from '../../lambdas/shared/policy-store';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mintDecisionLink } from '../../lambdas/shared/links';
import { createHandler as checkDue } from '../../lambdas/policy-check-due';
import { getMinutes, getPack, openActions } from '../../lambdas/shared/review-store';
import { reviewIdOf } from '../../core/period';
import { testUnit } from '../support/units';

const calm = { reminders: { interval: '60s', maximum: 1 }, decisionLinkLifetime: '300s' } as const;
const AUDIENCE = ['all-staff@example.com', 'ALL-STAFF@example.com', 'contractors@example.com', 'works-council@example.com'];
const units = {
  approve: testUnit({ id: 'pa-approve', name: 'Unit pa-approve', ...calm, policyAudience: AUDIENCE, policyReviewInterval: '30s' }),
  self: testUnit({ id: 'pa-self', name: 'Unit pa-self', ...calm, policyQuorum: 'all' }),
  objectives: testUnit({ id: 'pa-objectives', name: 'Unit pa-objectives', ...calm, policyQuorum: 1 }),
  // One reminder after 1 s, escalation after 2 s, the links expire after 4 s.
  late: testUnit({ id: 'pa-late', name: 'Unit pa-late', reminders: { interval: '1s', maximum: 1 }, decisionLinkLifetime: '4s' }),
};

let lr: LocalRuntime;
let dir: string;
beforeAll(async () => {
  lr = await startLocalRuntime({ units: Object.values(units), ports: FREE_PORTS });
  dir = mkdtempSync(path.join(tmpdir(), 'policy-'));
});
afterAll(async () => {
  await lr?.close();
});

const unitOf = (id: string): LocalUnit => lr.units.find((u) => u.unit.id === id)!;
const cli = (name: string, args: string[]) => runCli(lr, [...policyCommands, ...reviewCommands], name, args);

function file(name: string, content: string | Buffer): string {
  const f = path.join(dir, name);
  writeFileSync(f, content);
  return f;
}

async function mails(unitName: string): Promise<StoredEmail[]> {
  return (await lr.emails()).filter((e) => e.subject.includes(unitName)).sort((a, b) => a.at - b.at);
}

async function mailTo(unitName: string, who: string, subject: RegExp, n = 1): Promise<StoredEmail> {
  return until(
    `email #${n} to ${who} matching ${subject}`,
    async () => (await mails(unitName)).filter((e) => e.destination.to.includes(who) && subject.test(e.subject))[n - 1],
  );
}

async function finished(unitId: string, name: string) {
  const arn = executionArnOf(unitOf(unitId).stateMachineArns['policy-approval'], name);
  return until(
    `execution ${name} to finish`,
    async () => {
      const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return d.status !== 'RUNNING' && d;
    },
    30_000,
  );
}

const policyItem = (unitId: string, kind: 'policy' | 'objectives', version: string) =>
  getPolicy(unitOf(unitId).runtime, submissionIdOf(unitId, kind, version)) as Promise<PolicyItem>;

const events = (unitId: string, kind: 'policy' | 'objectives', version: string) =>
  partitionItems<{ type: string; detail: any; at: string }>(
    unitOf(unitId).runtime,
    keys.policy(submissionIdOf(unitId, kind, version)).pk,
    prefixes.event,
  );

const HOSTILE = [
  '# Information security policy',
  '',
  'We protect information. <script>alert("x")</script>',
  '',
  '[click me](javascript:alert(1)) and [ok](https://example.com/isms) <img src=x onerror=alert(2)>',
  '',
].join('\n');

describe('policy approval workflow', () => {
  it.concurrent('approved to quorum through the links, communicated once per address, shown by status; v2 with changes requested goes back', async () => {
    const u = units.approve;
    const submit = await cli('policy submit', [
      '--bu',
      u.id,
      '--file',
      file('policy.md', HOSTILE),
      '--version',
      '1.0',
      '--summary',
      'First policy',
    ]);
    expect(submit).toMatchObject({ code: 0, out: [submissionIdOf(u.id, 'policy', '1.0')] });
    const subject = /^Decision needed: Information security policy, version 1\.0 \(Unit pa-approve\)/;
    const [c, f, o] = await Promise.all([CLARA, FARID, OONA].map((who) => mailTo(u.name, who, subject)));
    expect(c.body.text).toContain('What changed: First policy');
    expect(c.body.text).toMatch(/Fingerprint \(SHA-256\): [0-9a-f]{64}/);
    await until('awaiting decisions', async () => (await policyItem(u.id, 'policy', '1.0'))?.status === 'awaiting-decisions');

    // The document behind the link: rendered, every tag of the author's escaped, the javascript: link not a link; GET decides nothing.
    const link = decisionLink(c, u.id);
    link.searchParams.set('view', 'document');
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await page.text();
    expect(body).toContain('<h1>Information security policy</h1>');
    expect(body).not.toContain('<script>alert');
    expect(body).toContain('&lt;script&gt;alert');
    expect(body).not.toMatch(/href="javascript:/i);
    expect(body).not.toContain('<img');
    expect(body).toContain('<a href="https://example.com/isms">ok</a>');
    // The document is behind the secret like the page: a wrong one gets the same 404 as an unknown link.
    const wrong = new URL(link);
    wrong.searchParams.set('k', 'x'.repeat(43));
    expect((await fetch(wrong)).status).toBe(404);
    // The stored rendering changed in the table behind the code (same fingerprint, HTML markdown-it never writes): the
    // page does not show it, it offers the Markdown file instead.
    const unitRt = unitOf(u.id).runtime;
    const stored = (await getRendered(unitRt, submissionIdOf(u.id, 'policy', '1.0')))!;
    const put = (item: object) => unitRt.ddb.send(new PutCommand({ TableName: unitRt.tableName, Item: item }));
    await put({ ...stored, html: '<h1>Sign in again</h1><form action="https://evil.example.com"><input name="password"></form>' });
    const forged = await fetch(link);
    expect(forged.headers.get('content-disposition')).toMatch(/^attachment; filename="policy-1\.0\.md"$/);
    expect(await forged.text()).not.toContain('<form');
    await put(stored);
    const confirmation = await (await fetch(decisionLink(c, u.id))).text();
    expect(confirmation).toContain('view=document');
    expect((await policyItem(u.id, 'policy', '1.0')).status).toBe('awaiting-decisions');

    expect(await postDecision(c, { choice: 'approve', comment: 'Agreed.' }, { unitId: u.id })).toBe(303);
    expect(await postDecision(f, { choice: 'approve', comment: '' }, { unitId: u.id })).toBe(303);
    const d = await finished(u.id, executionNameOf(u.id, 'policy', '1.0'));
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toMatchObject({ outcome: 'approved', approvals: 2 });
    // Oona did not decide in time: her link no longer records anything.
    expect(await postDecision(o, { choice: 'approve' }, { unitId: u.id })).toBe(410);

    // One copy per address of the audience (the one written twice in other letters gets one), each with the policy.
    const communicated = (await lr.emails()).filter((e) => /version 1\.0 of Unit pa-approve, approved by top management/.test(e.subject));
    expect(communicated.map((e) => e.destination.to[0].toLowerCase()).sort()).toEqual([
      'all-staff@example.com',
      'contractors@example.com',
      'works-council@example.com',
    ]);
    expect(communicated[0].body.text).toContain('We protect information.');
    expect(communicated[0].body.html).not.toContain('<script>');
    const ev = await events(u.id, 'policy', '1.0');
    const comm = ev.find((e) => e.type === 'policy.communicated')!;
    expect(comm.detail.recipients.map((r: { to: string }) => r.to)).toEqual([
      'all-staff@example.com',
      'contractors@example.com',
      'works-council@example.com',
    ]);
    expect(ev.map((e) => e.type)).toEqual(
      expect.arrayContaining(['policy.submitted', 'policy.approved', 'policy.current', 'decision.recorded']),
    );

    const status = await cli('policy status', ['--bu', u.id]);
    expect(status.code).toBe(0);
    const text = status.out.join('\n');
    expect(text).toContain('Current version: 1.0, approved');
    expect(text).toContain('Approved by (2 of 2 required):');
    expect(text).toContain('Clara Weber <clara.weber@example.com>');
    expect(text).toContain('Farid Haddad <farid.haddad@example.com>');
    expect(text).toMatch(/Communicated: .*to 3 addresses: all-staff@example.com, contractors@example.com, works-council@example.com/);
    expect(text).toMatch(/Re-confirmation due: /);

    // Version 2: two members request changes, so the quorum of 2 can no longer be reached: back to the ISMS manager with the comments.
    expect(
      (
        await cli('policy submit', [
          '--bu',
          u.id,
          '--file',
          file('policy2.md', '# Policy v2\n'),
          '--version',
          '2.0',
          '--summary',
          'Shorter',
        ])
      ).code,
    ).toBe(0);
    const s2 = /^Decision needed: .*version 2\.0 \(Unit pa-approve\)/;
    const [c2, f2] = await Promise.all([CLARA, FARID].map((who) => mailTo(u.name, who, s2)));
    expect(await postDecision(c2, { choice: 'request-changes', comment: 'Name the scope & owners.' }, { unitId: u.id })).toBe(303);
    expect(await postDecision(f2, { choice: 'request-changes', comment: 'Too short.' }, { unitId: u.id })).toBe(303);
    expect((await finished(u.id, executionNameOf(u.id, 'policy', '2.0'))).status).toBe('SUCCEEDED');
    const back = await mailTo(u.name, IRENE, /^Changes requested: Information security policy, version 2\.0/);
    expect(back.body.text).toContain('Name the scope & owners.');
    expect(back.body.html).toContain('Name the scope &amp; owners.');
    expect((await policyItem(u.id, 'policy', '2.0')).status).toBe('changes-requested');
    expect((await events(u.id, 'policy', '2.0')).map((e) => e.type)).toContain('policy.changes-requested');
    // Nothing was communicated for it, and 1.0 stays current.
    expect((await lr.emails()).some((e) => /version 2\.0 of Unit pa-approve, approved/.test(e.subject))).toBe(false);
    const after = (await cli('policy status', ['--bu', u.id])).out.join('\n');
    expect(after).toContain('Current version: 1.0');
    expect(after).toMatch(/2\.0: changes-requested/);
    // The same version again is refused: a new version is a new submission.
    const again = await cli('policy submit', [
      '--bu',
      u.id,
      '--file',
      file('policy3.md', '# v2 again\n'),
      '--version',
      '2.0',
      '--summary',
      'x',
    ]);
    expect(again.code).toBe(2);
    expect(again.err.join('\n')).toMatch(
      /2\.0 of the information security policy was submitted at .* already \(changes-requested\); a new version is a new submission/,
    );

    // Re-confirmation (policyReviewInterval 30s): the daily check reminds the ISMS manager once when due, records overdue once.
    const rt = unitOf(u.id).runtime;
    const approvedAt = Date.parse((await policyItem(u.id, 'policy', '1.0')).closedAt!);
    const at = (s: number) => ({ ...rt, now: () => new Date(approvedAt + s * 1000) });
    // As the schedule invokes it (the catalogue's access enforced): not due yet.
    expect(await lr.invoke(u.id, 'policy-check-due', { trigger: 'test' })).toMatchObject({
      checked: [
        { documentKind: 'policy', version: '1.0', state: 'current' },
        { documentKind: 'objectives', state: 'none' },
      ],
    });
    expect((await checkDue(at(1))({})).checked[0]).toMatchObject({ documentKind: 'policy', state: 'current' });
    expect((await checkDue(at(28))({})).checked[0]).toMatchObject({ state: 'due' });
    await checkDue(at(29))({});
    expect((await checkDue(at(31))({})).checked[0]).toMatchObject({ state: 'overdue' });
    await checkDue(at(40))({});
    const reminders = (await mails(u.name)).filter((e) => /re-confirmation of Information security policy, version 1\.0/.test(e.subject));
    expect(reminders.map((e) => [e.destination.to[0], e.subject.split(':')[0]])).toEqual([
      [IRENE, 'Due'],
      [IRENE, 'Overdue'],
    ]);
    const overdue = (await events(u.id, 'policy', '1.0')).filter((e) => e.type === 'policy.reconfirmation-overdue');
    expect(overdue).toHaveLength(1);
    expect((await cli('policy status', ['--bu', u.id])).out.join('\n')).toMatch(/Re-confirmation due: .*\(OVERDUE, recorded /);
  });

  it.concurrent('the submitter decides nothing: not invited, and a link that reaches them is refused', async () => {
    const u = units.self;
    const r = await cli('policy submit', [
      '--bu',
      u.id,
      '--file',
      file('self.md', '# Mine\n'),
      '--version',
      '1',
      '--summary',
      'By Oona',
      '--by',
      'Oona.Byrne+policy@Example.com',
    ]);
    expect(r.code).toBe(0);
    await until('awaiting decisions', async () => (await policyItem(u.id, 'policy', '1'))?.status === 'awaiting-decisions');
    const item = await policyItem(u.id, 'policy', '1');
    // policyQuorum "all" is all who may decide: Clara and Farid; Oona is left out, with why.
    expect(item.members.map((m) => m.email)).toEqual([CLARA, FARID]);
    expect(item.requiredApprovals).toBe(2);
    expect(item.excluded).toEqual([{ email: OONA, reason: expect.stringContaining('submitted it and may not approve it') }]);
    await mailTo(u.name, CLARA, /^Decision needed: /);
    expect((await mails(u.name)).some((e) => e.destination.to.includes(OONA))).toBe(false);

    // A link for the submitter (as a delegation could hand them): the page refuses and a POST records nothing.
    const rt = unitOf(u.id).runtime;
    const minted = await mintDecisionLink(rt, {
      subjectType: 'policy',
      subjectPk: item.pk,
      subjectId: item.submissionId,
      recipient: { name: 'Oona Byrne', email: OONA },
      stage: { kind: 'first' },
    });
    const get = await fetch(minted.url);
    expect(get.status).toBe(403);
    expect(await get.text()).toContain('the submitter may not approve it');
    const fake = { subject: 'x', body: { text: minted.url } } as StoredEmail;
    expect(await postDecision(fake, { choice: 'approve' }, { unitId: u.id })).toBe(403);
    const decisions = await partitionItems(rt, item.pk, prefixes.decision);
    expect(decisions).toHaveLength(0);
    expect((await policyItem(u.id, 'policy', '1')).status).toBe('awaiting-decisions');
  });

  it.concurrent('objectives: refused with every problem named, then submitted, approved, updated, listed and in the next review pack', async () => {
    const u = units.objectives;
    const bad = await cli('objectives submit', [
      '--bu',
      u.id,
      '--file',
      file(
        'bad.json',
        JSON.stringify({ objectives: [{ id: 'O1', text: 'x', measure: 'm', target: 't', owner: 'nobody', due: '2027-02-30', extra: 1 }] }),
      ),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toContain('objectives[0].owner: "nobody" is not an email address');
    expect(bad.err.join('\n')).toContain('objectives[0].due: "2027-02-30" is not a date like 2027-06-30');
    expect(bad.err.join('\n')).toContain('objectives[0].extra: is not a known field');

    const objectives = {
      objectives: [
        {
          id: 'OBJ-1',
          text: 'Patch critical vulnerabilities fast',
          measure: 'median days to patch',
          target: '<= 7 days',
          owner: IRENE,
          due: '2027-06-30',
        },
        { id: 'OBJ-2', text: 'Train every employee', measure: 'share trained', target: '100%', owner: CLARA, due: '2027-03-31' },
      ],
    };
    const r = await cli('objectives submit', ['--bu', u.id, '--file', file('objectives.json', JSON.stringify(objectives))]);
    expect(r).toMatchObject({ code: 0, out: [submissionIdOf(u.id, 'objectives', '1')] });
    const invite = await mailTo(u.name, FARID, /^Decision needed: Information security objectives, version 1 \(Unit pa-objectives\)/);
    const doc = decisionLink(invite, u.id);
    doc.searchParams.set('view', 'document');
    expect(await (await fetch(doc)).text()).toContain('<td>Patch critical vulnerabilities fast</td>');
    expect(await postDecision(invite, { choice: 'approve' }, { unitId: u.id })).toBe(303);
    expect((await finished(u.id, executionNameOf(u.id, 'objectives', '1'))).status).toBe('SUCCEEDED');

    const unknown = await cli('objectives update', ['--bu', u.id, '--id', 'OBJ-9', '--status', 'on-track', '--value', '5']);
    expect(unknown.code).toBe(2);
    expect(unknown.err.join('\n')).toContain('--id: "OBJ-9" is not an objective of version 1; known: OBJ-1, OBJ-2');
    const badStatus = await cli('objectives update', ['--bu', u.id, '--id', 'OBJ-1', '--status', 'fine', '--value', '5']);
    expect(badStatus.err.join('\n')).toContain('--status: "fine" is not one of on-track, at-risk, achieved, missed');
    expect(
      (
        await cli('objectives update', [
          '--bu',
          u.id,
          '--id',
          'OBJ-1',
          '--status',
          'at-risk',
          '--value',
          '9 days',
          '--note',
          'Two late patches',
        ])
      ).code,
    ).toBe(0);
    const list = (await cli('objectives list', ['--bu', u.id])).out.join('\n');
    expect(list).toContain('OBJ-1: Patch critical vulnerabilities fast');
    expect(list).toMatch(/latest: at-risk, 9 days .*: Two late patches/);
    expect(list).toMatch(/OBJ-2[\s\S]*latest: no measurement recorded/);

    // The next review's pack, 9.3.2 d): every current objective with its latest status and value.
    expect((await cli('review start', ['--bu', u.id, '--period', '2026-Q3'])).code).toBe(0);
    const pack = await until('pack compiled', () => getPack(unitOf(u.id).runtime, reviewIdOf(u.id, '2026-Q3')));
    const d = pack.sections.find((s) => s.clause === '9.3.2 d)')!;
    const lines = d.blocks.flatMap((b) => b.lines).join('\n');
    expect(lines).toContain('OBJ-1 Patch critical vulnerabilities fast (target <= 7 days, due 2027-06-30): at-risk, 9 days');
    expect(lines).toContain('OBJ-2 Train every employee (target 100%, due 2027-03-31): no measurement recorded');

    // The minutes' actions reference objectives: one to bring the at-risk OBJ-1 back, and the change a member asked for on OBJ-2.
    const reviewMail = (who: string) => mailTo(u.name, who, /^Decision needed: management review 2026-Q3/);
    const [rc, rf, ro] = await Promise.all([CLARA, FARID, OONA].map(reviewMail));
    expect(await postDecision(rc, reviewForm('request-changes', 'OBJ-2 needs a training budget.'), { unitId: u.id })).toBe(303);
    expect(await postDecision(rf, reviewForm('approve'), { unitId: u.id })).toBe(303);
    expect(await postDecision(ro, reviewForm('approve'), { unitId: u.id })).toBe(303);
    const minutes = await until('minutes', () => getMinutes(unitOf(u.id).runtime, reviewIdOf(u.id, '2026-Q3')));
    expect(minutes.minutes.actions.map((a) => [a.title, a.objectiveIds])).toEqual([
      ['Address the changes requested by Clara Weber', ['OBJ-2']],
      ['Bring objective OBJ-1 back on track', ['OBJ-1']],
    ]);
    const open = await until('actions', async () => {
      const all = (await openActions(unitOf(u.id).runtime)).filter((a) => a.reviewId === reviewIdOf(u.id, '2026-Q3'));
      return all.length === 2 && all;
    });
    expect(open.map((a) => a.objectiveIds).sort()).toEqual([['OBJ-1'], ['OBJ-2']]);
  });

  it.concurrent('nobody decides: reminded, escalated to the escalation contacts, then returned to the ISMS manager as not decided in time', async () => {
    const u = units.late;
    expect(
      (await cli('policy submit', ['--bu', u.id, '--file', file('late.md', '# Late\n'), '--version', '1', '--summary', 'x'])).code,
    ).toBe(0);
    const d = await finished(u.id, executionNameOf(u.id, 'policy', '1'));
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toMatchObject({ outcome: 'not-held-on-time', approvals: 0 });
    for (const who of [CLARA, FARID, OONA])
      await mailTo(u.name, who, /^Decision needed \(reminder 1\): Information security policy, version 1/);
    const escalation = await mailTo(u.name, BOARD, /^Overdue: Information security policy, version 1/);
    expect(escalation.body.text).toContain('0 of 2 required approvals so far.');
    await mailTo(u.name, IRENE, /^Not decided in time: Information security policy, version 1/);
    const types = (await events(u.id, 'policy', '1')).map((e) => e.type);
    expect(types.filter((t) => t === 'reminder.sent')).toHaveLength(3);
    expect(types).toEqual(expect.arrayContaining(['policy.escalated', 'policy.not-held-on-time']));
    expect(types).not.toContain('policy.communicated');
    expect((await policyItem(u.id, 'policy', '1')).status).toBe('not-held-on-time');
  });
});
