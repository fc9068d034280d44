// Compiles the review pack (9.3.2 a-g, resource requests, adequacy questions) once, as an immutable snapshot.
import * as z from '../core/zod';
import { recordEvent } from './shared/audit';
import { keys } from '../core/keys';
import { actionSummary, compilePack, packSummary, requestSummary, type ReviewPack } from '../core/review-pack';
import {
  getPack,
  latestInputs,
  markPackCompiled,
  openActions,
  previousReview,
  requestsSince,
  requireReview,
  storePackOnce,
} from './shared/review-store';
import { currentObjectives } from './shared/policy-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';

const eventSchema = z.object({ reviewId: z.string().check(z.minLength(1)) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const input = parseEvent(eventSchema, event, 'review-compile-pack');
  const review = await requireReview(rt, input.reviewId);
  let pack = await getPack(rt, review.reviewId);
  if (!pack) {
    const compiled = await compile(rt, review.reviewId, review.period);
    // A retry that lost the race reads the snapshot that won: the pack is never rewritten.
    pack = (await storePackOnce(rt, review.reviewId, compiled)) ? compiled : await getPack(rt, review.reviewId);
    if (!pack) throw new WorkflowError('PackNotFound', `The pack of ${review.reviewId} was reported as existing but cannot be read`);
  }
  await markPackCompiled(rt, review.reviewId, { summary: packSummary(pack), compiledAt: pack.compiledAt });
  await recordEvent(rt, {
    type: 'review.pack-compiled',
    subjectPk: keys.review(review.reviewId).pk,
    actor: 'system',
    at: pack.compiledAt,
    eventId: 'pack-compiled',
    detail: {
      inputsSubmittedAt: pack.inputsSubmitted?.submittedAt ?? null,
      openActions: pack.openActions.map((a) => a.actionId),
      requests: pack.requests.map((r) => r.requestId),
      emptySections: pack.sections.filter((s) => s.empty).map((s) => s.clause),
    },
  });
  return {
    compiledAt: pack.compiledAt,
    inputsSubmittedAt: pack.inputsSubmitted?.submittedAt ?? null,
    openActions: pack.openActions.length,
    requests: pack.requests.length,
  };
};

async function compile(rt: Runtime, reviewId: string, period: string): Promise<ReviewPack> {
  const compiledAt = rt.now().toISOString();
  const [inputs, previous, actions] = await Promise.all([
    latestInputs(rt, reviewId, compiledAt),
    previousReview(rt, period),
    openActions(rt),
  ]);
  const since = previous?.openedAt;
  const requests = await requestsSince(rt, since);
  const objectives = await currentObjectives(rt);
  return compilePack({
    unit: rt.config,
    period,
    compiledAt,
    since,
    inputs: inputs && { submittedAt: inputs.submittedAt, submittedBy: inputs.submittedBy, inputs: inputs.inputs },
    // Actions of this very review do not exist yet; the filter only guards a re-run after a manual reset.
    openActions: actions.filter((a) => a.reviewId !== reviewId).map(actionSummary),
    requests: requests.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt)).map(requestSummary),
    objectives: objectives && {
      version: objectives.version,
      approvedAt: objectives.approvedAt,
      objectives: objectives.objectives.map(({ id, text, target, due, latest }) => ({
        id,
        text,
        target,
        due,
        ...(latest ? { latest: { status: latest.status, value: latest.value, recordedAt: latest.recordedAt } } : {}),
      })),
    },
  });
}

export const handler = lambdaHandler(createHandler);
