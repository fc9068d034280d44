// Validates a resource request (again: the workflow may be started by other means than the CLI), routes it and stores it once.
import * as z from '../core/zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { recordEvent } from './shared/audit';
import { gsi1, keys } from '../core/keys';
import { parseRequest, REQUEST_ID_PATTERN, routeRequest } from '../core/request';
import { findRequest, getRequest, linkReviewActions, putNewRequest, takeOverRequest, type StoredRequest } from './shared/request-store';

const eventSchema = z.object({
  /** The execution input: the request as submitted. */
  request: z.record(z.string(), z.unknown()),
  /** The execution name: the request id when the input has none, so a retried start keys the same request. */
  executionName: z.string().check(z.minLength(1)),
});

/** The next workflow state: the route is stored on the item; the workflow only carries the id and where it is. */
export interface RecordOutput {
  requestId: string;
  routable: boolean;
  reason: string;
  /** 0 for a new request; a restart carries on at the level the request waited at. */
  level: number;
  reminders: 0;
}

/** `isms request restart`: the request's workflow failed for good; this execution takes it over from the failed one. */
const restartSchema = z.object({
  requestId: z.string().check(z.regex(REQUEST_ID_PATTERN)),
  restartOf: z.string().check(z.minLength(1), z.maxLength(2048)),
});

const SAME_FIELDS = ['category', 'title', 'justification', 'amount', 'currency', 'requester', 'reviewPeriod'] as const;

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown): Promise<RecordOutput> => {
    const { request: raw, executionName } = parseEvent(eventSchema, event, 'request-record');
    if (raw.restartOf !== undefined) return restart(rt, raw, executionName);
    const { submittedAt: rawSubmittedAt, ...fields } = raw;
    if (fields.requestId === undefined && REQUEST_ID_PATTERN.test(executionName)) fields.requestId = executionName;
    const { request, problems } = parseRequest(fields, rt.config);
    if (!request) throw new WorkflowError('InvalidRequest', `The request is invalid: ${problems.join('; ')}`);
    const requestId = request.requestId;
    if (!requestId)
      throw new WorkflowError(
        'InvalidRequest',
        `requestId: missing, and the execution name ${JSON.stringify(executionName)} is not a request id`,
      );
    const submittedAt =
      typeof rawSubmittedAt === 'string' && !Number.isNaN(Date.parse(rawSubmittedAt))
        ? new Date(rawSubmittedAt).toISOString()
        : rt.now().toISOString();

    const route = routeRequest(rt.config, request);
    const item: StoredRequest = {
      ...keys.request(requestId),
      sk: 'REQUEST',
      kind: 'request',
      ...gsi1.requests(submittedAt, requestId),
      gsi1pk: 'REQUESTS',
      requestId,
      bu: rt.config.id,
      category: request.category,
      title: request.title,
      justification: request.justification,
      amount: request.amount,
      currency: request.currency,
      requester: request.requester,
      ...(request.submittedBy ? { submittedBy: request.submittedBy } : {}),
      reviewPeriod: request.reviewPeriod,
      submittedAt,
      status: 'pending',
      levels: route.levels,
      currentLevel: 0,
      remindersSent: 0,
    };

    let stored = item;
    if (!(await putNewRequest(rt, item))) {
      // A retried task or a restarted execution finds its own item; another request under the same id is refused.
      stored = await getRequest(rt, requestId);
      const differs = SAME_FIELDS.filter((f) => stored[f] !== item[f]);
      if (differs.length) {
        throw new WorkflowError(
          'DuplicateRequest',
          `Request ${requestId} already exists with other ${differs.join(', ')}; submit under a new id`,
        );
      }
    }

    const at = stored.submittedAt;
    await recordEvent(rt, {
      type: 'request.submitted',
      subjectPk: stored.pk,
      actor: stored.requester,
      eventId: 'submitted',
      at,
      detail: {
        category: stored.category,
        amount: stored.amount,
        currency: stored.currency,
        title: stored.title,
        reviewPeriod: stored.reviewPeriod,
        ...(stored.submittedBy ? { submittedBy: stored.submittedBy } : {}),
        route: stored.levels.map((l) => ({ level: l.index, name: l.name, approver: l.approver.email })),
      },
    });
    if (route.routable) {
      for (const r of route.reroutes) {
        await recordEvent(rt, {
          type: 'request.rerouted',
          subjectPk: stored.pk,
          actor: 'system',
          eventId: `rerouted-${r.level}`,
          at,
          detail: { level: r.level, levelName: route.levels[r.level].name, from: r.from.email, to: r.to.email, reason: r.reason },
        });
      }
    } else {
      await recordEvent(rt, {
        type: 'request.unroutable',
        subjectPk: stored.pk,
        actor: 'system',
        eventId: 'unroutable',
        at,
        detail: { level: route.level, levelName: route.levels[route.level]?.name, reason: route.reason },
      });
    }
    await linkReviewActions(rt, stored);
    return { requestId, routable: route.routable, reason: route.routable ? '' : route.reason, level: 0, reminders: 0 };
  };

/**
 * One conditional update takes the request over from the failed execution it names, only while it is pending:
 * the failure mark goes, the restart is counted. A retried task finds the request already its own.
 */
async function restart(rt: Runtime, raw: Record<string, unknown>, executionName: string): Promise<RecordOutput> {
  const { requestId, restartOf } = parseEvent(
    restartSchema,
    raw,
    'A restart names a requestId and the failed execution (restartOf)',
    'InvalidRequest',
  );
  const now = rt.now().toISOString();
  let item = await takeOverRequest(rt, requestId, { failedExecution: restartOf, executionName, at: now });
  if (!item) {
    const current = await findRequest(rt, requestId);
    if (current?.restartedBy !== executionName || current.status !== 'pending') {
      const why = !current
        ? 'does not exist'
        : current.status !== 'pending'
          ? `is ${current.status}`
          : `is not marked as failed by ${restartOf}`;
      throw new WorkflowError('NotRestartable', `Request ${requestId} ${why}; nothing to restart`);
    }
    item = current;
  }
  await recordEvent(rt, {
    type: 'request.restarted',
    subjectPk: item.pk,
    actor: 'system',
    eventId: `restarted-${item.restarts ?? 1}`,
    at: item.restartedAt ?? now,
    detail: { executionName, restartOf, level: item.currentLevel, levelName: item.levels[item.currentLevel]?.name },
  });
  return { requestId, routable: true, reason: '', level: item.currentLevel, reminders: 0 };
}

export const handler = lambdaHandler(createHandler);
