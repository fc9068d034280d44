// The minutes of a management review and the actions they raise, built deterministically from review, pack and decisions. No AWS here.
import { CATEGORY_LABELS, RESOURCE_CATEGORIES, type BusinessUnitConfig, type Person, type ResourceCategory } from './unit';
import { dayIn, nextPeriod, periodStart } from './period';
import { gsi1, keys } from './keys';
import type { Adequacy, Choice, DecisionRecord } from './decisions';
import type { ActionSummary, PackSection, ReviewPack } from './review-pack';
import { tally, type ReviewOutcome } from './review-tally';
import type { ReviewItem } from './subjects';
import { seatDecision } from './seats';
import { packFingerprint } from './fingerprint';

export interface MinutesMember {
  name: string;
  role: string;
  chair: boolean;
  decision?: {
    choice: Choice;
    comment: string;
    decidedAt: string;
    resourceAdequacy: Partial<Record<ResourceCategory, Adequacy>>;
    /** Issue 15: the deputy who decided for the member (their name), and the fingerprint of the pack decided on. */
    decidedBy?: string;
    fingerprint?: string;
  };
}

export interface MinutesAction {
  actionId: string;
  title: string;
  detail: string;
  owner: Person;
  dueDate: string;
  source:
    | { kind: 'resource-inadequate'; category: ResourceCategory; judgedBy: string[] }
    | { kind: 'changes-requested'; by: string; decisionId: string }
    | { kind: 'objective-off-track'; objectiveId: string; status: string };
  /** The approved objectives (6.2) the action serves: an objective off track, or named by id in a member's comment. */
  objectiveIds?: string[];
}

export interface Minutes {
  reviewId: string;
  bu: string;
  unitName: string;
  period: string;
  openedAt: string;
  packCompiledAt: string;
  closedAt: string;
  outcome: ReviewOutcome;
  requiredApprovals: number;
  approvals: number;
  /** SHA-256 of the pack as compiled (core/fingerprint.ts), which every decision's link was bound to. */
  packFingerprint?: string;
  members: MinutesMember[];
  /** The inputs presented: the pack's sections as they were compiled. */
  inputsPresented: PackSection[];
  adequacy: Array<{ category: ResourceCategory; adequate: string[]; inadequate: string[]; notAssessed: string[] }>;
  decisions: string[];
  actions: MinutesAction[];
}

export const OUTCOME_TEXT: Record<ReviewOutcome, string> = {
  approved: 'Approved: the quorum of top management approved the review.',
  'not-approved': 'Not approved: every member answered and the quorum of approvals was not reached; changes were requested.',
  'not-held-on-time': 'Not held on time: the decision links expired before the quorum of approvals was reached.',
};

/**
 * Actions are due at the next review: the unit's next scheduled review after the minutes are written (a review closed
 * late must not get actions that are already overdue), or the start of the next period when the schedule is not a cron
 * expression. The scheduled times are those review-open stored (ReviewItem.nextReviews): this module computes no cron.
 */
export function nextReviewDate(review: Pick<ReviewItem, 'period' | 'nextReviews'>, timeZone: string, closedAt: string): string {
  const fallback = periodStart(nextPeriod(review.period));
  const at = review.nextReviews?.find((fire) => Date.parse(fire) > Date.parse(closedAt));
  if (!at) return fallback;
  const day = dayIn(new Date(at), timeZone);
  // biome-ignore lint/complexity/useMathMinMax: day and fallback are YYYY-MM-DD strings (compared as text); Math.max would return NaN
  return day > fallback ? day : fallback;
}

/** Deterministic: the same review, pack and decisions give the same minutes and action ids, so a retried close creates nothing twice. */
export function buildMinutes(args: {
  unit: Pick<BusinessUnitConfig, 'id' | 'name' | 'ismsManager' | 'actionOwner' | 'timeZone'>;
  review: Pick<ReviewItem, 'reviewId' | 'period' | 'openedAt' | 'members' | 'requiredApprovals' | 'nextReviews'>;
  pack: ReviewPack;
  decisions: DecisionRecord[];
  outcome: ReviewOutcome;
  closedAt: string;
}): Minutes {
  const { review, pack, unit } = args;
  const reviewDecisions = args.decisions.filter((d) => d.subjectType === 'review');
  const members: MinutesMember[] = review.members.map((m) => {
    // One decision per seat: the member's own, or their deputy's (core/seats.ts).
    const d = m.decisionId ? seatDecision([m.decisionId], reviewDecisions) : undefined;
    return {
      name: m.name,
      role: m.role,
      chair: Boolean(m.chair),
      ...(d
        ? {
            decision: {
              choice: d.choice,
              comment: d.comment ?? '',
              decidedAt: d.decidedAt,
              resourceAdequacy: d.resourceAdequacy ?? {},
              ...(d.actingFor ? { decidedBy: d.recipient.name } : {}),
              ...(d.fingerprint ? { fingerprint: d.fingerprint } : {}),
            },
          }
        : {}),
    };
  });
  const adequacy = RESOURCE_CATEGORIES.map((category) => ({
    category,
    adequate: members.filter((m) => m.decision?.resourceAdequacy[category] === 'adequate').map((m) => m.name),
    inadequate: members.filter((m) => m.decision?.resourceAdequacy[category] === 'inadequate').map((m) => m.name),
    notAssessed: members.filter((m) => !m.decision?.resourceAdequacy[category]).map((m) => m.name),
  }));
  const owner = unit.actionOwner ?? unit.ismsManager;
  const dueDate = nextReviewDate(review, unit.timeZone, args.closedAt);
  const actions: MinutesAction[] = [];
  const nextId = () => `${review.reviewId}#A${actions.length + 1}`;
  for (const a of adequacy) {
    if (a.inadequate.length === 0) continue;
    const label = CATEGORY_LABELS[a.category].toLowerCase();
    actions.push({
      actionId: nextId(),
      title: `Raise a resource request for ${label} resources`,
      detail: `${a.inadequate.join(', ')} judged the ${label} resources inadequate in the ${review.period} review. Raise a resource request (isms request submit --category ${a.category} --review ${review.period}).`,
      owner,
      dueDate,
      source: { kind: 'resource-inadequate', category: a.category, judgedBy: a.inadequate },
    });
  }
  review.members.forEach((m, i) => {
    const d = members[i].decision;
    if (d?.choice !== 'request-changes') return;
    const comment = d.comment.trim();
    actions.push({
      actionId: nextId(),
      title: `Address the changes requested by ${m.name}`,
      detail: comment ? `${m.name} wrote: "${comment}"` : `${m.name} requested changes without a comment; ask them what is needed.`,
      owner,
      dueDate,
      source: { kind: 'changes-requested', by: m.name, decisionId: m.decisionId! },
      ...objectivesNamed(pack, comment),
    });
  });
  // An objective the pack shows at risk or missed gets an action to bring it back (6.2: monitored and acted on).
  for (const o of pack.objectives?.objectives ?? []) {
    if (o.latest?.status !== 'at-risk' && o.latest?.status !== 'missed') continue;
    actions.push({
      actionId: nextId(),
      title: `Bring objective ${o.id} back on track`,
      detail: `${o.id} "${o.text}" is ${o.latest.status} (${o.latest.value}; target ${o.target}, due ${o.due}).`,
      owner,
      dueDate,
      source: { kind: 'objective-off-track', objectiveId: o.id, status: o.latest.status },
      objectiveIds: [o.id],
    });
  }
  const t = tally(review, args.decisions);
  const decisions = [
    OUTCOME_TEXT[args.outcome],
    `${t.approvals} of ${t.members} members approved; ${t.required} approval${t.required === 1 ? ' was' : 's were'} required.`,
    ...adequacy.map((a) =>
      a.inadequate.length
        ? `${CATEGORY_LABELS[a.category]} resources judged inadequate by ${a.inadequate.join(', ')}: a resource request is to be raised.`
        : a.adequate.length
          ? `${CATEGORY_LABELS[a.category]} resources judged adequate.`
          : `${CATEGORY_LABELS[a.category]} resources were not assessed.`,
    ),
  ];
  if (pack.openActions.length)
    decisions.push(
      `${pack.openActions.length} open action${pack.openActions.length === 1 ? '' : 's'} from earlier reviews carried forward.`,
    );
  return {
    reviewId: review.reviewId,
    bu: unit.id,
    unitName: unit.name,
    period: review.period,
    openedAt: review.openedAt,
    packCompiledAt: pack.compiledAt,
    closedAt: args.closedAt,
    outcome: args.outcome,
    requiredApprovals: t.required,
    approvals: t.approvals,
    packFingerprint: packFingerprint(pack),
    members,
    inputsPresented: pack.sections,
    adequacy,
    decisions,
    actions,
  };
}

/** The current objectives a comment names by id ("OBJ-2 needs a budget"), so its action references them. */
function objectivesNamed(pack: ReviewPack, comment: string): { objectiveIds?: string[] } {
  const ids = (pack.objectives?.objectives ?? [])
    .map((o) => o.id)
    .filter((id) => new RegExp(`(^|[^A-Za-z0-9._-])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_-])`).test(comment));
  return ids.length ? { objectiveIds: ids } : {};
}

/** Action items as stored (ACTION#<id>, GSI1 ACTIONS#OPEN): carried into the next pack as input a). */
export interface ActionItem extends ActionSummary {
  pk: string;
  sk: 'ACTION';
  gsi1pk: string;
  gsi1sk: string;
  kind: 'action';
  bu: string;
  reviewId: string;
  createdAt: string;
  source: MinutesAction['source'];
}

export function actionItem(m: Minutes, a: MinutesAction, createdAt: string): ActionItem {
  return {
    ...keys.action(a.actionId),
    sk: 'ACTION',
    ...gsi1.action('OPEN', a.dueDate, a.actionId),
    kind: 'action',
    actionId: a.actionId,
    bu: m.bu,
    reviewId: m.reviewId,
    period: m.period,
    title: a.title,
    detail: a.detail,
    owner: a.owner,
    dueDate: a.dueDate,
    status: 'open',
    createdAt,
    source: a.source,
    ...(a.objectiveIds?.length ? { objectiveIds: a.objectiveIds } : {}),
  };
}
