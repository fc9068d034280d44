// A resume message the stored decisions do not support is refused (docs/architecture.md#outcomes-only-from-stored-decisions): one audit event, one ERROR log line (alarmed), nothing else.
import * as z from '../../core/zod';
import { recordEventOnce } from './audit';
import type { SubjectType } from '../../core/decisions';
import type { Runtime } from './runtime';

/**
 * What the workflow hands the step after a wait that was resumed: the task output as it came (a claim from whoever
 * held the token) and an id the wait's ResultSelector minted once (States.UUID()), so a retried step keys the same event.
 */
export const resumeSchema = z.object({
  claimed: z.unknown(),
  resumeId: z.uuid(),
});
export type Resume = z.output<typeof resumeSchema>;

/** The claim is attacker-controlled and up to 256 KB: evidence and logs keep its start. */
export const CLAIM_MAX_CHARS = 2000;

export function claimText(claimed: unknown): string {
  const text = JSON.stringify(claimed) ?? String(claimed);
  return text.length > CLAIM_MAX_CHARS ? `${text.slice(0, CLAIM_MAX_CHARS)}… (${text.length} characters)` : text;
}

/**
 * Records `<subject>.resume-refused` with what was claimed and what the table shows, once per resume, and logs it at
 * ERROR. Changes nothing else: the caller sends the workflow back to its wait.
 */
export async function refuseResume(
  rt: Runtime,
  args: { subjectType: SubjectType; subjectPk: string; resume: Resume; stored: Record<string, unknown> },
): Promise<void> {
  const claimed = claimText(args.resume.claimed);
  rt.logger.error('resume refused: the resume message claims what the stored decisions do not show; the workflow waits again', {
    subjectPk: args.subjectPk,
    resumeId: args.resume.resumeId,
    claimed,
    stored: args.stored,
  });
  await recordEventOnce(rt, {
    type: `${args.subjectType}.resume-refused`,
    subjectPk: args.subjectPk,
    // Whoever sent it held a task token; who that was is not known here (CloudTrail has the SendTaskSuccess call).
    actor: 'unknown',
    eventId: `resume-refused-${args.resume.resumeId}`,
    detail: {
      resumeId: args.resume.resumeId,
      claimed,
      stored: args.stored,
      reason:
        'the resume message is not supported by the decisions recorded in the table; nothing was changed and the workflow waits again',
    },
  });
}
