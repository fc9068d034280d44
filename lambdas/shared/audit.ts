// Append-only audit events: written once with a condition, never updated (decision 10).
import { randomUUID } from 'node:crypto';
import type { Runtime } from './runtime';
import { gsi1, keys, prefixes } from '../../core/keys';
import { putOnce, queryAll } from './store';

export interface AuditEvent {
  /** e.g. review.opened, decision.recorded, reminder.sent, review.escalated, request.rerouted */
  type: string;
  subjectPk: string;
  /** Who or what caused it: an email address, or "system". */
  actor: string;
  detail?: Record<string, unknown>;
  /** Deterministic id for writes a retry may repeat (the second write is then a no-op). */
  eventId?: string;
  at?: string;
}

export function auditItem(rt: Runtime, event: AuditEvent) {
  const at = event.at ?? rt.now().toISOString();
  const eventId = event.eventId ?? randomUUID();
  return {
    ...keys.event(event.subjectPk, at, eventId),
    ...gsi1.audit(at, eventId),
    kind: 'event',
    bu: rt.config.id,
    type: event.type,
    subject: event.subjectPk,
    actor: event.actor,
    at,
    eventId,
    detail: event.detail ?? {},
  };
}

/** Writes the event once; a retried write with the same eventId and time is harmless. */
export async function recordEvent(rt: Runtime, event: AuditEvent): Promise<void> {
  await putOnce(rt, auditItem(rt, event));
}

/**
 * For an event whose time a retry cannot know again (the key holds the time): writes it unless an event with this
 * id is already in the subject's partition. Step Functions retries one after another, so a read first is enough.
 */
export async function recordEventOnce(rt: Runtime, event: AuditEvent & { eventId: string }): Promise<boolean> {
  const found = await queryAll(rt, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
    FilterExpression: 'eventId = :id',
    ProjectionExpression: 'pk',
    ExpressionAttributeValues: { ':pk': event.subjectPk, ':e': prefixes.event, ':id': event.eventId },
    ConsistentRead: true,
  });
  if (found.length) return false;
  await recordEvent(rt, event);
  return true;
}
