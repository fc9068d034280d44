// What the local console shows, read from the local tables through the store reads the CLI uses, and from the SES
// emulator's API: each unit's reviews and requests (who has decided, what waits on whom), events in words, mailboxes.
import { prefixes } from '../core/keys';
import { DECIDED, type DecisionRecord } from '../core/decisions';
import { formatLocalTime, formatMoney } from '../core/format';
import { tally } from '../core/review-tally';
import type { RequestItem, ReviewItem } from '../core/subjects';
import { getReview, listReviews, requestsSince } from '../lambdas/shared/review-store';
import { auditEventsOfMonth } from '../lambdas/shared/evidence';
import { itemsWithPrefix } from '../lambdas/shared/store';
import type { LocalRuntime, LocalUnit, StoredEmail } from './runtime';

export interface ConsoleReview {
  reviewId: string;
  period: string;
  status: string;
  approvals: string;
  decided: Array<{ name: string; choice: string; at: string }>;
  waitingOn: string[];
  minutesSent?: string;
}

export interface ConsoleRequest {
  requestId: string;
  title: string;
  amount: string;
  requester: string;
  status: string;
  levels: Array<{ level: number; name: string; approver: string; state: string }>;
  waitingOn?: string;
}

export interface ConsoleEvent {
  at: string;
  time: string;
  unit: string;
  text: string;
}

export interface ConsoleState {
  units: Array<{ id: string; name: string; reviews: ConsoleReview[]; requests: ConsoleRequest[] }>;
  events: ConsoleEvent[];
  mailboxes: Array<{ address: string; emails: Array<{ messageId: string; subject: string; from: string; at: number }> }>;
}

/** The reviews of a unit, newest period first: the same GSI listing `previousReview` reads. */
async function reviewsOf(u: LocalUnit): Promise<ReviewItem[]> {
  const items = await listReviews(u.runtime);
  // The index is eventually consistent; the item itself is what `isms review status` reads.
  const fresh = await Promise.all(items.map((r) => getReview(u.runtime, r.reviewId)));
  return fresh.filter((r): r is NonNullable<typeof r> => Boolean(r)).sort((a, b) => b.period.localeCompare(a.period));
}

const decisionsOf = (u: LocalUnit, pk: string) => itemsWithPrefix<DecisionRecord>(u.runtime, pk, prefixes.decision);

async function reviewView(u: LocalUnit, review: ReviewItem & { minutesEmailedAt?: string }): Promise<ConsoleReview> {
  const decisions = await decisionsOf(u, review.pk);
  const t = tally(review, decisions);
  const byId = new Map(decisions.map((d) => [d.decisionId, d]));
  const tz = u.unit.timeZone;
  return {
    reviewId: review.reviewId,
    period: review.period,
    status: review.status,
    approvals: `${t.approvals} of ${t.required} approvals (${t.decided} of ${t.members} members decided)`,
    decided: review.members.flatMap((m) => {
      const d = m.decisionId ? byId.get(m.decisionId) : undefined;
      return d ? [{ name: m.name, choice: DECIDED[d.choice] ?? d.choice, at: formatLocalTime(d.decidedAt, tz) }] : [];
    }),
    waitingOn: ['open', 'awaiting-decisions', 'overdue'].includes(review.status) ? t.undecided.map((m) => m.name) : [],
    ...(review.minutesEmailedAt ? { minutesSent: formatLocalTime(review.minutesEmailedAt, tz) } : {}),
  };
}

function requestView(u: LocalUnit, r: RequestItem): ConsoleRequest {
  const waiting = r.status === 'pending' ? r.levels.find((l) => l.index === r.currentLevel) : undefined;
  return {
    requestId: r.requestId,
    title: r.title,
    amount: formatMoney(r.amount, r.currency),
    requester: r.requester,
    status: r.status,
    levels: r.levels.map((l) => ({
      level: l.index + 1,
      name: l.name,
      approver: l.approver.name,
      state: l.outcome
        ? `${l.outcome}${l.decidedAt ? ` ${formatLocalTime(l.decidedAt, u.unit.timeZone)}` : ''}`
        : waiting?.index === l.index
          ? 'waiting'
          : r.status === 'pending'
            ? 'not yet'
            : 'not decided',
    })),
    ...(waiting ? { waitingOn: `${waiting.approver.name} (level ${waiting.index + 1}, ${waiting.name})` } : {}),
  };
}

/** An audit event in the words the terminal uses; events a person does not need to follow are left out. */
export function eventText(e: Record<string, unknown>): string | undefined {
  const d = (e.detail ?? {}) as Record<string, unknown>;
  const subject = String(e.subject ?? '').replace(/^(REVIEW|REQUEST|ACTION)#/, '');
  const n = (x: unknown) => (Array.isArray(x) ? x.length : 0);
  switch (e.type) {
    case 'review.opened':
      return `review ${subject} opened`;
    case 'review.pack-compiled':
      return `pack of ${subject} compiled`;
    case 'review.awaiting-decisions':
      return `pack sent to ${n(d.members)} member${n(d.members) === 1 ? '' : 's'} (${subject})`;
    case 'decision.recorded':
      return `decision recorded: ${String(e.actor)} ${DECIDED[d.choice as keyof typeof DECIDED] ?? String(d.choice)} (${subject})`;
    case 'reminder.sent':
      return `reminder sent (${subject})`;
    case 'review.escalated':
    case 'request.escalated':
      return `escalated (${subject})`;
    case 'review.approved':
    case 'review.not-approved':
    case 'review.not-held-on-time':
      return `review ${subject} closed: ${String(e.type).slice('review.'.length)}; minutes sent`;
    case 'request.submitted':
      return `request submitted by ${String(d.requester ?? e.actor)} (${subject})`;
    case 'request.level-approved':
      return `level approved, passed on (${subject})`;
    case 'request.approved':
    case 'request.rejected':
    case 'request.expired':
      return `request ${String(e.type).slice('request.'.length)} (${subject})`;
    case 'action.created':
      return `action created for ${String(d.owner ?? '')} (${String(d.actionId ?? subject)})`;
    case 'action.closed':
      return `action closed (${subject})`;
    default:
      return undefined;
  }
}

/** This month's and last month's audit events of each unit, newest first (one index query per month, as the export). */
async function eventsOf(u: LocalUnit, now: Date): Promise<ConsoleEvent[]> {
  const months = [new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)), now].map((m) => m.toISOString());
  const items = (await Promise.all(months.map((m) => auditEventsOfMonth(u.runtime, m.slice(0, 7))))).flat();
  return items.flatMap((e) => {
    const text = eventText(e);
    const at = String(e.at ?? '');
    return text ? [{ at, time: formatLocalTime(at, u.unit.timeZone), unit: u.unit.id, text }] : [];
  });
}

/** aws-ses-v2-local stamps emails in seconds since the epoch; the page works in milliseconds. */
export const emailTime = (at: number) => (at < 1e12 ? at * 1000 : at);

/** One mailbox per recipient address, newest email first; bodies are fetched one at a time when opened. */
export function mailboxes(emails: StoredEmail[]): ConsoleState['mailboxes'] {
  const boxes = new Map<string, ConsoleState['mailboxes'][number]['emails']>();
  for (const e of emails) {
    for (const address of [...e.destination.to, ...(e.destination.cc ?? [])]) {
      const key = address.toLowerCase();
      if (!boxes.has(key)) boxes.set(key, []);
      boxes.get(key)!.push({ messageId: e.messageId, subject: e.subject, from: e.from, at: emailTime(e.at) });
    }
  }
  return [...boxes]
    .map(([address, list]) => ({ address, emails: list.sort((a, b) => b.at - a.at) }))
    .sort((a, b) => a.address.localeCompare(b.address));
}

export async function consoleState(runtime: LocalRuntime, now = new Date()): Promise<ConsoleState> {
  const [units, emails] = await Promise.all([
    Promise.all(
      runtime.units.map(async (u) => {
        const [reviews, requests, events] = await Promise.all([reviewsOf(u), requestsSince(u.runtime, undefined), eventsOf(u, now)]);
        return {
          id: u.unit.id,
          name: u.unit.name,
          reviews: await Promise.all(reviews.map((r) => reviewView(u, r))),
          requests: requests.reverse().map((r) => requestView(u, r)),
          events,
        };
      }),
    ),
    runtime.emails(),
  ]);
  return {
    units: units.map(({ events: _events, ...u }) => u),
    events: units
      .flatMap((u) => u.events)
      .sort((a, b) => b.at.localeCompare(a.at))
      .slice(0, 100),
    mailboxes: mailboxes(emails),
  };
}
