// The leadership report's figures, computed from a unit's evidence (the evidence export's items) and nothing else. No AWS, no fs.
// Fields other parts of the system add later (actingFor and fingerprint on decisions, seal results) are read when present.
import { CATEGORY_LABELS, RESOURCE_CATEGORIES, type ResourceCategory } from './unit';
import { DECIDED, type Choice } from './decisions';
import { dayIn, nextPeriod, periodOf, periodStart } from './period';
import { INPUT_PARTS, type ReviewInputs } from './review-inputs';
import type { ReviewPack } from './review-pack';
import { tally } from './review-tally';
import { nextFire } from './schedule';
import { deliveryOf, type DeliveryLine } from './report-delivery';
import { buildPolicyReport, type PolicyReport } from './report-policy';

// biome-ignore lint/suspicious/noExplicitAny: items read back from the table; each field is read defensively, as found
export type Item = Record<string, any>;

/** What the evidence export gives (lambdas/shared/evidence.ts EvidenceExport has this shape). */
export interface EvidenceData {
  bu: string;
  unitName: string;
  table: string;
  exportedAt: string;
  from: string;
  to: string;
  events: Record<string, unknown>[];
  subjects: Record<string, Record<string, unknown>[]>;
}

export interface ReportUnitConfig {
  id: string;
  name: string;
  timeZone: string;
  reviewSchedule: string;
  /** The unit's policyReviewInterval: when an approved policy is due for re-confirmation (default 12 months). */
  policyReviewInterval?: string;
}

export interface ReportSource {
  unit: ReportUnitConfig;
  /** Months "YYYY-MM", both included: what the report covers. */
  from: string;
  to: string;
  evidence: EvidenceData;
  /** The unit's action items as stored (ACTION#...): current status, closing note, linked requests. Events are the fallback. */
  actions?: Item[];
  /** When the report is made (ISO): "today" for overdue actions, the end of "not yet due". */
  generatedAt: string;
  /**
   * Whole partitions of the policy and objectives versions approved before the range and in force at its start: the
   * export reads only partitions with events in the range, and an auditor asks for the policy in force all the same.
   */
  inForce?: Record<string, Item[]>;
}

export interface Person {
  name: string;
  email: string;
}

export interface DecisionView {
  choice: string;
  /** "approved", "requested changes", "rejected". */
  choiceText: string;
  comment: string;
  decidedAt: string;
  /** Days from the invitation (or the opening) to the decision. */
  leadDays?: number;
  /** Who the decider stood in for, when a deputy decided (shown when the record has it). */
  actingFor?: string;
  /** The content fingerprint the decider saw (shown when the record has it). */
  fingerprint?: string;
}

export interface AdequacyJudgement {
  category: string;
  label: string;
  judgement: 'adequate' | 'inadequate' | 'not assessed';
}

export interface MemberRow {
  name: string;
  email: string;
  role: string;
  chair: boolean;
  invitedAt?: string;
  decision?: DecisionView;
  adequacy: AdequacyJudgement[];
  /** What SES said of the emails to this member about this review. */
  delivery: DeliveryLine[];
}

export interface InputSection {
  clause: string;
  heading: string;
  blocks: Array<{ label?: string; lines: string[] }>;
}

export interface ActionRow {
  actionId: string;
  reviewId: string;
  period: string;
  title: string;
  detail: string;
  owner: Person;
  dueDate: string;
  status: 'open' | 'closed';
  createdAt: string;
  closedAt?: string;
  closedBy?: string;
  closingNote?: string;
  requestIds: string[];
  overdue: boolean;
}

export type ReviewHeld = 'on time' | 'late' | 'not held' | 'in progress';

export interface ReviewRow {
  reviewId: string;
  period: string;
  status: string;
  openedAt: string;
  closedAt?: string;
  held: ReviewHeld;
  requiredApprovals: number;
  approvals: number;
  changesRequested: number;
  quorumReached: boolean;
  remindersSent: number;
  escalatedAt?: string;
  medianLeadDays?: number;
  members: MemberRow[];
  /** 9.3.2 a) as the pack presented it, then b)-g) as submitted. */
  inputs: InputSection[];
  inputsSubmitted?: { submittedAt: string; submittedBy: string };
  /** Every submission of inputs (the pack holds one of them). */
  submissions: Array<{ submittedAt: string; submittedBy: string }>;
  packCompiledAt?: string;
  /** The approved objectives the pack presented under 9.3.2 d), with their latest status. */
  packObjectives?: { version: string; count: number };
  minutes?: { decisions: string[]; closedAt: string; outcome: string };
  actions: ActionRow[];
}

export interface LevelRow {
  index: number;
  name: string;
  approver: Person;
  actingFor?: string;
  reroutedReason?: string;
  decision: string;
  decidedAt?: string;
  comment?: string;
  fingerprint?: string;
  /** What SES said of the emails to this level's approver about this request. */
  delivery: DeliveryLine[];
}

export interface RequestRow {
  requestId: string;
  title: string;
  justification: string;
  category: string;
  categoryLabel: string;
  amount: number;
  currency: string;
  requester: string;
  submittedBy?: string;
  submittedAt: string;
  status: string;
  closedAt?: string;
  leadDays?: number;
  reviewPeriod?: string;
  answersActions: string[];
  remindersSent: number;
  escalations: number;
  levels: LevelRow[];
}

export interface CategoryOutcome {
  category: string;
  label: string;
  outcome: string;
  count: number;
  /** Sum per currency, currencies in alphabetical order. */
  amounts: Array<{ currency: string; amount: number }>;
}

export interface UnitSummary {
  reviewsDue: number;
  reviewsHeld: number;
  reviewsHeldOnTime: number;
  reviewsNotHeld: number;
  reviewsInProgress: number;
  /** Periods that were due and have no review or none held. */
  periodsNotHeld: string[];
  quorumReached: number;
  medianDaysToDecision?: number;
  reviewReminders: number;
  reviewEscalations: number;
  requestReminders: number;
  requestEscalations: number;
  actionsOpened: number;
  actionsClosed: number;
  actionsOverdue: number;
  actionsOpenNow: number;
  requests: number;
  requestsByCategory: CategoryOutcome[];
  medianApprovalLeadDays?: number;
  inputSubmissions: number;
  emailsSent: number;
}

export interface UnitReport {
  unit: ReportUnitConfig;
  from: string;
  to: string;
  generatedAt: string;
  /** The unit's calendar day at generatedAt: actions due before it are overdue. */
  today: string;
  source: { table: string; exportedAt: string; events: number; partitions: number };
  summary: UnitSummary;
  reviews: ReviewRow[];
  requests: RequestRow[];
  /** Actions of the range: created in it, or created before and open or closed in it. */
  actions: ActionRow[];
  /** Open and closed actions at the end of each month of the range. */
  actionTimeline: Array<{ month: string; open: number; closed: number }>;
  /** Policy and objectives submissions, decisions, communication and measurements of the range (5.1 a, 5.2, 6.2). */
  policy: PolicyReport;
}

const DAY_MS = 86_400_000;

export function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Days with one decimal, as the report shows them; under 0.05 days (about an hour) says so rather than "0.0". */
export const dayFigure = (n: number): string => (n < 0.05 ? 'under 0.1' : n.toFixed(1));

export function daysBetween(fromIso: string, toIso: string): number | undefined {
  const a = Date.parse(fromIso);
  const b = Date.parse(toIso);
  if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
  return (b - a) / DAY_MS;
}

/** Months "YYYY-MM" from `from` to `to`, both included (the caller has checked the order). */
export function monthsOf(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  while (y * 12 + m <= ty * 12 + tm) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  return out;
}

/** Quarters with at least one month in the range. */
export function periodsOverlapping(from: string, to: string): string[] {
  const q = (month: string) => {
    const [y, m] = month.split('-').map(Number);
    return `${y}-Q${Math.floor((m - 1) / 3) + 1}`;
  };
  const out: string[] = [];
  for (let p = q(from); p <= q(to); p = nextPeriod(p)) out.push(p);
  return out;
}

/** The first month of the quarter `month` is in: the gather starts there, so a review opened before `from` is read. */
export function quarterStartMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${y}-${String(Math.floor((m - 1) / 3) * 3 + 1).padStart(2, '0')}`;
}

/**
 * Whether the review of `period` was due by `at`: a cron schedule's first fire in that period is at or before `at`
 * (a period the schedule never fires in is not due); other schedules: the period has begun.
 */
export function reviewDue(unit: Pick<ReportUnitConfig, 'reviewSchedule' | 'timeZone'>, period: string, at: Date): boolean {
  const start = periodStart(period);
  if (!unit.reviewSchedule.startsWith('cron(')) return start <= dayIn(at, unit.timeZone);
  // A day before the period's first day in UTC covers every zone's midnight.
  let fire = nextFire(unit.reviewSchedule, unit.timeZone, new Date(Date.parse(`${start}T00:00:00Z`) - DAY_MS));
  for (let i = 0; fire && i < 400 && periodOf(fire, unit.timeZone) < period; i++) fire = nextFire(unit.reviewSchedule, unit.timeZone, fire);
  if (!fire || periodOf(fire, unit.timeZone) !== period) return false;
  return fire.getTime() <= at.getTime();
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const opt = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : str(v));
const person = (p: unknown): Person => {
  const o = (p && typeof p === 'object' ? p : {}) as Item;
  return { name: str(o.name), email: str(o.email) };
};

/** A deputy's principal as a line: "Name <email>" for a person, the text for anything else. */
export function actingForText(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'object') {
    const p = person(v);
    return p.email ? `${p.name} <${p.email}>` : p.name || JSON.stringify(v);
  }
  return str(v);
}

export function categoryLabel(category: string): string {
  return CATEGORY_LABELS[category as ResourceCategory] ?? category;
}

const choiceText = (c: unknown) => DECIDED[c as Choice] ?? str(c);

function decisionView(d: Item, invitedAt: string | undefined): DecisionView {
  return {
    choice: str(d.choice),
    choiceText: choiceText(d.choice),
    comment: str(d.comment),
    decidedAt: str(d.decidedAt),
    leadDays: invitedAt ? daysBetween(invitedAt, str(d.decidedAt)) : undefined,
    actingFor: actingForText(d.actingFor),
    fingerprint: opt(d.fingerprint),
  };
}

function adequacyOf(d: Item | undefined): AdequacyJudgement[] {
  const given = (d?.resourceAdequacy ?? {}) as Record<string, unknown>;
  const categories = [...RESOURCE_CATEGORIES, ...Object.keys(given).filter((k) => !(RESOURCE_CATEGORIES as readonly string[]).includes(k))];
  return categories.map((category) => {
    const v = given[category];
    return {
      category,
      label: categoryLabel(category),
      judgement: v === 'adequate' || v === 'inadequate' ? v : 'not assessed',
    };
  });
}

function inputSections(pack: ReviewPack | undefined, submission: Item | undefined): InputSection[] {
  const sections: InputSection[] = [];
  const a = pack?.sections?.find((s) => s.clause === '9.3.2 a)');
  if (a) sections.push({ clause: a.clause, heading: a.heading, blocks: a.blocks });
  const inputs = submission?.inputs as ReviewInputs | undefined;
  for (const part of INPUT_PARTS) {
    if (!inputs) {
      sections.push({ clause: part.clause, heading: part.heading, blocks: [{ lines: [] }] });
      continue;
    }
    sections.push({
      clause: part.clause,
      heading: part.heading,
      blocks: part.parts.map((p) => {
        let lines: unknown;
        try {
          lines = p.get(inputs);
        } catch {
          lines = [];
        }
        return { label: p.label, lines: Array.isArray(lines) ? lines.map(str) : [] };
      }),
    });
  }
  return sections;
}

/** Actions from the stored items when given, else from the action.created / action.closed events and the minutes. */
function collectActions(src: ReportSource, reviewItems: Map<string, Item[]>, today: string): ActionRow[] {
  const byId = new Map<string, ActionRow>();
  const ownerNames = new Map<string, string>();
  for (const items of reviewItems.values()) {
    const minutes = items.find((i) => i.kind === 'review-minutes')?.minutes as Item | undefined;
    for (const a of (minutes?.actions ?? []) as Item[]) ownerNames.set(str(a.actionId), str(a.owner?.name));
  }
  const reviewIdOfPk = (pk: string) => pk.replace(/^REVIEW#/, '');
  for (const e of src.evidence.events as Item[]) {
    const d = (e.detail ?? {}) as Item;
    const id = str(d.actionId);
    if (!id) continue;
    if (e.type === 'action.created') {
      const reviewId = reviewIdOfPk(str(e.subject));
      byId.set(id, {
        actionId: id,
        reviewId,
        period: reviewId.split('#').pop() ?? '',
        title: str(d.title),
        detail: '',
        owner: { name: ownerNames.get(id) ?? '', email: str(d.owner) },
        dueDate: str(d.dueDate),
        status: 'open',
        createdAt: str(e.at),
        requestIds: [],
        overdue: false,
      });
    }
  }
  for (const e of src.evidence.events as Item[]) {
    const d = (e.detail ?? {}) as Item;
    const a = byId.get(str(d.actionId));
    if (!a) continue;
    if (e.type === 'action.closed')
      Object.assign(a, { status: 'closed', closedAt: str(e.at), closedBy: str(e.actor), closingNote: str(d.closingNote) });
    if (e.type === 'action.request-linked' && d.requestId && !a.requestIds.includes(str(d.requestId))) a.requestIds.push(str(d.requestId));
  }
  for (const s of src.actions ?? []) {
    const id = str(s.actionId);
    if (!id) continue;
    byId.set(id, {
      actionId: id,
      reviewId: str(s.reviewId),
      period: str(s.period),
      title: str(s.title),
      detail: str(s.detail),
      owner: person(s.owner),
      dueDate: str(s.dueDate),
      status: s.status === 'closed' ? 'closed' : 'open',
      createdAt: str(s.createdAt),
      closedAt: opt(s.closedAt),
      closedBy: opt(s.closedBy),
      closingNote: opt(s.closingNote),
      requestIds: Array.isArray(s.requestIds) ? s.requestIds.map(str) : [],
      overdue: false,
    });
  }
  for (const a of byId.values()) a.overdue = a.status === 'open' && a.dueDate !== '' && a.dueDate < today;
  return [...byId.values()].sort((x, y) => x.createdAt.localeCompare(y.createdAt) || x.actionId.localeCompare(y.actionId));
}

export function buildUnitReport(src: ReportSource): UnitReport {
  const { unit, from, to } = src;
  const at = new Date(src.generatedAt);
  const today = dayIn(at, unit.timeZone);
  const inMonths = (iso: string | undefined) => Boolean(iso) && iso!.slice(0, 7) >= from && iso!.slice(0, 7) <= to;
  const rangeEnd = `${to}-31T23:59:59.999Z`;
  const events = src.evidence.events as Item[];
  const eventsOf = (pk: string, type: string) => events.filter((e) => e.subject === pk && e.type === type);

  const periods = periodsOverlapping(from, to);
  const reviewParts = new Map<string, Item[]>();
  const requestParts = new Map<string, Item[]>();
  for (const [pk, items] of Object.entries(src.evidence.subjects) as Array<[string, Item[]]>) {
    const review = items.find((i) => i.kind === 'review');
    if (review && periods.includes(str(review.period))) reviewParts.set(pk, items);
    const request = items.find((i) => i.kind === 'request');
    if (request && inMonths(str(request.submittedAt))) requestParts.set(pk, items);
  }

  const allActions = collectActions(src, reviewParts, today);
  const rangeStart = `${from}-01`;
  const actions = allActions.filter(
    (a) => a.createdAt <= rangeEnd && (inMonths(a.createdAt) || a.status === 'open' || (a.closedAt ?? '') >= rangeStart),
  );

  const reviews: ReviewRow[] = [...reviewParts.entries()]
    .map(([pk, items]) => {
      const r = items.find((i) => i.kind === 'review') as Item;
      const decisions = items.filter((i) => i.kind === 'decision');
      const byDecision = new Map(decisions.map((d) => [str(d.decisionId), d]));
      const members: MemberRow[] = ((r.members ?? []) as Item[]).map((m) => {
        const d = m.decisionId ? byDecision.get(str(m.decisionId)) : undefined;
        const invitedAt = opt(m.invitedAt) ?? opt(r.openedAt);
        return {
          name: str(m.name),
          email: str(m.email),
          role: str(m.role),
          chair: Boolean(m.chair),
          invitedAt: opt(m.invitedAt),
          decision: d ? decisionView(d, invitedAt) : undefined,
          adequacy: adequacyOf(d),
          delivery: deliveryOf(events, pk, str(m.email)),
        };
      });
      const t = tally({ members: (r.members ?? []) as never, requiredApprovals: Number(r.requiredApprovals) || 0 }, decisions as never);
      const pack = items.find((i) => i.kind === 'review-pack')?.pack as ReviewPack | undefined;
      const submissions = items
        .filter((i) => i.kind === 'review-inputs')
        .sort((a, b) => str(a.submittedAt).localeCompare(str(b.submittedAt)));
      const held = pack?.inputsSubmitted
        ? submissions.find((s) => s.submittedAt === pack.inputsSubmitted?.submittedAt)
        : submissions[submissions.length - 1];
      const minutesItem = items.find((i) => i.kind === 'review-minutes')?.minutes as Item | undefined;
      const status = str(r.status);
      const heldState: ReviewHeld =
        status === 'approved' || status === 'not-approved'
          ? r.escalatedAt
            ? 'late'
            : 'on time'
          : status === 'not-held-on-time'
            ? 'not held'
            : 'in progress';
      const reminderEvents = new Set(eventsOf(pk, 'reminder.sent').map((e) => (e.detail as Item)?.reminder)).size;
      const leads = members.flatMap((m) => (m.decision?.leadDays !== undefined ? [m.decision.leadDays] : []));
      return {
        reviewId: str(r.reviewId),
        period: str(r.period),
        status,
        openedAt: str(r.openedAt),
        closedAt: opt(r.closedAt),
        held: heldState,
        requiredApprovals: t.required,
        approvals: t.approvals,
        changesRequested: t.changesRequested,
        quorumReached: t.required > 0 && t.approvals >= t.required,
        remindersSent: Math.max(Number(r.remindersSent) || 0, reminderEvents),
        escalatedAt: opt(r.escalatedAt),
        medianLeadDays: median(leads),
        members,
        inputs: inputSections(pack, held),
        inputsSubmitted: held ? { submittedAt: str(held.submittedAt), submittedBy: str(held.submittedBy) } : undefined,
        submissions: submissions.map((s) => ({ submittedAt: str(s.submittedAt), submittedBy: str(s.submittedBy) })),
        packCompiledAt: pack ? str(pack.compiledAt) : undefined,
        packObjectives: pack?.objectives
          ? {
              version: str(pack.objectives.version),
              count: Array.isArray(pack.objectives.objectives) ? pack.objectives.objectives.length : 0,
            }
          : undefined,
        minutes: minutesItem
          ? {
              decisions: Array.isArray(minutesItem.decisions) ? minutesItem.decisions.map(str) : [],
              closedAt: str(minutesItem.closedAt),
              outcome: str(minutesItem.outcome),
            }
          : undefined,
        actions: allActions.filter((a) => a.reviewId === str(r.reviewId)),
      };
    })
    .sort((a, b) => a.period.localeCompare(b.period));

  const requests: RequestRow[] = [...requestParts.entries()]
    .map(([pk, items]) => {
      const r = items.find((i) => i.kind === 'request') as Item;
      const byDecision = new Map(items.filter((i) => i.kind === 'decision').map((d) => [str(d.decisionId), d]));
      const status = str(r.status);
      const levels: LevelRow[] = ((r.levels ?? []) as Item[]).map((l) => {
        const d = l.decisionId ? byDecision.get(str(l.decisionId)) : undefined;
        const waiting = status === 'pending' && Number(l.index) === Number(r.currentLevel);
        const approver = person(d?.recipient ?? l.approver);
        return {
          index: Number(l.index),
          name: str(l.name),
          approver,
          actingFor: actingForText(d?.actingFor ?? l.actingFor),
          reroutedReason: opt(l.reroutedReason),
          decision: opt(l.outcome) ?? (d ? choiceText(d.choice) : waiting ? 'waiting' : 'not reached'),
          decidedAt: opt(l.decidedAt) ?? opt(d?.decidedAt),
          comment: d ? str(d.comment) : undefined,
          fingerprint: opt(d?.fingerprint),
          delivery: deliveryOf(events, pk, approver.email),
        };
      });
      const decided = status === 'approved' || status === 'rejected';
      return {
        requestId: str(r.requestId),
        title: str(r.title),
        justification: str(r.justification),
        category: str(r.category),
        categoryLabel: categoryLabel(str(r.category)),
        amount: Number(r.amount) || 0,
        currency: str(r.currency),
        requester: str(r.requester),
        submittedBy: opt(r.submittedBy),
        submittedAt: str(r.submittedAt),
        status,
        closedAt: opt(r.closedAt),
        leadDays: decided && r.closedAt ? daysBetween(str(r.submittedAt), str(r.closedAt)) : undefined,
        reviewPeriod: opt(r.reviewPeriod),
        answersActions: Array.isArray(r.answersActions) ? r.answersActions.map(str) : [],
        remindersSent: Number(r.remindersSent) || 0,
        escalations: eventsOf(pk, 'request.escalated').length,
        levels,
      };
    })
    .sort((a, b) => a.submittedAt.localeCompare(b.submittedAt) || a.requestId.localeCompare(b.requestId));

  // Reviews due: every period of the range the schedule has reached, and any period that has a review anyway.
  const reviewByPeriod = new Map(reviews.map((r) => [r.period, r]));
  const duePeriods = periods.filter((p) => reviewByPeriod.has(p) || reviewDue(unit, p, at));
  const periodsNotHeld = duePeriods.filter((p) => {
    const r = reviewByPeriod.get(p);
    return !r || r.held === 'not held';
  });

  const groups = new Map<string, CategoryOutcome & { sums: Map<string, number> }>();
  for (const r of requests) {
    const key = `${r.category}\u0000${r.status}`;
    let g = groups.get(key);
    if (!g) {
      g = { category: r.category, label: r.categoryLabel, outcome: r.status, count: 0, amounts: [], sums: new Map() };
      groups.set(key, g);
    }
    g.count += 1;
    g.sums.set(r.currency, (g.sums.get(r.currency) ?? 0) + r.amount);
  }
  const catOrder = (c: string) => {
    const i = (RESOURCE_CATEGORIES as readonly string[]).indexOf(c);
    return i < 0 ? RESOURCE_CATEGORIES.length : i;
  };
  const requestsByCategory = [...groups.values()]
    .map(({ sums, ...g }) => ({
      ...g,
      amounts: [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount })),
    }))
    .sort(
      (a, b) => catOrder(a.category) - catOrder(b.category) || a.category.localeCompare(b.category) || a.outcome.localeCompare(b.outcome),
    );

  const held = reviews.filter((r) => r.held === 'on time' || r.held === 'late');
  const summary: UnitSummary = {
    reviewsDue: duePeriods.length,
    reviewsHeld: held.length,
    reviewsHeldOnTime: reviews.filter((r) => r.held === 'on time').length,
    reviewsNotHeld: periodsNotHeld.length,
    reviewsInProgress: reviews.filter((r) => r.held === 'in progress').length,
    periodsNotHeld,
    quorumReached: reviews.filter((r) => r.quorumReached).length,
    medianDaysToDecision: median(
      reviews.flatMap((r) => r.members.flatMap((m) => (m.decision?.leadDays !== undefined ? [m.decision.leadDays] : []))),
    ),
    reviewReminders: reviews.reduce((n, r) => n + r.remindersSent, 0),
    reviewEscalations: reviews.filter((r) => r.escalatedAt).length,
    requestReminders: requests.reduce((n, r) => n + r.remindersSent, 0),
    requestEscalations: requests.reduce((n, r) => n + r.escalations, 0),
    actionsOpened: actions.filter((a) => inMonths(a.createdAt)).length,
    actionsClosed: actions.filter((a) => a.status === 'closed' && inMonths(a.closedAt)).length,
    actionsOverdue: actions.filter((a) => a.overdue).length,
    actionsOpenNow: actions.filter((a) => a.status === 'open').length,
    requests: requests.length,
    requestsByCategory,
    medianApprovalLeadDays: median(requests.flatMap((r) => (r.leadDays !== undefined ? [r.leadDays] : []))),
    inputSubmissions: reviews.reduce((n, r) => n + r.submissions.length, 0),
    emailsSent: [...reviewParts.values(), ...requestParts.values()].flat().filter((i) => i.kind === 'email-sent').length,
  };

  const actionTimeline = monthsOf(from, to).map((month) => {
    const end = `${month}-31T23:59:59.999Z`;
    const created = allActions.filter((a) => a.createdAt && a.createdAt <= end);
    const closed = created.filter((a) => a.closedAt && a.closedAt <= end).length;
    return { month, open: created.length - closed, closed };
  });

  return {
    unit,
    from,
    to,
    generatedAt: src.generatedAt,
    today,
    source: {
      table: src.evidence.table,
      exportedAt: src.evidence.exportedAt,
      events: events.length,
      partitions: Object.keys(src.evidence.subjects).length,
    },
    summary,
    reviews,
    requests,
    actions,
    actionTimeline,
    policy: buildPolicyReport({
      events,
      subjects: src.evidence.subjects as Record<string, Item[]>,
      inForce: src.inForce,
      inRange: inMonths,
      rangeEnd,
      now: at,
      policyReviewInterval: unit.policyReviewInterval,
    }),
  };
}
