// Management review domain (9.3): start input, quorum tally, pack compilation, minutes and actions. No AWS here.
import * as z from './zod';
import { RESOURCE_CATEGORIES, type BusinessUnitConfig, type Person, type ResourceCategory } from './config';
import { PERIOD_PATTERN, nextPeriod, periodOf, periodStart, reviewIdOf } from './period';
import { nextFire } from './schedule';
import { html, type SafeHtml } from './html';
import { gsi1, keys } from './keys';
import { DECIDED, type Adequacy, type Choice, type DecisionRecord } from './decisions';
import { INPUT_PARTS, type ReviewInputs } from './review-inputs';
import type { RequestItem, ReviewItem, ReviewMember, ReviewStatus } from './subjects';

// ---------------------------------------------------------------- starting

/** What starts the workflow: a period, or the schedule's time (the period is then derived in the unit's time zone). */
export const reviewStartSchema = z
  .object({
    bu: z.string().check(z.minLength(1)),
    period: z.optional(
      z.string().check(z.regex(PERIOD_PATTERN, { error: (iss) => `period: ${JSON.stringify(iss.input)} is not a period like "2026-Q4"` })),
    ),
    scheduledTime: z.optional(z.iso.datetime({ offset: true })),
    trigger: z._default(z.string().check(z.minLength(1), z.maxLength(40)), 'manual'),
    /** A restart (`isms review start` on a review whose workflow failed): the ARN of the failed execution it takes over from. */
    restartOf: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  })
  .check(z.refine((i) => i.period !== undefined || i.scheduledTime !== undefined, { error: 'either period or scheduledTime is required' }));
export type ReviewStartInput = z.output<typeof reviewStartSchema>;

export type ReviewTrigger = 'schedule' | 'cli' | 'local-start' | (string & {});

/**
 * The execution input (and, for a known period, its name `<bu>-<period>`, which makes a repeated start idempotent):
 * one builder for the CLI, the local scheduler and `npm start`. The EventBridge schedule passes `{ scheduledTime }`
 * because the period is only known when it fires; Scheduler cannot name executions, so there the review key alone
 * keeps a duplicate fire from opening a second review.
 */
export function startReviewInput(
  unit: Pick<BusinessUnitConfig, 'id'>,
  period: string | { scheduledTime: string },
  trigger: ReviewTrigger,
): { name?: string; input: { bu: string; period?: string; scheduledTime?: string; trigger: string } } {
  if (typeof period === 'string') {
    reviewIdOf(unit.id, period); // throws a message naming the period when it is malformed
    return { name: reviewExecutionName(unit.id, period), input: { bu: unit.id, period, trigger } };
  }
  return { input: { bu: unit.id, scheduledTime: period.scheduledTime, trigger } };
}

export function reviewExecutionName(bu: string, period: string): string {
  return `${bu}-${period}`;
}

/**
 * The input and name of a restart: `<bu>-<period>-restart-<n>`, with n the review's stored restart count + 1
 * (the CLI moves on to n + 1 only when an earlier restart with that name closed before it took the review over).
 * A repeated start with the same name does not start a second execution.
 */
export function restartReviewInput(
  unit: Pick<BusinessUnitConfig, 'id'>,
  period: string,
  failedExecution: string,
  n: number,
  trigger: ReviewTrigger,
): { name: string; input: { bu: string; period: string; trigger: string; restartOf: string } } {
  reviewIdOf(unit.id, period);
  return { name: `${reviewExecutionName(unit.id, period)}-restart-${n}`, input: { bu: unit.id, period, trigger, restartOf: failedExecution } };
}

/** The period the review is for: given, or the quarter the schedule fired in (unit's time zone). */
export function resolvePeriod(input: ReviewStartInput, timeZone: string): string {
  if (input.period) return input.period;
  return periodOf(new Date(input.scheduledTime!), timeZone);
}

export function newReviewItem(unit: BusinessUnitConfig, period: string, trigger: string, openedAt: string, executionId: string, required: number): ReviewItem & { executionId: string } {
  const id = reviewIdOf(unit.id, period);
  return {
    ...keys.review(id),
    sk: 'REVIEW',
    kind: 'review',
    ...gsi1.reviews(period),
    gsi1pk: 'REVIEWS',
    reviewId: id,
    bu: unit.id,
    period,
    status: 'open',
    openedAt,
    trigger,
    requiredApprovals: required,
    members: unit.topManagement.map((m) => ({ name: m.name, email: m.email, role: m.role, ...(m.chair ? { chair: true } : {}) })),
    remindersSent: 0,
    executionId,
  };
}

export const TERMINAL_STATUSES: readonly ReviewStatus[] = ['approved', 'not-approved', 'not-held-on-time'];

// ---------------------------------------------------------------- tally

export type ReviewOutcome = 'approved' | 'not-approved' | 'not-held-on-time';

export interface Tally {
  required: number;
  members: number;
  approvals: number;
  changesRequested: number;
  decided: number;
  /** Members with a decision link who have not decided yet. */
  undecided: ReviewMember[];
  /** No remaining member can bring the approvals up to the quorum. */
  quorumImpossible: boolean;
}

/** Counts only decisions made through a member's own link, one per member (defends against stray records). */
export function tally(subject: Pick<ReviewItem, 'members' | 'requiredApprovals'>, decisions: DecisionRecord[]): Tally {
  const byId = new Map(decisions.filter((d) => d.subjectType === 'review').map((d) => [d.decisionId, d]));
  let approvals = 0;
  let changesRequested = 0;
  let decided = 0;
  const undecided: ReviewMember[] = [];
  for (const m of subject.members) {
    const d = m.decisionId ? byId.get(m.decisionId) : undefined;
    if (!d) {
      undecided.push(m);
      continue;
    }
    decided += 1;
    if (d.choice === 'approve') approvals += 1;
    else changesRequested += 1;
  }
  const required = subject.requiredApprovals;
  return {
    required,
    members: subject.members.length,
    approvals,
    changesRequested,
    decided,
    undecided,
    quorumImpossible: approvals + undecided.length < required,
  };
}

/**
 * Decision 7: one wait per review. The wait is over once the quorum of approvals is reached, or once every
 * member has answered without reaching it. Members who have not answered when the quorum is impossible may
 * still record their assessment of resources for the minutes, so an impossible quorum alone does not end it.
 */
export function reviewWaitOutcome(subject: Record<string, any>, decisions: DecisionRecord[]): { complete: boolean; output: Record<string, unknown> } {
  const review = subject as ReviewItem;
  if (!Array.isArray(review.members) || typeof review.requiredApprovals !== 'number' || TERMINAL_STATUSES.includes(review.status)) {
    return { complete: false, output: {} };
  }
  const t = tally(review, decisions);
  const output = { approvals: t.approvals, required: t.required, decided: t.decided, members: t.members };
  if (t.approvals >= t.required) return { complete: true, output: { outcome: 'approved', ...output } };
  if (t.decided === t.members) return { complete: true, output: { outcome: 'not-approved', ...output } };
  return { complete: false, output: { outcome: 'waiting', ...output } };
}

/**
 * Decision 11: a resume message is a claim, never a fact. It is supported when the stored tally completes the wait
 * with the outcome it names. Decisions only accumulate and the quorum is fixed at opening, so a legitimate resumer's
 * outcome still holds and its counts can only have grown since it read them; "approved" with too few approvals, or
 * counts the table does not have, is not supported.
 */
export function reviewResumeSupported(subject: Record<string, any>, decisions: DecisionRecord[], claimed: unknown): boolean {
  const now = reviewWaitOutcome(subject, decisions);
  if (!now.complete || typeof claimed !== 'object' || claimed === null || Array.isArray(claimed)) return false;
  const c = claimed as Record<string, unknown>;
  const o = now.output as { outcome: string; approvals: number; required: number; decided: number; members: number };
  const atMost = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  return c.outcome === o.outcome && atMost(c.approvals, o.approvals) && atMost(c.decided, o.decided) && c.required === o.required && c.members === o.members;
}

// ---------------------------------------------------------------- pack

export interface ActionSummary {
  actionId: string;
  title: string;
  detail: string;
  owner: Person;
  dueDate: string;
  /** The period of the review that decided it. */
  period: string;
  status: 'open' | 'closed';
  requestIds?: string[];
}

export interface RequestSummary {
  requestId: string;
  title: string;
  category: ResourceCategory;
  amount: number;
  currency: string;
  requester: string;
  status: RequestItem['status'];
  submittedAt: string;
  closedAt?: string;
}

export const CATEGORY_LABELS: Record<ResourceCategory, string> = {
  financial: 'Financial',
  human: 'Human',
  equipment: 'Equipment',
  'infrastructure-technology': 'Infrastructure technology',
};

export interface PackSection {
  /** "9.3.2 a)" ... "7.1" */
  clause: string;
  heading: string;
  blocks: Array<{ label?: string; lines: string[] }>;
  /** True when nothing was submitted or found for the whole section; the pack says so plainly. */
  empty: boolean;
}

export interface ReviewPack {
  reviewId: string;
  bu: string;
  unitName: string;
  period: string;
  compiledAt: string;
  /** Requests are listed from here (the previous review's opening); undefined for the first review. */
  since?: string;
  /** Which submission the pack holds (its content is in `sections`). */
  inputsSubmitted?: { submittedAt: string; submittedBy: string };
  openActions: ActionSummary[];
  requests: RequestSummary[];
  sections: PackSection[];
}

export const NO_INPUT = 'No input submitted.';
export const NOTHING_REPORTED = 'Nothing reported.';

export function adequacyQuestion(category: ResourceCategory): string {
  return `Are the ${CATEGORY_LABELS[category].toLowerCase()} resources the ISMS needs adequate and available?`;
}

const money = (amount: number, currency: string) => `${currency} ${amount.toLocaleString('en-GB', { maximumFractionDigits: 2 })}`;

export function requestLine(r: RequestSummary): string {
  return `${r.title} (${CATEGORY_LABELS[r.category].toLowerCase()}, ${money(r.amount, r.currency)}, ${r.requester}): ${r.status}`;
}

export function actionLine(a: ActionSummary): string {
  const requests = a.requestIds?.length ? `; requests ${a.requestIds.join(', ')}` : '';
  return `${a.title} (from ${a.period}; owner ${a.owner.name}; due ${a.dueDate}${requests})`;
}

export function requestSummary(r: RequestItem): RequestSummary {
  return {
    requestId: r.requestId,
    title: r.title,
    category: r.category,
    amount: r.amount,
    currency: r.currency,
    requester: r.requester,
    status: r.status,
    submittedAt: r.submittedAt,
    closedAt: r.closedAt,
  };
}

/** The pack of 9.3.2 a-g plus resource requests and the resource question per category (7.1); every section is present. */
export function compilePack(args: {
  unit: Pick<BusinessUnitConfig, 'id' | 'name'>;
  period: string;
  compiledAt: string;
  since?: string;
  inputs?: { submittedAt: string; submittedBy: string; inputs: ReviewInputs };
  openActions: ActionSummary[];
  requests: RequestSummary[];
}): ReviewPack {
  const { inputs } = args;
  const sections: PackSection[] = [];
  sections.push({
    clause: '9.3.2 a)',
    heading: 'Status of actions from previous reviews',
    blocks: [{ lines: args.openActions.length ? args.openActions.map(actionLine) : ['No open actions from previous reviews.'] }],
    empty: args.openActions.length === 0,
  });
  for (const part of INPUT_PARTS) {
    if (!inputs) {
      sections.push({ clause: part.clause, heading: part.heading, blocks: [{ lines: [NO_INPUT] }], empty: true });
      continue;
    }
    const blocks = part.parts.map((p) => {
      const lines = p.get(inputs.inputs);
      return { label: p.label, lines: lines.length ? lines : [NOTHING_REPORTED] };
    });
    sections.push({ clause: part.clause, heading: part.heading, blocks, empty: part.parts.every((p) => p.get(inputs.inputs).length === 0) });
  }
  const sinceText = args.since ? `since the last review (${args.since.slice(0, 10)})` : 'so far (this is the first review)';
  sections.push({
    clause: '7.1',
    heading: `Resource requests ${sinceText}`,
    blocks: [{ lines: args.requests.length ? args.requests.map(requestLine) : ['No resource requests.'] }],
    empty: args.requests.length === 0,
  });
  sections.push({
    clause: '5.1 c) / 7.1',
    heading: 'Resource adequacy: your assessment is asked for each category',
    blocks: RESOURCE_CATEGORIES.map((c) => {
      const n = args.requests.filter((r) => r.category === c).length;
      return { label: CATEGORY_LABELS[c], lines: [`${adequacyQuestion(c)} (${n} resource request${n === 1 ? '' : 's'} in this category ${args.since ? 'since the last review' : 'so far'})`] };
    }),
    empty: false,
  });
  return {
    reviewId: reviewIdOf(args.unit.id, args.period),
    bu: args.unit.id,
    unitName: args.unit.name,
    period: args.period,
    compiledAt: args.compiledAt,
    since: args.since,
    ...(inputs ? { inputsSubmitted: { submittedAt: inputs.submittedAt, submittedBy: inputs.submittedBy } } : {}),
    openActions: args.openActions,
    requests: args.requests,
    sections,
  };
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s);

/**
 * The short form for emails and the confirmation page (ReviewItem.packSummary): one block per section, at most
 * a few clipped lines each, so that it stays small on the item and readable on a phone.
 */
export function packSummary(pack: ReviewPack, maxLines = 4, maxChars = 160): Array<{ heading: string; lines: string[] }> {
  return pack.sections.map((s) => {
    const lines = s.blocks.flatMap((b) => b.lines.map((l) => (b.label && s.blocks.length > 1 ? `${b.label}: ${l}` : l)));
    const shown = lines.slice(0, maxLines).map((l) => clip(l, maxChars));
    if (lines.length > maxLines) shown.push(`… and ${lines.length - maxLines} more in the review pack emailed to you`);
    return { heading: `${s.clause} ${s.heading}`, lines: shown };
  });
}

// ---------------------------------------------------------------- minutes and actions

export interface MinutesMember {
  name: string;
  role: string;
  chair: boolean;
  decision?: {
    choice: Choice;
    comment: string;
    decidedAt: string;
    resourceAdequacy: Partial<Record<ResourceCategory, Adequacy>>;
  };
}

export interface MinutesAction {
  actionId: string;
  title: string;
  detail: string;
  owner: Person;
  dueDate: string;
  source: { kind: 'resource-inadequate'; category: ResourceCategory; judgedBy: string[] } | { kind: 'changes-requested'; by: string; decisionId: string };
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
 * Actions are due at the next review: the unit's next scheduled review after the minutes are written (a
 * review closed late must not get actions that are already overdue), or the start of the next period
 * when the schedule is not a cron expression.
 */
export function nextReviewDate(unit: Pick<BusinessUnitConfig, 'reviewSchedule' | 'timeZone'>, period: string, closedAt: string): string {
  const fallback = periodStart(nextPeriod(period));
  if (!unit.reviewSchedule.startsWith('cron(')) return fallback;
  const at = nextFire(unit.reviewSchedule, unit.timeZone, new Date(closedAt));
  if (!at) return fallback;
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: unit.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  return day > fallback ? day : fallback;
}

/** Deterministic: the same review, pack and decisions give the same minutes and action ids, so a retried close creates nothing twice. */
export function buildMinutes(args: {
  unit: Pick<BusinessUnitConfig, 'id' | 'name' | 'ismsManager' | 'actionOwner' | 'reviewSchedule' | 'timeZone'>;
  review: Pick<ReviewItem, 'reviewId' | 'period' | 'openedAt' | 'members' | 'requiredApprovals'>;
  pack: ReviewPack;
  decisions: DecisionRecord[];
  outcome: ReviewOutcome;
  closedAt: string;
}): Minutes {
  const { review, pack, unit } = args;
  const byId = new Map(args.decisions.filter((d) => d.subjectType === 'review').map((d) => [d.decisionId, d]));
  const members: MinutesMember[] = review.members.map((m) => {
    const d = m.decisionId ? byId.get(m.decisionId) : undefined;
    return {
      name: m.name,
      role: m.role,
      chair: Boolean(m.chair),
      ...(d ? { decision: { choice: d.choice, comment: d.comment ?? '', decidedAt: d.decidedAt, resourceAdequacy: d.resourceAdequacy ?? {} } } : {}),
    };
  });
  const adequacy = RESOURCE_CATEGORIES.map((category) => ({
    category,
    adequate: members.filter((m) => m.decision?.resourceAdequacy[category] === 'adequate').map((m) => m.name),
    inadequate: members.filter((m) => m.decision?.resourceAdequacy[category] === 'inadequate').map((m) => m.name),
    notAssessed: members.filter((m) => !m.decision?.resourceAdequacy[category]).map((m) => m.name),
  }));
  const owner = unit.actionOwner ?? unit.ismsManager;
  const dueDate = nextReviewDate(unit, review.period, args.closedAt);
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
    });
  });
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
  if (pack.openActions.length) decisions.push(`${pack.openActions.length} open action${pack.openActions.length === 1 ? '' : 's'} from earlier reviews carried forward.`);
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
    members,
    inputsPresented: pack.sections,
    adequacy,
    decisions,
    actions,
  };
}


export function minutesTitle(m: Pick<Minutes, 'unitName' | 'period'>): string {
  return `Minutes of the management review ${m.period}: ${m.unitName}`;
}

function sectionHtml(s: PackSection): SafeHtml {
  return html`<section><h3>${s.clause} ${s.heading}</h3>${s.blocks.map(
    (b) => html`${b.label ? html`<h4>${b.label}</h4>` : ''}<ul>${b.lines.map((l) => html`<li>${l}</li>`)}</ul>`,
  )}</section>`;
}

/** The minutes as an HTML document (stored and emailed); every value is escaped. */
export function renderMinutesHtml(m: Minutes): string {
  const memberRow = (x: MinutesMember) => html`<tr><td>${x.name}${x.chair ? ' (chair)' : ''}</td><td>${x.role}</td><td>${
    x.decision ? DECIDED[x.decision.choice] : 'no decision'
  }</td><td>${x.decision?.decidedAt ?? ''}</td><td>${x.decision?.comment ?? ''}</td></tr>`;
  const adequacyRow = (a: Minutes['adequacy'][number]) =>
    html`<tr><td>${CATEGORY_LABELS[a.category]}</td><td>${a.adequate.join(', ') || '-'}</td><td>${a.inadequate.join(', ') || '-'}</td><td>${
      a.notAssessed.join(', ') || '-'
    }</td></tr>`;
  const actionRow = (a: MinutesAction) => html`<tr><td>${a.actionId}</td><td>${a.title}<br>${a.detail}</td><td>${a.owner.name} &lt;${a.owner.email}&gt;</td><td>${a.dueDate}</td></tr>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${minutesTitle(m)}</title></head>
<body><main>
<h1>${minutesTitle(m)}</h1>
<dl>
<dt>Business unit</dt><dd>${m.unitName} (${m.bu})</dd>
<dt>Period</dt><dd>${m.period}</dd>
<dt>Opened</dt><dd>${m.openedAt}</dd>
<dt>Pack compiled</dt><dd>${m.packCompiledAt}</dd>
<dt>Closed</dt><dd>${m.closedAt}</dd>
<dt>Outcome</dt><dd>${OUTCOME_TEXT[m.outcome]}</dd>
</dl>
<h2>Decisions of top management</h2>
<table><thead><tr><th>Member</th><th>Role</th><th>Decision</th><th>Time</th><th>Comment</th></tr></thead><tbody>${m.members.map(memberRow)}</tbody></table>
<h2>Decisions</h2>
<ul>${m.decisions.map((d) => html`<li>${d}</li>`)}</ul>
<h2>Resource adequacy (5.1 c, 7.1)</h2>
<table><thead><tr><th>Category</th><th>Adequate</th><th>Inadequate</th><th>Not assessed</th></tr></thead><tbody>${m.adequacy.map(adequacyRow)}</tbody></table>
<h2>Actions</h2>
${m.actions.length ? html`<table><thead><tr><th>Id</th><th>Action</th><th>Owner</th><th>Due</th></tr></thead><tbody>${m.actions.map(actionRow)}</tbody></table>` : html`<p>No new actions.</p>`}
<h2>Inputs presented (9.3.2)</h2>
${m.inputsPresented.map(sectionHtml)}
</main></body></html>
`.value;
}

export function renderMinutesText(m: Minutes): string {
  const lines: string[] = [minutesTitle(m), ''];
  lines.push(`Business unit: ${m.unitName} (${m.bu})`, `Period: ${m.period}`, `Opened: ${m.openedAt}`, `Pack compiled: ${m.packCompiledAt}`, `Closed: ${m.closedAt}`);
  lines.push(`Outcome: ${OUTCOME_TEXT[m.outcome]}`, '', 'DECISIONS OF TOP MANAGEMENT');
  for (const x of m.members) {
    const d = x.decision;
    lines.push(`- ${x.name}${x.chair ? ' (chair)' : ''}, ${x.role}: ${d ? `${DECIDED[d.choice]} at ${d.decidedAt}` : 'no decision'}`);
    if (d?.comment) lines.push(`  Comment: ${d.comment}`);
  }
  lines.push('', 'DECISIONS', ...m.decisions.map((d) => `- ${d}`), '', 'RESOURCE ADEQUACY');
  for (const a of m.adequacy) {
    lines.push(`- ${CATEGORY_LABELS[a.category]}: adequate: ${a.adequate.join(', ') || '-'}; inadequate: ${a.inadequate.join(', ') || '-'}; not assessed: ${a.notAssessed.join(', ') || '-'}`);
  }
  lines.push('', 'ACTIONS');
  if (!m.actions.length) lines.push('No new actions.');
  for (const a of m.actions) lines.push(`- ${a.actionId}: ${a.title}. ${a.detail} Owner: ${a.owner.name} <${a.owner.email}>. Due: ${a.dueDate}.`);
  lines.push('', 'INPUTS PRESENTED (9.3.2)');
  for (const s of m.inputsPresented) {
    lines.push(`${s.clause} ${s.heading}`);
    for (const b of s.blocks) {
      if (b.label) lines.push(`  ${b.label}:`);
      for (const l of b.lines) lines.push(`  - ${l}`);
    }
  }
  return `${lines.join('\n')}\n`;
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
  };
}

export function actionSummary(item: ActionSummary): ActionSummary {
  const { actionId, title, detail, owner, dueDate, period, status, requestIds } = item;
  return { actionId, title, detail, owner, dueDate, period, status, ...(requestIds?.length ? { requestIds } : {}) };
}
