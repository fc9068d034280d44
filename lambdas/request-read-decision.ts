// After a wait of one level ends (resumed or timed out): reads the level's recorded decision, which alone moves the request (docs/architecture.md#outcomes-only-from-stored-decisions).
import * as z from '../core/zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { awaitInFlight, stopSeats } from './shared/links';
import { levelDecision, levelDecisionIds, requestResumeSupported } from '../core/request';
import { getRequest, requestPk } from './shared/request-store';
import { loadSubject } from './shared/resume';
import { refuseResume, resumeSchema } from './shared/resume-refusal';

const eventSchema = z.object({
  requestId: z.string().check(z.minLength(1)),
  level: z.int().check(z.minimum(0)),
  /** Where the workflow goes when nothing is recorded: back to the wait it left, or (its last wait timed out) to expiry. */
  ifUndecided: z.enum(['wait', 'wait-after-escalation', 'expire']),
  /** Present when the wait was resumed: the resume message, checked against the table, never believed. */
  resume: z.optional(resumeSchema),
});

export interface ReadDecisionOutput {
  requestId: string;
  level: number;
  ifUndecided: z.output<typeof eventSchema>['ifUndecided'];
  /** What the table holds for the level; 'none' also when a resume message was refused. */
  decided: 'approve' | 'reject' | 'none';
  isLast: boolean;
  nextLevel: number;
}

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown): Promise<ReadDecisionOutput> => {
    const { requestId, level: index, ifUndecided, resume } = parseEvent(eventSchema, event, 'request-read-decision');
    const item = await getRequest(rt, requestId);
    if (item.status !== 'pending' || item.currentLevel !== index) {
      throw new WorkflowError('RequestNotWaiting', `Request ${requestId} is not waiting on level ${index}`);
    }
    const out = (decided: ReadDecisionOutput['decided']): ReadDecisionOutput => ({
      requestId,
      level: index,
      ifUndecided,
      decided,
      isLast: index >= item.levels.length - 1,
      nextLevel: index + 1,
    });

    // The last wait is over: stop the level's links first, then look, so that a click landing now either counts here
    // or is refused by its link (one already writing is waited for); a decision recorded during the wait whose resume
    // failed counts (issue 9, finding 4).
    const inFlight =
      ifUndecided === 'expire'
        ? await stopSeats(
            rt,
            levelDecisionIds(item.levels[index]),
            'the request expired: no decision was recorded before the links expired',
          )
        : [];
    const { subject, decisions } = await loadSubject(rt, requestPk(requestId), 'REQUEST');
    if (!subject) throw new WorkflowError('RequestNotFound', `No request ${requestId} in ${rt.tableName}`);
    awaitInFlight(inFlight, decisions, requestId);
    const decision = levelDecision(item, index, decisions);

    if (resume && !requestResumeSupported(subject, decisions, resume.claimed)) {
      const recorded = decisions.filter((d) => levelDecisionIds(item.levels[index]).includes(d.decisionId));
      await refuseResume(rt, {
        subjectType: 'request',
        subjectPk: item.pk,
        resume,
        stored: {
          status: item.status,
          level: index,
          levelName: item.levels[index]?.name,
          decisions: recorded.map((d) => ({
            decisionId: d.decisionId,
            choice: d.choice,
            decidedBy: d.recipient.email,
            decidedAt: d.decidedAt,
          })),
        },
      });
      // Nothing changes; the wait stores a new token and resumes at once if a decision is recorded after all.
      return out('none');
    }
    return out(decision?.choice ?? 'none');
  };

export const handler = lambdaHandler(createHandler);
