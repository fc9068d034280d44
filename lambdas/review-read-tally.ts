// After a wait of the review was resumed: reads the tally from the recorded decisions, which alone can close the review (docs/architecture.md#outcomes-only-from-stored-decisions).
import * as z from '../core/zod';
import { keys } from '../core/keys';
import { loadSubject } from './shared/resume';
import { refuseResume, resumeSchema } from './shared/resume-refusal';
import { reviewResumeSupported, reviewWaitOutcome } from '../core/review-tally';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';

const eventSchema = z.object({
  reviewId: z.string().check(z.minLength(1)),
  /** The wait's result: the resume message (a claim), its id, and which wait to go back to when the tally is not complete. */
  resume: z.extend(resumeSchema, { ifIncomplete: z.enum(['wait', 'wait-after-escalation']) }),
});

export interface ReadTallyOutput {
  complete: boolean;
  outcome: 'approved' | 'not-approved' | 'incomplete';
  approvals: number;
  required: number;
  decided: number;
  members: number;
  ifIncomplete: 'wait' | 'wait-after-escalation';
}

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown): Promise<ReadTallyOutput> => {
    const { reviewId, resume } = parseEvent(eventSchema, event, 'review-read-tally');
    const key = keys.review(reviewId);
    const { subject, decisions } = await loadSubject(rt, key.pk, key.sk);
    if (!subject) throw new WorkflowError('ReviewNotFound', `No review ${reviewId}`);
    const now = reviewWaitOutcome(subject, decisions);
    const counts = now.output as { approvals: number; required: number; decided: number; members: number };
    const tally = {
      approvals: counts.approvals ?? 0,
      required: counts.required ?? 0,
      decided: counts.decided ?? 0,
      members: counts.members ?? 0,
    };

    if (!reviewResumeSupported(subject, decisions, resume.claimed)) {
      await refuseResume(rt, {
        subjectType: 'review',
        subjectPk: key.pk,
        resume,
        stored: { status: subject.status, complete: now.complete, outcome: now.complete ? now.output.outcome : 'incomplete', ...tally },
      });
      // Nothing changes; the wait stores a new token and resumes at once if the tally is complete after all.
      return { complete: false, outcome: 'incomplete', ...tally, ifIncomplete: resume.ifIncomplete };
    }
    return { complete: true, outcome: now.output.outcome as 'approved' | 'not-approved', ...tally, ifIncomplete: resume.ifIncomplete };
  };

export const handler = lambdaHandler(createHandler);
