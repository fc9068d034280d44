// Deputies, absences, hand-over and fingerprints (issue 15) end to end on the local runtime: the real ASL, handlers,
// decision endpoint and SES inbox. Every acting decision names both people; every decision is bound to what was shown.
import { formatTime } from '../../core/format';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalRuntime, type LocalRuntime, type LocalUnit, type StoredEmail } from '../../local/runtime';
import { commands as reviewCommands } from '../../cli/review-commands';
import { commands as requestCommands } from '../../cli/request-commands';
import { commands as evidenceCommands } from '../../cli/evidence-commands';
import { commands as absenceCommands } from '../../cli/absence-commands';
import { commands as actionCommands } from '../../cli/action-commands';
import { ABSENCES_PK } from '../../core/absence';
import type { BusinessUnitConfig } from '../../core/config';
import type { DecisionRecord } from '../../core/decisions';
import { keys, prefixes } from '../../core/keys';
import { executionArnOf } from '../../core/names';
import { dayIn, reviewIdOf } from '../../core/period';
import { loadBusinessUnits } from '../../lib/config-files';
import { getPack } from '../../lambdas/shared/review-store';
import { getLink } from '../../lambdas/shared/links';
import { passSeat } from '../../lambdas/shared/delegation';
import { testUnit } from '../support/units';
import {
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

const DORA = { name: 'Dora Deputy', email: 'dora.deputy@example.com' };
const MARK = { name: 'Mark Stand', email: 'mark.stand@example.com' };
const RITA = { name: 'Rita Requester', email: 'rita.requester@example.com' };
const PERIOD = '2026-Q3';

/** EMEA with deputies: Dora for Clara (chair), Mark for Oona, Dora for Farid; level 1 (Oona) has Rita, then Mark. */
function unitWithDeputies(id: string): BusinessUnitConfig {
  const emea = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
  const deputies: Record<string, Array<{ name: string; email: string }>> = { [CLARA]: [DORA], [OONA]: [MARK], [FARID]: [DORA] };
  return testUnit({
    id,
    name: `Unit ${id}`,
    reminders: { interval: '60s', maximum: 1 },
    decisionLinkLifetime: '300s',
    topManagement: emea.topManagement.map((m) => ({ ...m, deputies: deputies[m.email] })),
    resourceApproval: {
      ...emea.resourceApproval,
      levels: emea.resourceApproval.levels.map((l, i) => (i === 0 ? { ...l, approver: { ...l.approver, deputies: [RITA, MARK] } } : l)),
    },
  });
}

const units = {
  absent: unitWithDeputies('dl-absent'),
  handover: unitWithDeputies('dl-handover'),
  request: unitWithDeputies('dl-request'),
  rebuilt: unitWithDeputies('dl-rebuilt'),
  cli: unitWithDeputies('dl-cli'),
  later: { ...unitWithDeputies('dl-later'), reminders: { interval: '3s', maximum: 2 }, decisionLinkLifetime: '60s' },
};

let lr: LocalRuntime;
beforeAll(async () => {
  lr = await startLocalRuntime({ units: Object.values(units), ports: FREE_PORTS });
});
afterAll(async () => {
  await lr?.close();
});

const unitOf = (id: string): LocalUnit => lr.units.find((u) => u.unit.id === id)!;

async function mailTo(who: string, match: (e: StoredEmail) => boolean, what: string): Promise<StoredEmail> {
  return until(`${what} to ${who}`, async () => (await lr.emails()).find((e) => e.destination.to.includes(who) && match(e)));
}
const about = (unitName: string, re: RegExp) => (e: StoredEmail) => e.subject.includes(unitName) && re.test(e.subject);

async function startReview(unitId: string) {
  expect(await runCli(lr, reviewCommands, 'review start', ['--bu', unitId, '--period', PERIOD])).toMatchObject({ code: 0, err: [] });
}

async function setAbsent(unitId: string, person: string) {
  const today = dayIn(new Date(), 'Europe/Berlin');
  const r = await runCli(lr, absenceCommands, 'absence set', ['--bu', unitId, '--person', person, '--from', today, '--to', '2099-12-31']);
  expect(r).toMatchObject({ code: 0, err: [] });
  return r.out[0];
}

/** A POST of the confirmation page's forms, as a browser sends it; the status and the page. */
async function post(link: URL, fields: Record<string, string>): Promise<{ status: number; body: string }> {
  const res = await fetch(`${link.origin}${link.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: link.origin },
    body: new URLSearchParams({ k: link.searchParams.get('k')!, ...fields }).toString(),
    redirect: 'manual',
  });
  return { status: res.status, body: await res.text() };
}
const page = async (link: URL) => (await fetch(link)).text();
const fingerprintIn = (text: string) => /Fingerprint of the (?:pack|request) you decide on: ([0-9a-f]{12})/.exec(text)?.[1];

async function finished(unitId: string) {
  const arn = executionArnOf(unitOf(unitId).stateMachineArns['management-review'], `${unitId}-${PERIOD}`);
  return until(`review of ${unitId} to finish`, async () => {
    const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    return d.status !== 'RUNNING' && d;
  });
}

describe('delegation and absence', () => {
  it.concurrent('the chair is absent: the deputy decides acting for her, quorum is reached, and every record names both people and the pack fingerprint', async () => {
    const u = units.absent;
    const rt = unitOf(u.id).runtime;
    expect(await setAbsent(u.id, 'Clara.Weber+away@example.com')).toMatch(
      /^Absence abs-\d{8}-[a-z0-9]{8}: Clara Weber is away .* their configured deputies \(Dora Deputy <dora.deputy@example.com>\) decide for them/,
    );
    const set = (await partitionItems(rt, ABSENCES_PK, prefixes.event))[0];
    expect(set).toMatchObject({ type: 'absence.set', actor: expect.stringMatching(/^local:/), detail: { person: { email: CLARA } } });
    await startReview(u.id);

    const invitation = await mailTo(
      DORA.email,
      about(u.name, /^\[acting for Clara Weber\] Decision needed: management review 2026-Q3/),
      'the invitation',
    );
    expect(invitation.body.text).toContain('You decide acting for Clara Weber <clara.weber@example.com> (Clara Weber is absent');
    const copy = await mailTo(
      CLARA,
      about(u.name, /For information: Dora Deputy decides the management review 2026-Q3 for you/),
      'the copy',
    );
    expect(copy.body.text).not.toMatch(/\/decisions\//);
    const fp = fingerprintIn(invitation.body.text ?? '')!;
    const pack = await getPack(rt, reviewIdOf(u.id, PERIOD));
    expect(fp).toMatch(/^[0-9a-f]{12}$/);

    const link = decisionLink(invitation, u.id);
    const shown = await page(link);
    expect(shown).toContain('acting for Clara Weber');
    expect(shown).toContain(`>${fp}</code>`);
    expect(await postDecision(invitation, reviewForm('approve', 'for Clara'), { unitId: u.id })).toBe(303);
    const farid = await mailTo(FARID, about(u.name, /^Decision needed: /), 'the invitation');
    expect(await postDecision(farid, reviewForm('approve'), { unitId: u.id })).toBe(303);
    expect((await finished(u.id)).status).toBe('SUCCEEDED');

    const decisions = await partitionItems<DecisionRecord>(rt, keys.review(reviewIdOf(u.id, PERIOD)).pk, prefixes.decision);
    const dora = decisions.find((d) => d.recipient.email === DORA.email)!;
    expect(dora).toMatchObject({ actingFor: { name: 'Clara Weber', email: CLARA }, choice: 'approve' });
    expect(dora.fingerprint?.slice(0, 12)).toBe(fp);
    expect(dora.fingerprint).toHaveLength(64);
    expect(pack).toBeDefined();

    const minutes = await mailTo(IRENE, about(u.name, /^Minutes: management review 2026-Q3/), 'the minutes');
    expect(minutes.body.text).toContain('- Dora Deputy for Clara Weber (chair), Managing Director: approved');
    expect(minutes.body.text).toContain(`Pack fingerprint: ${fp}`);
    const confirmation = await mailTo(DORA.email, about(u.name, /^Decision recorded: /), 'the confirmation');
    expect(confirmation.body.text).toContain('Recorded as Dora Deputy for Clara Weber.');
    expect(confirmation.body.text).toContain(`Fingerprint of what you decided on: ${fp}.`);

    const status = await runCli(lr, actionCommands, 'review status', ['--bu', u.id, '--period', PERIOD]);
    expect(status.out).toContain(
      `  - Clara Weber (chair), Managing Director <${CLARA}>: approved by Dora Deputy <dora.deputy@example.com> for Clara Weber at ${formatTime(dora.decidedAt, u.timeZone)}`,
    );

    const dir = mkdtempSync(path.join(tmpdir(), 'isms-deputy-'));
    const month = new Date().toISOString().slice(0, 7);
    for (const format of ['html', 'json']) {
      const out = path.join(dir, `evidence.${format}`);
      const r = await runCli(lr, evidenceCommands, 'evidence export', [
        '--bu',
        u.id,
        '--from',
        month,
        '--to',
        month,
        '--format',
        format,
        '--out',
        out,
      ]);
      expect(r.code).toBe(0);
    }
    const exported = readFileSync(path.join(dir, 'evidence.html'), 'utf8');
    expect(exported).toContain('approved by Dora Deputy for Clara Weber');
    expect(exported).toContain(`>${fp}</code>`);
    const json = readFileSync(path.join(dir, 'evidence.json'), 'utf8');
    expect(json).toContain(dora.fingerprint);
    expect(json).toContain('"absence.set"');
  });

  it.concurrent('a member hands over from the page; forged, repeated and returned hand-overs are refused; the seat counts once', async () => {
    const u = units.handover;
    const rt = unitOf(u.id).runtime;
    await startReview(u.id);
    const oona = await mailTo(OONA, about(u.name, /^Decision needed: /), 'the invitation');
    const oonaLink = decisionLink(oona, u.id);
    expect(await page(oonaLink)).toContain("I can't decide this: pass it to my deputy");

    // A forged deputy address: refused, nothing changes, the link still decides.
    const forged = await post(oonaLink, { action: 'pass', deputy: 'mallory@evil.example' });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('mallory@evil.example is not a configured deputy of Oona Byrne');
    expect(await page(oonaLink)).toContain('Record my decision');

    // Two hand-overs at once (a double click, two devices): one conditional update decides, exactly one goes through.
    const both = await Promise.all([
      post(oonaLink, { action: 'pass', deputy: 'MARK.stand@example.com' }),
      post(oonaLink, { action: 'pass', deputy: MARK.email }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 410]);
    const passed = both.find((r) => r.status === 200)!;
    expect(passed.body).toContain('Mark Stand &lt;mark.stand@example.com&gt; now has their own link');
    // Handing over again later: the link was used up by the first, and says to whom it passed.
    const twice = await post(oonaLink, { action: 'pass', deputy: MARK.email });
    expect(twice.status).toBe(410);
    expect(twice.body).toContain('the decision passed to Mark Stand');

    const mark = await mailTo(MARK.email, about(u.name, /Your decision is needed: the management review 2026-Q3/), 'the hand-over');
    expect(mark.body.text).toContain(
      'You decide acting for Oona Byrne <oona.byrne@example.com> (Oona Byrne passed it on from the decision page)',
    );
    await mailTo(OONA, about(u.name, /For information: Mark Stand decides/), 'the copy');
    expect((await lr.emails()).filter((e) => e.destination.to.includes(MARK.email) && e.subject.includes(u.name))).toHaveLength(1);
    const markLink = decisionLink(mark, u.id);
    // A deputy handing it back (or on): refused.
    const back = await post(markLink, { action: 'pass', deputy: OONA });
    expect(back.status).toBe(403);
    expect(back.body).toContain('a deputy cannot pass a decision on');

    expect(await postDecision(mark, reviewForm('request-changes', 'needs work'), { unitId: u.id })).toBe(303);
    // The original on the same seat: 409, saying who holds it.
    const late = await post(oonaLink, reviewForm('approve'));
    expect(late.status).toBe(409);
    expect(late.body).toContain('Mark Stand for Oona Byrne decided the seat of Oona Byrne first');

    const events = await partitionItems(rt, keys.review(reviewIdOf(u.id, PERIOD)).pk, prefixes.event);
    expect(events.filter((e) => e.type === 'decision.delegated').map((e) => e.detail)).toEqual([
      expect.objectContaining({
        kind: 'handover',
        original: OONA,
        originalName: 'Oona Byrne',
        deputy: MARK.email,
        deputyName: 'Mark Stand',
      }),
    ]);
    const decisions = await partitionItems<DecisionRecord>(rt, keys.review(reviewIdOf(u.id, PERIOD)).pk, prefixes.decision);
    expect(decisions.map((d) => [d.recipient.email, d.actingFor?.email, d.choice])).toEqual([[MARK.email, OONA, 'request-changes']]);

    // A used link passes nothing on: Farid decided, then tries to hand over.
    const farid = await mailTo(FARID, about(u.name, /^Decision needed: /), 'the invitation');
    expect(await postDecision(farid, reviewForm('approve'), { unitId: u.id })).toBe(303);
    expect((await post(decisionLink(farid, u.id), { action: 'pass', deputy: DORA.email })).status).toBe(409);
    expect((await lr.emails()).some((e) => e.destination.to.includes(DORA.email) && e.subject.includes(u.name))).toBe(false);
  });

  it.concurrent('a request level whose approver is absent goes to a deputy who may decide it, passing over the requester', async () => {
    const u = units.request;
    await setAbsent(u.id, OONA);
    const title = 'Deputy laptops';
    const r = await runCli(lr, requestCommands, 'request submit', [
      '--bu',
      u.id,
      '--category',
      'equipment',
      '--title',
      title,
      '--justification',
      'Two laptops.',
      '--amount',
      '500',
      '--currency',
      'EUR',
      '--requester',
      RITA.email,
    ]);
    expect(r.code).toBe(0);
    const mark = await mailTo(MARK.email, (e) => e.subject.includes(title), 'the approval request');
    expect(mark.subject).toMatch(/^\[acting for Oona Byrne\] Approve or reject/);
    expect(mark.body.text).toContain('You decide acting for Oona Byrne');
    const fp = fingerprintIn(mark.body.text ?? '');
    expect(fp).toMatch(/^[0-9a-f]{12}$/);
    await mailTo(OONA, (e) => /For information: Mark Stand decides level 1/.test(e.subject), 'the copy');
    expect(await postDecision(mark, { choice: 'approve', comment: 'for Oona' }, { unitId: u.id })).toBe(303);
    const outcome = await mailTo(RITA.email, (e) => e.subject.includes(title) && /approved/.test(e.subject), 'the outcome');
    expect(outcome.body.text).toMatch(
      new RegExp(
        `Level 1 \\(ISMS sponsor\\): approved by Mark Stand for Oona Byrne <[^>]+> at [^\\n]+, on the request with fingerprint ${fp}`,
      ),
    );
    // The requester, though configured as the first deputy, never got a link to her own request.
    expect(
      (await lr.emails()).filter((e) => e.destination.to.includes(RITA.email)).some((e) => /\/decisions\//.test(e.body.text ?? '')),
    ).toBe(false);
  });

  it.concurrent('a pack rebuilt after the links went out: the POST answers 409 and a new link to the current pack is sent; an expired link passes nothing on', async () => {
    const u = units.rebuilt;
    const rt = unitOf(u.id).runtime;
    await startReview(u.id);
    const farid = await mailTo(FARID, about(u.name, /^Decision needed: /), 'the invitation');
    const reviewId = reviewIdOf(u.id, PERIOD);
    const pack = (await getPack(rt, reviewId))!;
    // As if a restarted workflow had compiled the pack again with something else in it.
    await rt.ddb.send(
      new PutCommand({
        TableName: rt.tableName,
        Item: {
          ...keys.reviewPack(reviewId),
          kind: 'review-pack',
          reviewId,
          compiledAt: pack.compiledAt,
          pack: { ...pack, compiledAt: new Date().toISOString() },
        },
      }),
    );
    const changed = await post(decisionLink(farid, u.id), reviewForm('approve'));
    expect(changed.status).toBe(409);
    expect(changed.body).toContain('changed since this link was issued');
    const again = await mailTo(FARID, about(u.name, /Your decision is needed: the management review/), 'the new link');
    expect(fingerprintIn(again.body.text ?? '')).not.toBe(fingerprintIn(farid.body.text ?? ''));
    expect((await post(decisionLink(farid, u.id), reviewForm('approve'))).status).toBe(410);
    expect(await postDecision(again, reviewForm('approve'), { unitId: u.id })).toBe(303);

    // An expired link cannot hand over.
    const clara = await mailTo(CLARA, about(u.name, /^Decision needed: /), 'the invitation');
    const claraLink = decisionLink(clara, u.id);
    await rt.ddb.send(
      new UpdateCommand({
        TableName: unitOf(u.id).linksTableName,
        Key: keys.link(claraLink.pathname.split('/').pop()!),
        UpdateExpression: 'SET expiresAt = :x',
        ExpressionAttributeValues: { ':x': '2020-01-01T00:00:00.000Z' },
      }),
    );
    expect((await post(claraLink, { action: 'pass', deputy: DORA.email })).status).toBe(410);
  });

  it.concurrent('an absence that starts while the review waits passes the waiting link at the next reminder; a deputy late on a decided seat gets 409', async () => {
    const u = units.later;
    const rt = unitOf(u.id).runtime;
    await startReview(u.id);
    const clara = await mailTo(CLARA, about(u.name, /^Decision needed: /), 'the invitation');
    const oona = await mailTo(OONA, about(u.name, /^Decision needed: /), 'the invitation');
    expect(await postDecision(clara, reviewForm('approve'), { unitId: u.id })).toBe(303);
    // A hand-over that checked Clara's link a moment before her click: her deputy's link exists, but the seat is hers.
    const claraLink = (await getLink(rt, decisionLink(clara, u.id).pathname.split('/').pop()!))!;
    const raced = await passSeat(rt, claraLink, DORA, { kind: 'handover', reason: 'test race', by: CLARA }, { kind: 'first' });
    const lateDeputy = await post(new URL(raced!.url), reviewForm('approve'));
    expect(lateDeputy.status).toBe(409);
    expect(lateDeputy.body).toContain('Clara Weber decided the seat of Clara Weber first');

    await setAbsent(u.id, OONA);
    const reminder = await mailTo(
      MARK.email,
      about(u.name, /^\[acting for Oona Byrne\] Decision needed \(reminder \d\): management review 2026-Q3/),
      'the reminder',
    );
    expect(reminder.body.text).toContain('You decide acting for Oona Byrne');
    await mailTo(OONA, about(u.name, /For information: Mark Stand decides the management review 2026-Q3/), 'the copy');
    const old = await post(decisionLink(oona, u.id), reviewForm('approve'));
    expect(old.status).toBe(410);
    expect(old.body).toContain('Oona Byrne is absent');
    expect(old.body).toContain('the decision passed to Mark Stand');
    expect(await postDecision(reminder, reviewForm('approve'), { unitId: u.id })).toBe(303);
    expect((await finished(u.id)).status).toBe('SUCCEEDED');
    const decisions = await partitionItems<DecisionRecord>(rt, keys.review(reviewIdOf(u.id, PERIOD)).pk, prefixes.decision);
    expect(decisions.map((d) => `${d.recipient.email}${d.actingFor ? ` for ${d.actingFor.email}` : ''}`).sort()).toEqual([
      CLARA,
      `${MARK.email} for ${OONA}`,
    ]);
  });

  it.concurrent('isms absence refuses a bad absence and stores nothing; a confirmed deputy is recorded as such; end and list say what holds', async () => {
    const u = units.cli;
    const rt = unitOf(u.id).runtime;
    const absence = (args: string[]) => runCli(lr, absenceCommands, `absence ${args[0]}`, ['--bu', u.id, ...args.slice(1)]);
    expect((await absence(['list'])).out).toEqual([`No absences in ${u.id}.`]);
    const bad = await absence(['set', '--person', CLARA, '--from', '2026-12-10', '--to', '2026-12-01', '--deputy', 'eve@example.com']);
    expect(bad.code).toBe(2);
    expect(bad.err).toEqual([
      '--to: 2026-12-01 is before --from 2026-12-10',
      '--deputy: "eve@example.com" is not a configured deputy of Clara Weber (dora.deputy@example.com); add --confirm to confirm them as the ISMS manager',
    ]);
    expect(await partitionItems(rt, ABSENCES_PK)).toEqual([]);

    // On AWS, only the ISMS manager's own principal confirms a deputy the config does not name; a configured one needs nobody.
    const as = (caller: string, args: string[]) => runCli(lr, absenceCommands, 'absence set', ['--bu', u.id, ...args], { caller });
    const mallory = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_IsmsOps_0123456789abcdef/mallory@example.com';
    // Eve is no configured deputy of Clara's: only the ISMS manager may confirm her.
    const eveConfirmed = ['--person', CLARA, '--from', '2026-12-01', '--to', '2026-12-05', '--deputy', 'eve@example.com', '--confirm'];
    const unnamed = await as(mallory, eveConfirmed);
    expect(unnamed.code).toBe(2);
    expect(unnamed.err).toEqual([
      expect.stringMatching(/^--confirm: only the ISMS manager \(Irene Schulz <irene\.schulz@example\.com>\) confirms/),
    ]);
    expect(await partitionItems(rt, ABSENCES_PK)).toEqual([]);

    const set = await absence(['set', ...eveConfirmed]);
    expect(set.code).toBe(0);
    const id = /^Absence (abs-\d{8}-[a-z0-9]{8}):/.exec(set.out[0])![1];
    const [event] = await partitionItems(rt, ABSENCES_PK, prefixes.event);
    expect(event).toMatchObject({
      type: 'absence.set',
      detail: { deputy: { email: 'eve@example.com' }, confirmed: true, confirmedAs: `ISMS manager ${IRENE}` },
    });
    expect((await absence(['end', '--id', id])).out[0]).toMatch(new RegExp(`^Ended absence ${id} of Clara Weber at `));
    expect((await absence(['end', '--id', id])).code).toBe(1);
    expect((await absence(['list'])).out[0]).toMatch(
      new RegExp(
        `^${id}  Clara Weber <${CLARA}>  2026-12-01 to 2026-12-05  deputy: eve@example.com <eve@example.com> \\(confirmed by the ISMS manager\\)  set by local:.*  ENDED `,
      ),
    );
    // A deputy the config names needs nobody's confirmation, whoever sets the absence (recorded as set by them).
    const named = await as(mallory, [
      '--person',
      CLARA,
      '--from',
      '2026-12-06',
      '--to',
      '2026-12-08',
      '--deputy',
      'dora.deputy@example.com',
    ]);
    expect(named).toMatchObject({ code: 0, err: [] });
    expect((await absence(['list'])).out.join('\n')).toContain(
      `2026-12-06 to 2026-12-08  deputy: Dora Deputy <dora.deputy@example.com>  set by ${mallory}`,
    );
  });
});
