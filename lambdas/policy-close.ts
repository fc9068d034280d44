// Closes a submission from its recorded decisions. Approved: the version becomes current and is communicated to the
// audience, one copy per address, resumably (5.2 d). Otherwise it goes back to the ISMS manager with the comments.
import * as z from '../core/zod';
import { keys } from '../core/keys';
import { DECIDED } from '../core/decisions';
import { policyAudience, policyWaitOutcome, type PolicyItem, type PolicyOutcome } from '../core/policy';
import { tally } from '../core/review-tally';
import { actingLabel } from '../core/seats';
import { communicatedDocumentHtml, policyCommunicationEmail, policyReturnedEmail } from '../core/policy-render';
import { recordEvent } from './shared/audit';
import { awaitInFlight, seatIds, stopSeats } from './shared/links';
import { loadSubject } from './shared/resume';
import {
  fixPolicyClosing,
  getDocument,
  getRendered,
  markCommunicated,
  markPolicyClosed,
  requirePolicy,
  submissionsOf,
  currentOf,
} from './shared/policy-store';
import { sendOnce } from './shared/sent-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';

const eventSchema = z.object({
  submissionId: z.string().check(z.minLength(1)),
  outcome: z.enum(['approved', 'changes-requested', 'not-held-on-time']),
});

/** The outcome from the recorded decisions (docs/architecture.md#outcomes-only-from-stored-decisions), as review-close does. */
async function outcomeFromTable(rt: Runtime, policy: PolicyItem, claimed: PolicyOutcome): Promise<PolicyOutcome> {
  const key = keys.policy(policy.submissionId);
  let { decisions } = await loadSubject(rt, key.pk, key.sk);
  let now = policyWaitOutcome(policy, decisions);
  if (claimed !== 'not-held-on-time' && now.output.outcome !== claimed) {
    throw new WorkflowError(
      'OutcomeNotSupported',
      `${policy.submissionId} cannot close ${claimed}: the recorded decisions give ${now.complete ? now.output.outcome : 'no outcome yet'}`,
    );
  }
  if (now.complete) return now.output.outcome as PolicyOutcome;
  const inFlight = await stopSeats(rt, seatIds(tally(policy, decisions, 'policy').undecided), 'the submission closed before this decision');
  ({ decisions } = await loadSubject(rt, key.pk, key.sk));
  awaitInFlight(inFlight, decisions, policy.submissionId);
  now = policyWaitOutcome(policy, decisions);
  return now.complete ? (now.output.outcome as PolicyOutcome) : 'not-held-on-time';
}

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const input = parseEvent(eventSchema, event, 'policy-close');
  const { submissionId } = input;
  const key = keys.policy(submissionId);
  const current = await requirePolicy(rt, submissionId);
  const computed = current.outcome ?? (await outcomeFromTable(rt, current, input.outcome));
  const policy = await fixPolicyClosing(rt, submissionId, { at: rt.now().toISOString(), outcome: computed });
  if (!policy) throw new WorkflowError('PolicyNotFound', `No submission ${submissionId}`);
  const { closingAt: closedAt, outcome } = policy;

  // Links of members who did not decide stop working: no decision may arrive that the outcome cannot show.
  const before = await loadSubject(rt, key.pk, key.sk);
  const inFlight = await stopSeats(
    rt,
    seatIds(tally(policy, before.decisions, 'policy').undecided),
    `the submission closed (${outcome}) before this decision`,
  );
  const { decisions } = await loadSubject(rt, key.pk, key.sk);
  awaitInFlight(inFlight, decisions, submissionId);
  const byId = new Map(decisions.filter((d) => d.subjectType === 'policy').map((d) => [d.decisionId, d]));
  const decided = policy.members
    .map((m) => (m.decisionId ? byId.get(m.decisionId) : undefined))
    .filter((d) => d !== undefined)
    .map((d) => ({
      name: d.recipient.name,
      email: d.recipient.email,
      // A deputy's decision names both people (issue 15), as the review's minutes do: "Dora Deputy for Clara Weber".
      ...(d.actingFor
        ? { actingFor: { name: d.actingFor.name, email: d.actingFor.email }, decidedBy: actingLabel(d.recipient, d.actingFor) }
        : {}),
      choice: d.choice,
      comment: d.comment,
      decidedAt: d.decidedAt,
    }));
  const named = <T extends { name: string; decidedBy?: string }>(d: T) => ({ ...d, name: d.decidedBy ?? d.name });
  const approvers = decided.filter((d) => d.choice === 'approve');
  let communicatedTo: string[] = [];

  if (outcome === 'approved') {
    const doc = await getDocument(rt, submissionId);
    if (!doc) throw new WorkflowError('DocumentNotFound', `${submissionId} has no document`);
    const previous = currentOf((await submissionsOf(rt, policy.documentKind)).filter((s) => s.submissionId !== submissionId));
    const audience = policyAudience(rt.config);
    const email = {
      ...policyCommunicationEmail({
        unit: rt.config,
        policy,
        doc,
        approvers: approvers.map(named),
        approvedAt: closedAt,
        rendered: communicatedDocumentHtml(doc, policy.objectives, await getRendered(rt, submissionId)),
      }),
      to: audience,
    };
    // Per address: a retry after SES throttled at the n-th copy sends only the copies not yet marked (docs/architecture.md#every-fan-out-is-resumable).
    const fanOut = await sendOnce(rt, { subjectPk: key.pk, message: 'communicated' }, email);
    const copies = [...fanOut.skipped, ...fanOut.sent];
    communicatedTo = copies.map((c) => c.recipient);
    const communicatedAt =
      copies
        .map((c) => c.sentAt)
        .sort()
        .at(-1) ?? rt.now().toISOString();
    await markCommunicated(rt, submissionId, communicatedAt);
    await recordEvent(rt, {
      type: 'policy.communicated',
      subjectPk: key.pk,
      actor: 'system',
      at: communicatedAt,
      eventId: 'communicated',
      detail: {
        documentKind: policy.documentKind,
        version: policy.version,
        sha256: policy.sha256,
        recipients: copies.map((c) => ({ to: c.recipient, sentAt: c.sentAt, sesMessageId: c.sesMessageId })),
      },
    });
    await recordEvent(rt, {
      type: 'policy.current',
      subjectPk: key.pk,
      actor: 'system',
      at: closedAt,
      eventId: 'current',
      detail: { documentKind: policy.documentKind, version: policy.version, previous: previous?.version ?? null },
    });
  } else {
    await sendOnce(
      rt,
      { subjectPk: key.pk, message: 'returned' },
      policyReturnedEmail({
        unit: rt.config,
        policy,
        outcome,
        decisions: decided.map((d) => ({ ...named(d), choice: DECIDED[d.choice] ?? d.choice })),
      }),
    );
  }

  await markPolicyClosed(rt, submissionId, { outcome, closedAt });
  await recordEvent(rt, {
    type: `policy.${outcome}`,
    subjectPk: key.pk,
    actor: 'system',
    at: closedAt,
    eventId: 'closed',
    detail: {
      documentKind: policy.documentKind,
      version: policy.version,
      sha256: policy.sha256,
      outcome,
      approvals: approvers.length,
      required: policy.requiredApprovals,
      decisions: decided,
      ...(outcome === 'approved' ? {} : { returnedTo: [rt.config.ismsManager.email, policy.submitter] }),
    },
  });
  return { submissionId, outcome, closedAt, approvals: approvers.length, communicatedTo };
};

export const handler = lambdaHandler(createHandler);
