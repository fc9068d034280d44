// A workflow execution that ended for good without an outcome: its event, which review or request it was for, and the ISMS manager's email. No AWS here.
import * as z from './zod';
import type { BusinessUnitConfig } from './config';
import { stateMachineName, type WorkflowName } from './names';
import { reviewIdOf } from './period';
import type { Email } from './email';
import { layoutEmail } from './email-layout';
import { formatTime } from './format';
import { html, type SafeHtml } from './html';
import { REQUEST_ID_PATTERN } from './request';
import { resolvePeriod, reviewStartSchema } from './review-start';
import { clip } from './text';
import { DOCUMENT_KINDS, DOCUMENT_LABELS, VERSION_PATTERN, submissionIdOf, type DocumentKind } from './policy';

/** EventBridge's detail-type for Step Functions status changes; the rule (lib/operations.ts) and the local service use it. */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';
/** The statuses that leave a review or request without a running workflow (SUCCEEDED always records an outcome). */
export const FAILED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type FailedStatus = (typeof FAILED_EXECUTION_STATUSES)[number];

/** The fields of the EventBridge event we read; AWS sends more (output, inputDetails, redriveCount, ...). */
export const executionStatusChangeSchema = z.object({
  source: z.optional(z.string()),
  'detail-type': z.optional(z.string()),
  time: z.optional(z.string()),
  detail: z.object({
    executionArn: z.string().check(z.minLength(1)),
    stateMachineArn: z.string().check(z.minLength(1)),
    name: z.string().check(z.minLength(1)),
    status: z.string().check(z.minLength(1)),
    /** The execution input as a JSON string (null when it was too large to include). */
    input: z.nullish(z.string()),
    error: z.nullish(z.string()),
    cause: z.nullish(z.string()),
    /** Epoch milliseconds. */
    startDate: z.nullish(z.number()),
    stopDate: z.nullish(z.number()),
  }),
});
export type ExecutionStatusChange = z.output<typeof executionStatusChangeSchema>;
export type ExecutionDetail = ExecutionStatusChange['detail'];

export const isFailedStatus = (status: string): status is FailedStatus => (FAILED_EXECUTION_STATUSES as readonly string[]).includes(status);

/** Which of the unit's workflows an ARN names, or undefined for any other state machine. */
export function workflowOf(unitId: string, stateMachineArn: string): WorkflowName | undefined {
  const name = stateMachineArn.split(':').at(-1);
  return (['management-review', 'resource-approval', 'policy-approval'] as const).find((w) => stateMachineName(unitId, w) === name);
}

export type FailedSubject =
  | { kind: 'review'; reviewId: string; period: string }
  | { kind: 'request'; requestId: string }
  | { kind: 'policy'; submissionId: string; documentKind: DocumentKind; version: string };

/**
 * The review or request an execution was for, read from its input the way the workflow reads it: a review by
 * `bu` + `period`, or the quarter of `scheduledTime` in the unit's time zone (a schedule fire); a request by
 * `requestId`, or the execution name when the input has none (as request-record does).
 */
export function identifySubject(
  unit: Pick<BusinessUnitConfig, 'id' | 'timeZone'>,
  workflow: WorkflowName,
  detail: Pick<ExecutionDetail, 'input' | 'name'>,
): { subject?: FailedSubject; problem?: string } {
  let input: unknown;
  try {
    input = JSON.parse(detail.input ?? '');
  } catch {
    return { problem: detail.input == null ? 'the event carried no execution input' : 'the execution input is not JSON' };
  }
  if (workflow === 'management-review') {
    const parsed = reviewStartSchema.safeParse(input);
    if (!parsed.success) return { problem: `the input names no review: ${parsed.error.issues.map((i) => i.message).join('; ')}` };
    if (parsed.data.bu !== unit.id) return { problem: `the input is for unit "${parsed.data.bu}", not "${unit.id}"` };
    const period = resolvePeriod(parsed.data, unit.timeZone);
    return { subject: { kind: 'review', reviewId: reviewIdOf(unit.id, period), period } };
  }
  if (workflow === 'policy-approval') {
    const i = (input ?? {}) as { bu?: unknown; documentKind?: unknown; version?: unknown };
    const kind = DOCUMENT_KINDS.find((k) => k === i.documentKind);
    if (i.bu !== unit.id || !kind || typeof i.version !== 'string' || !VERSION_PATTERN.test(i.version)) {
      return { problem: 'the input names no submission of this unit (bu, documentKind, version)' };
    }
    return { subject: { kind: 'policy', submissionId: submissionIdOf(unit.id, kind, i.version), documentKind: kind, version: i.version } };
  }
  const given = (input as { requestId?: unknown } | null)?.requestId;
  const requestId = typeof given === 'string' ? given : REQUEST_ID_PATTERN.test(detail.name) ? detail.name : undefined;
  if (!requestId || !REQUEST_ID_PATTERN.test(requestId)) return { problem: 'the input names no valid request id' };
  return { subject: { kind: 'request', requestId } };
}

const STATUS_WORDS: Record<FailedStatus, string> = { FAILED: 'failed', TIMED_OUT: 'timed out', ABORTED: 'was stopped' };

export interface FailureEmailArgs {
  unit: Pick<BusinessUnitConfig, 'id' | 'name' | 'ismsManager' | 'timeZone'>;
  workflow: WorkflowName;
  detail: Pick<ExecutionDetail, 'executionArn' | 'name' | 'error' | 'cause'> & { status: FailedStatus };
  at: string;
  subject?: FailedSubject;
  /** What the subject's item said when the failure was recorded; undefined when the item was never written. */
  current?: { status: string; requester?: string };
  /** Why no subject could be named (unreadable input). */
  problem?: string;
}

/** The one email to the ISMS manager: which review or request, what failed, and what to do now. */
export function workflowFailedEmail(args: FailureEmailArgs): Email {
  const { unit, workflow, detail, at, subject, current, problem } = args;
  const word = STATUS_WORDS[detail.status];
  const what =
    subject?.kind === 'policy'
      ? `The approval of the ${DOCUMENT_LABELS[subject.documentKind]}, version ${subject.version}, of ${unit.name}`
      : subject?.kind === 'review'
        ? `The management review ${subject.period} of ${unit.name}`
        : subject
          ? `The resource request ${subject.requestId}`
          : `A ${workflow} workflow of ${unit.name}`;
  const subjectLine = !subject
    ? `ISMS ${unit.id}: a ${workflow} workflow ${word}`
    : subject.kind === 'policy'
      ? `ISMS ${unit.id}: the approval workflow of ${subject.documentKind} version ${subject.version} ${word}`
      : subject.kind === 'review'
        ? `ISMS ${unit.id}: the workflow of management review ${subject.period} ${word}`
        : `ISMS ${unit.id}: the approval workflow of request ${subject.requestId} ${word}`;
  const facts: Array<[string, string]> = [
    [
      'What',
      subject?.kind === 'policy'
        ? `Submission ${subject.submissionId}`
        : subject?.kind === 'review'
          ? `Management review ${subject.reviewId}`
          : subject
            ? `Resource request ${subject.requestId}`
            : 'Unknown (see below)',
    ],
    [
      'Status',
      current ? `${current.status} (unchanged; the failure is recorded on it)` : 'not recorded: the workflow stopped before it was stored',
    ],
    ['Workflow', `${detail.status} at ${formatTime(at, unit.timeZone)}`],
    ['Error', detail.error || (detail.status === 'ABORTED' ? 'stopped by StopExecution' : '(none given)')],
    ['Cause', clip(detail.cause || '(none given)', 600)],
    ['Execution', detail.executionArn],
  ];
  const meaning: string[] = [];
  const todo: string[] = [];
  if (!subject) {
    meaning.push(`${what} ${word}, and its input did not say which review or request it was for (${problem ?? 'unreadable input'}).`);
    todo.push('Find out who or what started this execution (the execution name above) and start it again with valid input.');
  } else if (subject.kind === 'policy') {
    meaning.push(
      `${what} ${word}. No workflow waits for decisions on it any more; decisions already recorded are kept, and nothing was communicated.`,
    );
    todo.push(
      "Find the cause in the execution's history (Step Functions console, execution above) and fix it.",
      `Then submit the document again as a new version (isms ${subject.documentKind} submit); "isms policy status --bu ${unit.id}" shows what is recorded.`,
    );
  } else if (subject.kind === 'review' && current) {
    meaning.push(
      `${what} ${word}. No workflow waits for decisions any more: no reminders, no escalation and no minutes will follow. Decisions already recorded are kept.`,
    );
    todo.push(
      `Find the cause in the execution's history (Step Functions console, execution above) and fix it.`,
      `Then run "isms review start --bu ${unit.id} --period ${subject.period}" to restart it: the restarted workflow carries on with the same pack, the decisions already recorded and the links already sent.`,
      `"isms review status --bu ${unit.id} --period ${subject.period}" shows what has been recorded so far.`,
    );
  } else if (subject.kind === 'review') {
    meaning.push(`${what} was not opened: the workflow ${word} before it stored the review.`);
    todo.push(`Fix the cause above, then start the review again: isms review start --bu ${unit.id} --period ${subject.period}`);
  } else if (current) {
    meaning.push(
      `${what} ${word}. It stays pending; a decision made through its approver's link is recorded but moves nothing on, and no reminder or outcome email will follow.`,
    );
    todo.push(
      `Fix the cause above, then run "isms request restart --bu ${unit.id} --id ${subject.requestId}": the restarted workflow carries on at the level it waited at, with the approvals and decisions already recorded and the links already sent.`,
      `"isms request status --bu ${unit.id} --id ${subject.requestId}" shows what has been recorded so far.`,
    );
  } else {
    meaning.push(`${what} was not stored: the workflow ${word} before it recorded the request.`);
    todo.push('Fix the cause above, then submit the request again (isms request submit).');
  }
  const body: SafeHtml = html`<p>${meaning.join(' ')}</p>
<table style="border-collapse: collapse; margin: 12px 0">${facts.map(
    ([k, v]) => html`<tr><th style="text-align: left; padding: 2px 12px 2px 0; vertical-align: top">${k}</th><td>${v}</td></tr>`,
  )}</table>
<h3>What to do</h3><ul>${todo.map((t) => html`<li>${t}</li>`)}</ul>`;
  const footer = "This failure is recorded in the unit's evidence as an audit event. You get this email once per execution.";
  return {
    to: [unit.ismsManager.email],
    subject: subjectLine,
    ...layoutEmail({
      unitName: unit.name,
      subject: subjectLine,
      heading: `Action needed: ${what} ${word}`,
      body: html`<p>Dear ${unit.ismsManager.name},</p>${body}`,
      footer,
      text: [
        `Dear ${unit.ismsManager.name},`,
        '',
        meaning.join(' '),
        '',
        ...facts.map(([k, v]) => `${k}: ${v}`),
        '',
        'What to do:',
        ...todo.map((t) => `- ${t}`),
      ].join('\n'),
    }),
  };
}
