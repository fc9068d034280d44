// An execution failed, timed out or was stopped: record it on its review or request, mark the item, and tell the ISMS manager once.
import { createHash } from 'node:crypto';
import { recordEvent } from './shared/audit';
import { keys } from '../core/keys';
import { getItem } from './shared/store';
import { markWorkflowFailed, releaseFailureMark } from './shared/failure-marks';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { sendOnce } from './shared/sent-store';
import { clip } from '../core/text';
import { count } from './shared/observability';
import { METRIC } from '../core/metrics';
import {
  executionStatusChangeSchema,
  identifySubject,
  isFailedStatus,
  workflowFailedEmail,
  workflowOf,
  type FailedSubject,
} from '../core/workflow-failure';

export interface WorkflowFailedResult {
  /** The partition the audit event went to: the subject's, or WORKFLOW#<execution name>. */
  subjectPk?: string;
  /** False when this execution's event was already there (a redelivery). */
  recorded: boolean;
  /** True when this call marked the subject item (and so owns the one email). */
  marked: boolean;
  emailed: boolean;
  ignored?: string;
}

type SubjectItem = { pk: string; sk: string; status: string; executionId?: string; requester?: string };

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown): Promise<WorkflowFailedResult> => {
    const change = parseEvent(executionStatusChangeSchema, event, 'workflow-failed');
    const detail = change.detail;
    const status = detail.status;
    if (!isFailedStatus(status)) {
      rt.logger.info('Execution did not fail; nothing to record', { executionArn: detail.executionArn, status });
      return { recorded: false, marked: false, emailed: false, ignored: `status ${status}` };
    }
    const workflow = workflowOf(rt.config.id, detail.stateMachineArn);
    // Another unit's (or any other) state machine: its evidence does not belong in this unit's table.
    if (!workflow) throw new WorkflowError('UnknownStateMachine', `${detail.stateMachineArn} is not a workflow of unit "${rt.config.id}"`);

    const { subject, problem } = identifySubject(rt.config, workflow, detail);
    const key =
      subject?.kind === 'review'
        ? keys.review(subject.reviewId)
        : subject?.kind === 'policy'
          ? keys.policy(subject.submissionId)
          : subject
            ? keys.request(subject.requestId)
            : undefined;
    const item = key ? await getItem<SubjectItem>(rt, key) : undefined;
    // Only the execution that owns the item speaks for it: a duplicate start of a review (another execution opened it)
    // or a refused duplicate request failing says nothing about the subject's own workflow.
    const owned =
      Boolean(item) &&
      (subject?.kind === 'review' || subject?.kind === 'policy'
        ? !item!.executionId || item!.executionId === detail.executionArn
        : detail.error !== 'DuplicateRequest');
    const subjectPk = owned ? item!.pk : keys.workflow(detail.name).pk;

    // The stop time keys the event with the execution ARN, so a redelivered event writes nothing new.
    const at = new Date(detail.stopDate ?? (change.time ? Date.parse(change.time) : rt.now().getTime())).toISOString();
    const failure = { status, error: detail.error ?? '', cause: clip(detail.cause ?? '', 4000) };
    const eventId = `workflow-failed-${createHash('sha256').update(detail.executionArn).digest('hex').slice(0, 24)}`;
    const recorded = await recordEvent(rt, {
      type: `${workflow === 'management-review' ? 'review' : workflow === 'policy-approval' ? 'policy' : 'request'}.workflow-failed`,
      subjectPk,
      actor: 'system',
      at,
      eventId,
      detail: {
        ...failure,
        workflow,
        executionArn: detail.executionArn,
        executionName: detail.name,
        stateMachineArn: detail.stateMachineArn,
        startDate: detail.startDate == null ? undefined : new Date(detail.startDate).toISOString(),
        stopDate: at,
        ...subjectDetail(subject),
        ...(problem ? { problem } : {}),
        subjectFound: Boolean(item),
        ...(item && !owned ? { ownedByAnotherExecution: true } : {}),
        subjectStatus: item?.status,
      },
    });
    if (recorded) count(rt, METRIC.workflowFailures);

    let marked = false;
    if (item && owned && subject) {
      const error = clip(`${failure.status}${failure.error ? ` ${failure.error}` : ''}${failure.cause ? `: ${failure.cause}` : ''}`, 1000);
      marked = await markWorkflowFailed(rt, subject.kind, key!, {
        executionArn: detail.executionArn,
        executionName: detail.name,
        at,
        error,
      });
    }
    // One email per execution. The item's mark says which execution's failure is on it (this call's, or an earlier
    // delivery's that may have died before its email); without an item, every delivery may. The email's own sent-mark
    // then keeps a redelivery from sending it twice.
    const markedBefore =
      !marked && item && owned && subject
        ? (await getItem<SubjectItem & { workflowFailedExecution?: string }>(rt, key!))?.workflowFailedExecution === detail.executionArn
        : false;
    const shouldEmail = marked || markedBefore || !item;
    if (!shouldEmail) {
      if (!recorded) rt.logger.info('Failure already recorded', { executionArn: detail.executionArn, subjectPk });
      return { subjectPk, recorded, marked, emailed: false };
    }
    const email = workflowFailedEmail({
      unit: rt.config,
      workflow,
      detail: { ...detail, status },
      at,
      subject,
      current: marked || markedBefore ? { status: item!.status, requester: item!.requester } : undefined,
      problem,
    });
    let emailed: boolean;
    try {
      emailed = (await sendOnce(rt, { subjectPk, message: eventId, about: { role: 'notice' } }, email)).sent.length > 0;
    } catch (err) {
      // Give the claim back so that EventBridge's retry sends the email; the audit event stays (it is keyed).
      if (marked) await releaseFailureMark(rt, key!, detail.executionArn);
      throw err;
    }
    if (!emailed) {
      rt.logger.info('Failure already reported', { executionArn: detail.executionArn, subjectPk });
      return { subjectPk, recorded, marked, emailed };
    }
    rt.logger.warn('Workflow failure recorded and reported', {
      executionArn: detail.executionArn,
      subjectPk,
      status,
      error: failure.error,
    });
    return { subjectPk, recorded, marked, emailed: true };
  };

function subjectDetail(subject: FailedSubject | undefined): Record<string, string> {
  if (!subject) return {};
  if (subject.kind === 'policy')
    return { submissionId: subject.submissionId, documentKind: subject.documentKind, version: subject.version };
  return subject.kind === 'review' ? { reviewId: subject.reviewId, period: subject.period } : { requestId: subject.requestId };
}

export const handler = lambdaHandler(createHandler);
