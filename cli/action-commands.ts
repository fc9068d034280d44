// `isms actions list`, `isms action close` and `isms review status`: follow up review actions and see where a review is.
import { z } from 'zod';
import {
  ACTION_STATUS_FILTERS,
  ActionCloseError,
  actionListLine,
  closeAction,
  CLOSING_NOTE_MAX,
  getAction,
  listActions,
  type StoredAction,
} from '../lambdas/shared/actions';
import { keys, prefixes } from '../core/keys';
import { dayIn } from '../core/period';
import { checkText, normaliseLineBreaks, terminalSafe } from '../core/text';
import { DECIDED, type DecisionRecord } from '../core/decisions';
import { formatTime } from '../core/format';
import { getMinutes, getReview } from '../lambdas/shared/review-store';
import { itemsWithPrefix } from '../lambdas/shared/store';
import type { CliCommand } from './context';
import { bu, flagCommand, parseReviewTarget } from './flags';
import { deliveryEvents } from '../lambdas/shared/delivery-store';
import { deliveryStatus } from '../core/email-delivery';
import { usageOf } from './manifest';

// ---------------------------------------------------------------- actions list

const actionsList = flagCommand(
  'actions list',
  z.object({
    bu,
    status: z
      .enum(['open', 'closed', 'all'], {
        error: (iss) => `--status: ${JSON.stringify(iss.input)} is not one of ${ACTION_STATUS_FILTERS.join(', ')}`,
      })
      .optional(),
    local: z.boolean().optional(),
  }),
  async (parsed, ctx) => {
    const { opts, unit } = parsed;
    const status = opts.status ?? 'open';
    const rt = ctx.runtime(unit.id);
    const actions = await listActions(rt, status);
    if (!actions.length) {
      ctx.out(`No ${status === 'all' ? '' : `${status} `}actions in ${unit.id}.`);
      return 0;
    }
    const today = dayIn(new Date(), unit.timeZone);
    for (const a of actions) ctx.out(actionListLine(a, today, unit.timeZone));
    return 0;
  },
);

// ---------------------------------------------------------------- action close

const actionClose = flagCommand(
  'action close',
  z.object({
    bu,
    action: z
      .string({ error: '--action: is required (an action id as printed by actions list, like "example-emea#2026-Q4#A1")' })
      .min(1, { error: '--action: must not be empty' })
      .max(300, { error: '--action: is longer than 300 characters; not an action id' }),
    note: z
      .string({ error: `--note: is required (what was done, 1-${CLOSING_NOTE_MAX} characters)` })
      .overwrite(normaliseLineBreaks)
      .trim()
      .min(1, { error: '--note: must not be empty' })
      .max(CLOSING_NOTE_MAX, {
        error: (iss) => `--note: is ${String((iss.input as string).length)} characters long; at most ${CLOSING_NOTE_MAX} are allowed`,
      })
      .superRefine(checkText('multi-line')),
    by: z.email({ error: (iss) => `--by: ${JSON.stringify(iss.input)} is not an email address` }).optional(),
    local: z.boolean().optional(),
  }),
  async (parsed, ctx) => {
    const { opts, unit } = parsed;
    const rt = ctx.runtime(unit.id);
    const by = opts.by ?? unit.ismsManager.email;
    let closed: StoredAction;
    try {
      closed = await closeAction(rt, { actionId: opts.action, note: opts.note, by });
    } catch (err) {
      if (!(err instanceof ActionCloseError)) throw err;
      ctx.err(`--action: ${err.message}`);
      return 1;
    }
    ctx.out(
      terminalSafe(
        `Closed ${closed.actionId} ("${closed.title}") at ${closed.closedAt ? formatTime(closed.closedAt, unit.timeZone) : '?'} by ${by}; it is no longer carried into review packs.`,
      ),
    );
    return 0;
  },
);

// ---------------------------------------------------------------- review status

const statusUsage = usageOf('review status');

const reviewStatus: CliCommand = {
  name: 'review status',
  usage: statusUsage,
  async run(args, ctx) {
    const target = parseReviewTarget(args, ctx, statusUsage);
    if (!target) return 2;
    const { unit, period: p, reviewId: id } = target;
    const rt = ctx.runtime(unit.id);
    const review = await getReview(rt, id);
    if (!review) {
      ctx.err(`no review for ${p} in ${unit.id} (start one with: isms review start --bu ${unit.id} --period ${p})`);
      return 1;
    }
    const pk = keys.review(id).pk;
    const [decisions, minutes, deliveries] = await Promise.all([
      itemsWithPrefix<DecisionRecord>(rt, pk, prefixes.decision),
      getMinutes(rt, id),
      deliveryEvents(rt, pk),
    ]);
    // Only a member's own decision counts (as in the tally); the decision id, link and token are never printed.
    const byId = new Map(decisions.filter((d) => d.subjectType === 'review').map((d) => [d.decisionId, d]));
    const decided = review.members.filter((m) => m.decisionId && byId.has(m.decisionId));
    const approvals = decided.filter((m) => byId.get(m.decisionId!)!.choice === 'approve').length;

    ctx.out(`${id}: ${review.status}${review.outcome && review.outcome !== review.status ? ` (outcome ${review.outcome})` : ''}`);
    ctx.out(
      `  opened ${formatTime(review.openedAt, unit.timeZone)} (${review.trigger}); closed ${review.closedAt ? formatTime(review.closedAt, unit.timeZone) : '-'}`,
    );
    ctx.out(
      `  approvals: ${approvals} of ${review.requiredApprovals} required (${decided.length} of ${review.members.length} members decided)`,
    );
    for (const m of review.members) {
      const d = m.decisionId ? byId.get(m.decisionId) : undefined;
      const by = d?.actingFor ? ` by ${d.recipient.name} <${d.recipient.email}> for ${m.name}` : '';
      const state = d
        ? `${DECIDED[d.choice]}${by} at ${formatTime(d.decidedAt, unit.timeZone)}`
        : m.decisionId
          ? 'not yet'
          : 'not yet invited';
      const delivery = deliveryStatus(deliveries, m.email);
      ctx.out(
        terminalSafe(`  - ${m.name}${m.chair ? ' (chair)' : ''}, ${m.role} <${m.email}>: ${state}${delivery ? `; ${delivery}` : ''}`),
      );
    }
    ctx.out(
      `  reminders sent: ${review.remindersSent ?? 0}; escalated: ${review.escalatedAt ? formatTime(review.escalatedAt, unit.timeZone) : 'no'}`,
    );
    if (review.workflowFailedAt)
      ctx.out(
        `  workflow ended without an outcome at ${formatTime(review.workflowFailedAt, unit.timeZone)}: ${review.workflowError ?? ''}`,
      );
    if (review.restarts)
      ctx.out(
        `  workflow restarted ${review.restarts} time(s), last at ${review.restartedAt ? formatTime(review.restartedAt, unit.timeZone) : '?'}`,
      );
    if (!minutes) {
      ctx.out('  actions: none yet (decided when the review closes)');
      return 0;
    }
    const ids = minutes.minutes.actions.map((a) => a.actionId);
    if (!ids.length) {
      ctx.out('  actions: none');
      return 0;
    }
    // The minutes name the review's actions; each action item, read by key, says where it stands now.
    const today = dayIn(new Date(), unit.timeZone);
    ctx.out(`  actions (${ids.length}):`);
    for (const actionId of ids) {
      const a = await getAction(rt, actionId);
      ctx.out(`    ${a ? actionListLine(a, today, unit.timeZone) : `${actionId}  not stored yet`}`);
    }
    return 0;
  },
};

export const commands: CliCommand[] = [actionsList, actionClose, reviewStatus];
