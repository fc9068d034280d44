// Where the fate of each email is kept: audit events `email.*` on its review or request, and one mark per decision email that did not arrive.
import { GSI1, gsi1, keys, prefixes } from '../../core/keys';
import type { EmailAbout, DeliveryOutcome } from '../../core/email-delivery';
import type { Runtime } from './runtime';
import { getItem, putOnce, queryAll } from './store';
import type { SentItem } from './sent-store';

/**
 * A decision email that did not reach its person (hard bounce, complaint, reject): written once per decision, never
 * changed. request-await reads it before each wait, so a bounce that lands while no wait is open still cuts the level short.
 */
export interface UndeliverableItem {
  pk: string;
  sk: string;
  kind: 'undeliverable';
  decisionId: string;
  recipient: string;
  outcome: DeliveryOutcome;
  role: EmailAbout['role'];
  level?: number;
  sesMessageId: string;
  at: string;
}

/** True when this call wrote the mark (the first event about the decision); false when it was there already. */
export const markUndeliverable = (rt: Runtime, subjectPk: string, mark: Omit<UndeliverableItem, 'pk' | 'sk' | 'kind'>) =>
  putOnce(rt, { ...keys.undeliverable(subjectPk, mark.decisionId), kind: 'undeliverable', ...mark });

export const undeliverable = (rt: Runtime, subjectPk: string, decisionId: string) =>
  getItem<UndeliverableItem>(rt, keys.undeliverable(subjectPk, decisionId));

/** The sent copy SES gave this message id (gsi1 `EMAIL#<id>`): how an event without our tags finds its subject. */
export async function sentCopyByMessageId(rt: Runtime, sesMessageId: string): Promise<SentItem | undefined> {
  const { gsi1pk } = gsi1.email(sesMessageId, '');
  const found = await queryAll<SentItem>(rt, {
    IndexName: GSI1,
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi1pk },
  });
  return found[0];
}

export interface DeliveryEvent {
  type: `email.${DeliveryOutcome}`;
  at: string;
  detail: { recipient?: string; decisionId?: string; role?: string; message?: string; reason?: string };
}

/** The subject's email events, oldest first (status output: delivery per person). */
export const deliveryEvents = (rt: Runtime, subjectPk: string) =>
  queryAll<DeliveryEvent>(rt, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
    FilterExpression: 'begins_with(#t, :email)',
    ExpressionAttributeNames: { '#t': 'type' },
    ExpressionAttributeValues: { ':pk': subjectPk, ':e': prefixes.event, ':email': 'email.' },
    ConsistentRead: true,
  });
