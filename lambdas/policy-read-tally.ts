// After a wait was resumed: reads the tally from the recorded decisions, which alone can close the submission (docs/architecture.md#outcomes-only-from-stored-decisions).
import * as z from '../core/zod';
import { keys } from '../core/keys';
import { policyResumeSupported, policyWaitOutcome } from '../core/policy';
import { loadSubject } from './shared/resume';
import { refuseResume, resumeSchema } from './shared/resume-refusal';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';

const eventSchema = z.object({
  submissionId: z.string().check(z.minLength(1)),
  resume: z.extend(resumeSchema, { ifIncomplete: z.enum(['wait', 'wait-after-escalation']) }),
});

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const { submissionId, resume } = parseEvent(eventSchema, event, 'policy-read-tally');
  const key = keys.policy(submissionId);
  const { subject, decisions } = await loadSubject(rt, key.pk, key.sk);
  if (!subject) throw new WorkflowError('PolicyNotFound', `No submission ${submissionId}`);
  const now = policyWaitOutcome(subject, decisions);
  const o = now.output as { approvals?: number; required?: number; decided?: number; members?: number };
  const tally = { approvals: o.approvals ?? 0, required: o.required ?? 0, decided: o.decided ?? 0, members: o.members ?? 0 };
  if (!policyResumeSupported(subject, decisions, resume.claimed)) {
    await refuseResume(rt, {
      subjectType: 'policy',
      subjectPk: key.pk,
      resume,
      stored: { status: subject.status, complete: now.complete, outcome: now.complete ? now.output.outcome : 'incomplete', ...tally },
    });
    return { complete: false, outcome: 'incomplete', ...tally, ifIncomplete: resume.ifIncomplete };
  }
  return { complete: true, outcome: now.output.outcome as string, ...tally, ifIncomplete: resume.ifIncomplete };
};

export const handler = lambdaHandler(createHandler);
