// The review pack (9.3.2 a-g, resource requests, the adequacy question per category) and its short summary. No AWS here.
import { CATEGORY_LABELS, RESOURCE_CATEGORIES, type BusinessUnitConfig, type Person, type ResourceCategory } from './unit';
import { clip } from './text';
import { formatMoney } from './format';
import { reviewIdOf } from './period';
import { INPUT_PARTS, type ReviewInputs } from './review-inputs';
import type { RequestItem } from './subjects';

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
  /** The approved objectives the action serves. */
  objectiveIds?: string[];
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
  /** The approved objectives when the pack was compiled, each with its latest measurement (9.3.2 d, 6.2). */
  objectives?: CurrentObjectives;
}

/** The current objectives version and each objective's latest recorded status and value. */
export interface CurrentObjectives {
  version: string;
  approvedAt: string;
  objectives: Array<{
    id: string;
    text: string;
    target: string;
    due: string;
    latest?: { status: string; value: string; recordedAt: string };
  }>;
}

/** One line per objective: "OBJ-1 Patch fast (target <= 7 days, due 2027-06-30): at-risk, 9 days (measured 2026-11-30)". */
export function objectiveLine(o: CurrentObjectives['objectives'][number]): string {
  const latest = o.latest
    ? `${o.latest.status}, ${o.latest.value} (measured ${o.latest.recordedAt.slice(0, 10)})`
    : 'no measurement recorded';
  return `${o.id} ${o.text} (target ${o.target}, due ${o.due}): ${latest}`;
}

export const NO_INPUT = 'No input submitted.';
export const NOTHING_REPORTED = 'Nothing reported.';

export function adequacyQuestion(category: ResourceCategory): string {
  return `Are the ${CATEGORY_LABELS[category].toLowerCase()} resources the ISMS needs adequate and available?`;
}

export function requestLine(r: RequestSummary): string {
  return `${r.title} (${CATEGORY_LABELS[r.category].toLowerCase()}, ${formatMoney(r.amount, r.currency)}, ${r.requester}): ${r.status}`;
}

export function actionLine(a: ActionSummary): string {
  const requests = a.requestIds?.length ? `; requests ${a.requestIds.join(', ')}` : '';
  const objectives = a.objectiveIds?.length ? `; objective ${a.objectiveIds.join(', ')}` : '';
  return `${a.title} (from ${a.period}; owner ${a.owner.name}; due ${a.dueDate}${requests}${objectives})`;
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
  objectives?: CurrentObjectives;
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
    sections.push({
      clause: part.clause,
      heading: part.heading,
      blocks,
      empty: part.parts.every((p) => p.get(inputs.inputs).length === 0),
    });
  }
  // 9.3.2 d) fulfilment of objectives: what top management approved, and where each stands by its latest measurement.
  // Only once objectives were approved: a unit that keeps its objectives elsewhere sees the pack as before.
  const performance = sections.find((s) => s.clause === '9.3.2 d)');
  const o = args.objectives;
  if (performance && o) {
    performance.blocks.push({
      label: `Approved objectives (version ${o.version}, approved ${o.approvedAt.slice(0, 10)}): latest status`,
      lines: o.objectives.length ? o.objectives.map(objectiveLine) : ['No objectives.'],
    });
    if (o.objectives.length) performance.empty = false;
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
      return {
        label: CATEGORY_LABELS[c],
        lines: [
          `${adequacyQuestion(c)} (${n} resource request${n === 1 ? '' : 's'} in this category ${args.since ? 'since the last review' : 'so far'})`,
        ],
      };
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
    ...(args.objectives ? { objectives: args.objectives } : {}),
  };
}

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

export function actionSummary(item: ActionSummary): ActionSummary {
  const { actionId, title, detail, owner, dueDate, period, status, requestIds, objectiveIds } = item;
  return {
    actionId,
    title,
    detail,
    owner,
    dueDate,
    period,
    status,
    ...(requestIds?.length ? { requestIds } : {}),
    ...(objectiveIds?.length ? { objectiveIds } : {}),
  };
}
