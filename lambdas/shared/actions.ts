// Review actions after they are created: list them by status, close one (9.3.3 outputs followed up), read a review's.
import { terminalSafe } from '../../core/text';
import { formatLocalTime, formatTime } from '../../core/format';
import { recordEvent } from './audit';
import { GSI1, gsi1, keys } from '../../core/keys';
import type { ActionItem } from '../../core/review-minutes';
import type { Runtime } from './runtime';
import { getItem, putOnce, queryAll, updateOnce } from './store';

// ---------------------------------------------------------------- domain (no AWS)

export type ActionStatusFilter = 'open' | 'closed' | 'all';
export const ACTION_STATUS_FILTERS: readonly ActionStatusFilter[] = ['open', 'closed', 'all'];
export const CLOSING_NOTE_MAX = 2000;

/** An action as stored, with what closing it adds. */
export type StoredAction = ActionItem & { closedAt?: string; closedBy?: string; closingNote?: string };

/** Overdue: still open and due before today (an action due today is not overdue yet). */
export function isOverdue(a: Pick<ActionItem, 'status' | 'dueDate'>, today: string): boolean {
  return a.status === 'open' && a.dueDate < today;
}

/** One line per action for the CLI: id, status, due date (marked when overdue), owner, title, linked requests. */
export function actionListLine(a: StoredAction, today: string, timeZone = 'UTC'): string {
  const due = `due ${a.dueDate}${isOverdue(a, today) ? ' (OVERDUE)' : ''}`;
  const closed = a.status === 'closed' && a.closedAt ? ` at ${formatLocalTime(a.closedAt, timeZone)} by ${a.closedBy ?? 'unknown'}` : '';
  const requests = a.requestIds?.length ? a.requestIds.join(', ') : '-';
  // One line, whatever the stored values hold: no escape sequences, no line break faking a line of its own.
  return terminalSafe(
    `${a.actionId}  ${a.status}${closed}  ${due}  owner ${a.owner.name} <${a.owner.email}>  requests ${requests}  ${a.title}`,
  );
}

/** By due date, then id: the order GSI1 keeps within one status. */
export function byDueDate(a: Pick<ActionItem, 'dueDate' | 'actionId'>, b: Pick<ActionItem, 'dueDate' | 'actionId'>): number {
  return a.dueDate.localeCompare(b.dueDate) || a.actionId.localeCompare(b.actionId);
}

/** What went wrong when closing: the CLI turns it into one line and a non-zero exit. */
export class ActionCloseError extends Error {
  constructor(
    readonly reason: 'not-found' | 'already-closed',
    message: string,
  ) {
    super(message);
    this.name = 'ActionCloseError';
  }
}

// ---------------------------------------------------------------- store

/** Reads GSI1 ACTIONS#OPEN and/or ACTIONS#CLOSED (never a scan), by due date. */
export async function listActions(rt: Runtime, status: ActionStatusFilter): Promise<StoredAction[]> {
  const statuses = status === 'all' ? (['OPEN', 'CLOSED'] as const) : ([status === 'open' ? 'OPEN' : 'CLOSED'] as const);
  const found: StoredAction[] = [];
  for (const s of statuses) {
    found.push(
      ...(await queryAll<StoredAction>(rt, {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi1.action(s, '', '').gsi1pk },
      })),
    );
  }
  return found.sort(byDueDate);
}

/** Creates an action of the review's minutes once; false when it exists already (a retried close). */
export const createAction = (rt: Runtime, item: ActionItem): Promise<boolean> => putOnce(rt, item);

export async function getAction(rt: Runtime, actionId: string): Promise<StoredAction | undefined> {
  return getItem<StoredAction>(rt, keys.action(actionId));
}

/**
 * Closes an open action with one conditional update (it leaves ACTIONS#OPEN, so the next pack no longer carries
 * it forward), then records `action.closed` on the review's partition, where `action.created` is. The event's
 * id is fixed per action and its time is the closing time, so re-recording it after a crash between the two
 * writes is a no-op; the event carries the note, so the audit export holds it without the action item.
 * Throws ActionCloseError (nothing written) when the action is unknown or not open.
 */
export async function closeAction(rt: Runtime, args: { actionId: string; note: string; by: string }): Promise<StoredAction> {
  const closedAt = rt.now().toISOString();
  const closed = await updateOnce<StoredAction>(rt, {
    Key: keys.action(args.actionId),
    UpdateExpression: 'SET #s = :closed, gsi1pk = :gsi1pk, closedAt = :at, closedBy = :by, closingNote = :note',
    ConditionExpression: 'attribute_exists(pk) AND #s = :open',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: {
      ':closed': 'closed',
      ':open': 'open',
      ':gsi1pk': gsi1.action('CLOSED', '', '').gsi1pk,
      ':at': closedAt,
      ':by': args.by,
      ':note': args.note,
    },
    ReturnValues: 'ALL_NEW',
  });
  if (!closed) {
    const existing = await getAction(rt, args.actionId);
    if (!existing) throw new ActionCloseError('not-found', `no action ${args.actionId} in unit ${rt.config.id}`);
    if (existing.status === 'closed' && existing.closedAt) await recordClosed(rt, existing); // completes an earlier close cut short
    throw new ActionCloseError(
      'already-closed',
      `action ${args.actionId} is ${existing.status}${existing.closedAt ? ` (closed at ${formatTime(existing.closedAt, rt.config.timeZone)} by ${existing.closedBy})` : ''}; nothing changed`,
    );
  }
  await recordClosed(rt, closed);
  return closed;
}

async function recordClosed(rt: Runtime, a: StoredAction): Promise<void> {
  await recordEvent(rt, {
    type: 'action.closed',
    subjectPk: keys.review(a.reviewId).pk,
    actor: a.closedBy ?? 'unknown',
    at: a.closedAt,
    eventId: `action-closed-${a.actionId}`,
    detail: {
      actionId: a.actionId,
      title: a.title,
      owner: a.owner.email,
      dueDate: a.dueDate,
      closingNote: a.closingNote,
      ...(a.requestIds?.length ? { requestIds: a.requestIds } : {}),
    },
  });
}
