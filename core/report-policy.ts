// The policy and objectives evidence of a report's range (5.1 a, 5.2, 6.2): each submission with its fingerprint,
// decisions, outcome, communication and re-confirmation, and each objective's latest measurement. Read from the evidence
// export's POLICY# and OBJECTIVE# partitions and events only; no AWS, no fs.
import { DECIDED, type Choice } from './decisions';
import { DOCUMENT_LABELS, reconfirmationDue, reconfirmationState, type DocumentKind, type ReconfirmationState } from './policy';
import { deliveryOf, type DeliveryLine } from './report-delivery';

// biome-ignore lint/suspicious/noExplicitAny: items read back from the table; each field is read defensively, as found
type Item = Record<string, any>;

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const opt = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : str(v));

export interface PolicyDecisionView {
  name: string;
  email: string;
  choiceText: string;
  decidedAt: string;
  comment: string;
  actingFor?: string;
  fingerprint?: string;
}

export interface PolicyMemberView {
  name: string;
  email: string;
  role: string;
  decision?: PolicyDecisionView;
  delivery: DeliveryLine[];
}

export interface ObjectiveView {
  id: string;
  text: string;
  measure: string;
  target: string;
  owner: string;
  due: string;
  /** The latest measurement recorded by the end of the range. */
  latest?: { status: string; value: string; note: string; recordedAt: string; recordedBy: string };
  /** Measurements recorded in the range. */
  measurements: number;
}

export interface PolicySubmissionView {
  submissionId: string;
  documentKind: DocumentKind | string;
  /** "information security policy" / "... objectives". */
  label: string;
  version: string;
  summary: string;
  format: string;
  fileName: string;
  bytes: number;
  sha256: string;
  submitter: string;
  submittedBy?: string;
  submittedAt: string;
  status: string;
  closedAt?: string;
  requiredApprovals: number;
  approvals: number;
  quorumReached: boolean;
  members: PolicyMemberView[];
  excluded: Array<{ email: string; reason: string }>;
  communicated?: { at: string; recipients: string[] };
  /** For an approved version: when it is due for re-confirmation and its state when the report was made (a recorded overdue stays overdue). */
  reconfirmation?: { dueAt: string; state: ReconfirmationState; overdueRecordedAt?: string; dueRecordedAt?: string };
  objectives?: ObjectiveView[];
  /** Approved before the range and still the version in force in it (its partition read beside the export's). */
  beforeRange?: boolean;
}

export interface PolicyReport {
  /** Oldest first. */
  submissions: PolicySubmissionView[];
  /** Measurements of objectives recorded in the range. */
  measurements: number;
}

function actingForText(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'object') {
    const p = v as Item;
    return p.email ? `${str(p.name)} <${str(p.email)}>` : str(p.name) || JSON.stringify(v);
  }
  return str(v);
}

/**
 * The policy and objectives evidence of the export. `inRange` says whether a time is in the report's months; `rangeEnd`
 * bounds "latest" measurements; `policyReviewInterval` (the unit's) gives the re-confirmation date when the check recorded none.
 */
export function buildPolicyReport(args: {
  events: Item[];
  subjects: Record<string, Item[]>;
  /** Whole partitions (events included) of versions approved before the range and in force in it. */
  inForce?: Record<string, Item[]>;
  inRange: (iso: string | undefined) => boolean;
  rangeEnd: string;
  now: Date;
  policyReviewInterval?: string;
}): PolicyReport {
  const progress = Object.values(args.subjects)
    .flat()
    .filter((i) => i.kind === 'objective-progress' && str(i.recordedAt) <= args.rangeEnd);
  const submissions: PolicySubmissionView[] = [];
  const before = Object.entries(args.inForce ?? {}).filter(([pk]) => !(pk in args.subjects));
  const partitions: Array<[string, Item[], boolean]> = [
    ...Object.entries(args.subjects).map(([pk, items]): [string, Item[], boolean] => [pk, items, false]),
    ...before.map(([pk, items]): [string, Item[], boolean] => [pk, items.filter((i) => i.kind !== 'event'), true]),
  ];
  const allEvents = [...args.events, ...before.flatMap(([, items]) => items.filter((i) => i.kind === 'event'))];
  for (const [pk, items, beforeRange] of partitions) {
    const p = items.find((i) => i.kind === 'policy');
    if (!p) continue;
    const events = allEvents.filter((e) => e.subject === pk);
    const byDecision = new Map(items.filter((i) => i.kind === 'decision').map((d) => [str(d.decisionId), d]));
    const members: PolicyMemberView[] = ((p.members ?? []) as Item[]).map((m) => {
      const d = m.decisionId ? byDecision.get(str(m.decisionId)) : undefined;
      return {
        name: str(m.name),
        email: str(m.email),
        role: str(m.role),
        decision: d
          ? {
              name: str(d.recipient?.name),
              email: str(d.recipient?.email),
              choiceText: DECIDED[d.choice as Choice] ?? str(d.choice),
              decidedAt: str(d.decidedAt),
              comment: str(d.comment),
              actingFor: actingForText(d.actingFor),
              fingerprint: opt(d.fingerprint),
            }
          : undefined,
        delivery: deliveryOf(allEvents, pk, str(m.email)),
      };
    });
    const approvals = members.filter((m) => m.decision?.choiceText === DECIDED.approve).length;
    const required = Number(p.requiredApprovals) || 0;
    const communicated = events.find((e) => e.type === 'policy.communicated');
    const overdue = events.find((e) => e.type === 'policy.reconfirmation-overdue');
    const dueEvent = events.find((e) => e.type === 'policy.reconfirmation-due');
    const status = str(p.status);
    let reconfirmation: PolicySubmissionView['reconfirmation'];
    if (status === 'approved' && p.closedAt) {
      const dueAt =
        opt(overdue?.detail?.dueAt) ??
        opt(dueEvent?.detail?.dueAt) ??
        reconfirmationDue({ policyReviewInterval: args.policyReviewInterval }, str(p.closedAt));
      reconfirmation = {
        dueAt,
        // Overdue once recorded stays overdue for this version (as `policy status` says): the record is what the check saw.
        state: overdue ? 'overdue' : reconfirmationState(str(p.closedAt), dueAt, args.now),
        ...(overdue ? { overdueRecordedAt: str(overdue.at) } : {}),
        ...(dueEvent ? { dueRecordedAt: str(dueEvent.at) } : {}),
      };
    }
    const objectives = Array.isArray(p.objectives)
      ? (p.objectives as Item[]).map((o) => {
          const mine = progress
            .filter((x) => x.objectiveId === o.id && (!x.version || x.version === p.version))
            .sort((a, b) => str(a.recordedAt).localeCompare(str(b.recordedAt)));
          const latest = mine.at(-1);
          return {
            id: str(o.id),
            text: str(o.text),
            measure: str(o.measure),
            target: str(o.target),
            owner: str(o.owner),
            due: str(o.due),
            latest: latest
              ? {
                  status: str(latest.status),
                  value: str(latest.value),
                  note: str(latest.note),
                  recordedAt: str(latest.recordedAt),
                  recordedBy: str(latest.recordedBy),
                }
              : undefined,
            measurements: mine.filter((x) => args.inRange(str(x.recordedAt))).length,
          };
        })
      : undefined;
    const kind = str(p.documentKind);
    submissions.push({
      submissionId: str(p.submissionId),
      documentKind: kind,
      label: DOCUMENT_LABELS[kind as DocumentKind] ?? kind,
      version: str(p.version),
      summary: str(p.summary),
      format: str(p.format),
      fileName: str(p.fileName),
      bytes: Number(p.bytes) || 0,
      sha256: str(p.sha256),
      submitter: str(p.submitter),
      submittedBy: opt(p.submittedBy),
      submittedAt: str(p.submittedAt),
      status,
      closedAt: opt(p.closedAt),
      requiredApprovals: required,
      approvals,
      quorumReached: required > 0 && approvals >= required,
      members,
      excluded: Array.isArray(p.excluded) ? (p.excluded as Item[]).map((x) => ({ email: str(x.email), reason: str(x.reason) })) : [],
      ...(communicated
        ? {
            communicated: {
              at: str(communicated.at),
              recipients: ((communicated.detail?.recipients ?? []) as Item[]).map((r) => str(r.to)),
            },
          }
        : {}),
      ...(reconfirmation ? { reconfirmation } : {}),
      ...(objectives ? { objectives } : {}),
      ...(beforeRange ? { beforeRange } : {}),
    });
  }
  submissions.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt) || a.submissionId.localeCompare(b.submissionId));
  return { submissions, measurements: progress.filter((x) => args.inRange(str(x.recordedAt))).length };
}

/** The approved submission of a kind approved last in the report (the version in force at its end). */
export function approvedOf(report: PolicyReport, kind: DocumentKind): PolicySubmissionView | undefined {
  return report.submissions
    .filter((s) => s.documentKind === kind && s.status === 'approved' && s.closedAt)
    .sort((a, b) => str(a.closedAt).localeCompare(str(b.closedAt)))
    .at(-1);
}
