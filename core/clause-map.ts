// Which requirement of ISO/IEC 27001:2022 the system holds evidence for, and where in the report it is; plainly
// "not covered by this system" where it holds none. One table: a new kind of evidence (policy approvals, objectives)
// changes its row here and nowhere else. Requirements are paraphrased, not quoted.
import { formatUtc } from './format';
import type { UnitReport } from './report-model';
import { approvedOf, type PolicySubmissionView } from './report-policy';

export type Coverage = 'evidence' | 'partly' | 'none' | 'not covered';

export interface ClauseRow {
  clause: string;
  requirement: string;
  coverage: Coverage;
  /** What the system holds in the range, with counts; or what to ask for elsewhere. */
  evidence: string;
  /** Anchors of the report's sections that hold the records (without "#"). */
  links: Array<{ anchor: string; text: string }>;
}

export const NOT_COVERED = 'not covered by this system';

type Section = 'summary' | 'reviews' | 'requests' | 'actions' | 'policy';

/** Reports of one unit or several; the anchors are the unit's (`<prefix>reviews`, `<prefix>requests` ...). */
interface ClauseContext {
  reports: UnitReport[];
  anchor: (report: UnitReport, section: Section) => string;
}

type RowDef = { clause: string; requirement: string; evaluate: (c: ClauseContext) => Omit<ClauseRow, 'clause' | 'requirement'> };

const sum = (c: ClauseContext, f: (r: UnitReport) => number) => c.reports.reduce((n, r) => n + f(r), 0);
const links = (c: ClauseContext, section: Section, text: string, only?: (r: UnitReport) => boolean) =>
  c.reports
    .filter((r) => !only || only(r))
    .map((r) => ({ anchor: c.anchor(r, section), text: c.reports.length > 1 ? `${text} (${r.unit.id})` : text }));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const notCovered = (askFor: string) => ({ coverage: 'not covered' as const, evidence: `${NOT_COVERED}; ${askFor}`, links: [] });

const hasPolicy = (r: UnitReport) => r.policy.submissions.length > 0;
const unitPrefix = (c: ClauseContext, r: UnitReport) => (c.reports.length > 1 ? `${r.unit.id}: ` : '');

/** "version 1.0 approved 2026-03-02 by 2 of 2 required": what an approved (or pending, or returned) submission is. */
function submissionText(s: PolicySubmissionView): string {
  const at = s.closedAt ? ` ${formatUtc(s.closedAt)}` : '';
  return s.status === 'approved'
    ? `version ${s.version} approved${at}${s.beforeRange ? ' (before this range, in force in it)' : ''} by ${s.approvals} of ${s.requiredApprovals} required (quorum reached)`
    : `version ${s.version} ${s.status}${at} (${s.approvals} of ${s.requiredApprovals} approvals)`;
}

/** Per unit: the approved version of `kind` (else the latest submission), or that there is none in the range. */
function kindText(c: ClauseContext, r: UnitReport, kind: 'policy' | 'objectives'): string | undefined {
  const approved = approvedOf(r.policy, kind);
  const last = r.policy.submissions.filter((s) => s.documentKind === kind).at(-1);
  const s = approved ?? last;
  if (!s) return undefined;
  return `${unitPrefix(c, r)}${s.label} ${submissionText(s)}`;
}

/**
 * The rows backed by the policy-approval workflow: "evidence" when every unit has what `complete` asks, "partly" when
 * some submission exists, and plainly "not covered" (with what to ask for) when no unit has any in the range.
 */
function policyRow(
  askFor: string,
  describe: (c: ClauseContext, r: UnitReport) => string[],
  complete: (r: UnitReport) => boolean,
): RowDef['evaluate'] {
  return (c) => {
    if (!c.reports.some(hasPolicy))
      return {
        coverage: 'not covered',
        evidence: `${NOT_COVERED} in this range (no policy or objectives submitted through isms policy submit or isms objectives submit); ${askFor}`,
        links: [],
      };
    const lines = c.reports.flatMap((r) => describe(c, r));
    return {
      coverage: c.reports.every(complete) ? 'evidence' : 'partly',
      evidence: lines.join('; '),
      links: links(c, 'policy', 'policy and objectives', hasPolicy),
    };
  };
}

/** Reviews held, with how many of them had inputs in the part `get` reads. */
function inputRow(clause: string, what: string): RowDef['evaluate'] {
  return (c) => {
    const reviews = c.reports.flatMap((r) => r.reviews);
    const withInputs = reviews.filter((r) =>
      r.inputs.some((s) => s.clause === clause && s.blocks.some((b) => b.lines.some((l) => l.trim() !== ''))),
    ).length;
    if (!reviews.length) return { coverage: 'none', evidence: `no management review in this range, so no ${what} presented`, links: [] };
    return {
      coverage: withInputs === reviews.length ? 'evidence' : withInputs ? 'partly' : 'none',
      evidence: `${what} presented in the pack of ${withInputs} of ${plural(reviews.length, 'review')}, as submitted (who and when with each review)`,
      links: links(c, 'reviews', 'reviews'),
    };
  };
}

export const CLAUSE_ROWS: readonly RowDef[] = [
  {
    clause: '5.1 a)',
    requirement: 'Information security policy and objectives established and compatible with the strategic direction',
    evaluate: policyRow(
      'ask for the approved policy and objectives and the record of their approval',
      (c, r) => {
        const parts = (['policy', 'objectives'] as const).map((k) => kindText(c, r, k)).filter((x): x is string => Boolean(x));
        const missing = (['policy', 'objectives'] as const).filter((k) => !approvedOf(r.policy, k));
        return [
          ...parts,
          ...(hasPolicy(r) && missing.length ? [`${unitPrefix(c, r)}no approved ${missing.join(' or ')} in the range: ask for it`] : []),
        ];
      },
      (r) => Boolean(approvedOf(r.policy, 'policy') && approvedOf(r.policy, 'objectives')),
    ),
  },
  {
    clause: '5.1 b)',
    requirement: "ISMS requirements integrated into the organization's processes",
    evaluate: () => notCovered('ask for process documentation and how ISMS requirements are built into it'),
  },
  {
    clause: '5.1 c)',
    requirement: 'Resources needed for the ISMS are available',
    evaluate: (c) => {
      const requests = sum(c, (r) => r.summary.requests);
      const judgements = sum(c, (r) => r.reviews.reduce((n, v) => n + v.members.filter((m) => m.decision).length, 0));
      return {
        coverage: requests || judgements ? 'evidence' : 'none',
        evidence: `${plural(requests, 'resource request')} decided level by level; resource adequacy judged per category by members in ${plural(judgements, 'review decision')}`,
        links: [...links(c, 'requests', 'requests'), ...links(c, 'reviews', 'adequacy judgements')],
      };
    },
  },
  {
    clause: '5.1 d)',
    requirement: 'Importance of effective information security management communicated',
    evaluate: (c) => {
      const sent = sum(c, (r) => r.summary.emailsSent);
      return {
        coverage: sent ? 'partly' : 'none',
        evidence: `${plural(sent, 'email')} (review packs, reminders, minutes, approval requests) sent to top management and approvers, each copy recorded; communication beyond these is ${NOT_COVERED}`,
        links: links(c, 'reviews', 'reviews'),
      };
    },
  },
  {
    clause: '5.1 e)',
    requirement: 'The ISMS achieves its intended outcomes',
    evaluate: (c) => {
      const held = sum(c, (r) => r.summary.reviewsHeld);
      const due = sum(c, (r) => r.summary.reviewsDue);
      return {
        coverage: held ? 'partly' : 'none',
        evidence: `${held} of ${plural(due, 'management review')} due held, each with its outcome and the performance inputs (9.3.2 d); whether outcomes are achieved is judged there, measurement itself is ${NOT_COVERED}`,
        links: links(c, 'reviews', 'reviews'),
      };
    },
  },
  {
    clause: '5.1 f)',
    requirement: 'Persons directed and supported to contribute to the effectiveness of the ISMS',
    evaluate: (c) => {
      const actions = sum(c, (r) => r.actions.length);
      return {
        coverage: actions ? 'partly' : 'none',
        evidence: `${plural(actions, 'action')} from reviews, each with an owner, a due date, its status and closing note; other direction of staff is ${NOT_COVERED}`,
        links: links(c, 'actions', 'actions'),
      };
    },
  },
  {
    clause: '5.1 g)',
    requirement: 'Continual improvement promoted',
    evaluate: (c) => {
      const closed = sum(c, (r) => r.summary.actionsClosed);
      const opened = sum(c, (r) => r.summary.actionsOpened);
      const reviews = c.reports.flatMap((r) => r.reviews);
      const withG = reviews.filter((r) => r.inputs.some((s) => s.clause === '9.3.2 g)' && s.blocks.some((b) => b.lines.length))).length;
      return {
        coverage: opened || closed || withG ? 'evidence' : 'none',
        evidence: `improvement opportunities (9.3.2 g) presented in ${withG} of ${plural(reviews.length, 'review')}; ${opened} actions opened and ${closed} closed in the range`,
        links: [...links(c, 'reviews', 'reviews'), ...links(c, 'actions', 'actions')],
      };
    },
  },
  {
    clause: '5.1 h)',
    requirement: 'Other relevant management roles supported to demonstrate their leadership',
    evaluate: (c) => {
      const levels = sum(c, (r) => r.requests.reduce((n, q) => n + q.levels.filter((l) => l.decidedAt).length, 0));
      return {
        coverage: levels ? 'partly' : 'none',
        evidence: `${plural(levels, 'approval')} given by managers at their level of authority on resource requests; other support of management roles is ${NOT_COVERED}`,
        links: links(c, 'requests', 'requests'),
      };
    },
  },
  {
    clause: '5.2',
    requirement: 'Information security policy established by top management',
    evaluate: policyRow(
      'ask for the policy document and the record of its approval and communication',
      (c, r) => {
        const p = approvedOf(r.policy, 'policy');
        if (!p) {
          const t = kindText(c, r, 'policy');
          return t ? [t] : hasPolicy(r) ? [`${unitPrefix(c, r)}no policy submitted in the range: ask for the policy in force`] : [];
        }
        const re = p.reconfirmation;
        return [
          `${unitPrefix(c, r)}${p.label} ${submissionText(p)}, SHA-256 ${p.sha256}`,
          p.communicated
            ? `communicated ${formatUtc(p.communicated.at)} to ${plural(p.communicated.recipients.length, 'address', 'addresses')}`
            : 'not communicated yet',
          ...(re
            ? [
                `re-confirmation due ${formatUtc(re.dueAt)}${re.state === 'overdue' ? ' (OVERDUE)' : re.state === 'due' ? ' (due soon)' : ''}`,
              ]
            : []),
        ];
      },
      (r) => Boolean(approvedOf(r.policy, 'policy')?.communicated),
    ),
  },
  {
    clause: '6.2',
    requirement: 'Information security objectives established and plans to achieve them',
    evaluate: policyRow(
      'ask for the objectives, their plans and how they are measured',
      (c, r) => {
        const o = approvedOf(r.policy, 'objectives');
        if (!o) {
          const t = kindText(c, r, 'objectives');
          return t
            ? [t]
            : hasPolicy(r)
              ? [`${unitPrefix(c, r)}no objectives submitted in the range: ask for the objectives and their plans`]
              : [];
        }
        const list = o.objectives ?? [];
        const measured = list.filter((x) => x.latest).length;
        return [
          `${unitPrefix(c, r)}${o.label} ${submissionText(o)}: ${plural(list.length, 'objective')}, each with measure, target, owner and due date; ${measured} with a recorded measurement, ${plural(r.policy.measurements, 'measurement')} in the range`,
        ];
      },
      (r) => {
        const o = approvedOf(r.policy, 'objectives');
        return Boolean(o?.objectives?.length && o.objectives.every((x) => x.latest));
      },
    ),
  },
  {
    clause: '7.1',
    requirement: 'Resources needed for the ISMS determined and provided',
    evaluate: (c) => {
      const approved = sum(c, (r) => r.summary.requestsByCategory.filter((g) => g.outcome === 'approved').reduce((n, g) => n + g.count, 0));
      const requests = sum(c, (r) => r.summary.requests);
      return {
        coverage: requests ? 'evidence' : 'none',
        evidence: `${plural(requests, 'resource request')} in the range, ${approved} approved; amounts by category and outcome in the summary; adequacy of each category judged in every review decision`,
        links: [...links(c, 'summary', 'summary'), ...links(c, 'requests', 'requests')],
      };
    },
  },
  {
    clause: '9.3.1',
    requirement: 'Top management reviews the ISMS at planned intervals',
    evaluate: (c) => {
      const due = sum(c, (r) => r.summary.reviewsDue);
      const held = sum(c, (r) => r.summary.reviewsHeld);
      const onTime = sum(c, (r) => r.summary.reviewsHeldOnTime);
      const notHeld = sum(c, (r) => r.summary.reviewsNotHeld);
      return {
        coverage: due && held === due ? 'evidence' : held ? 'partly' : 'none',
        evidence: `${plural(due, 'review')} due by the schedule, ${held} held (${onTime} on time), ${notHeld} not held; every member's decision with its time`,
        links: [...links(c, 'summary', 'summary'), ...links(c, 'reviews', 'reviews')],
      };
    },
  },
  {
    clause: '9.3.2 a)',
    requirement: 'Input: status of actions from previous management reviews',
    evaluate: inputRow('9.3.2 a)', 'open actions from earlier reviews'),
  },
  {
    clause: '9.3.2 b)',
    requirement: 'Input: changes in external and internal issues',
    evaluate: inputRow('9.3.2 b)', 'changes in issues'),
  },
  {
    clause: '9.3.2 c)',
    requirement: 'Input: changes in needs and expectations of interested parties',
    evaluate: inputRow('9.3.2 c)', 'needs and expectations of interested parties'),
  },
  {
    clause: '9.3.2 d)',
    requirement: 'Input: information security performance (nonconformities, monitoring, audits, objectives)',
    evaluate: (c) => {
      const row = inputRow('9.3.2 d)', 'performance information')(c);
      const reviews = c.reports.flatMap((r) => r.reviews);
      const withObjectives = reviews.filter((r) => r.packObjectives).length;
      if (!withObjectives) return row;
      return {
        ...row,
        evidence: `${row.evidence}; approved objectives with their latest status reported in the pack of ${withObjectives} of ${plural(reviews.length, 'review')}`,
        links: [...row.links, ...links(c, 'policy', 'objectives', hasPolicy)],
      };
    },
  },
  { clause: '9.3.2 e)', requirement: 'Input: feedback from interested parties', evaluate: inputRow('9.3.2 e)', 'feedback') },
  {
    clause: '9.3.2 f)',
    requirement: 'Input: results of risk assessment and status of the risk treatment plan',
    evaluate: inputRow('9.3.2 f)', 'risk assessment and treatment status'),
  },
  {
    clause: '9.3.2 g)',
    requirement: 'Input: opportunities for continual improvement',
    evaluate: inputRow('9.3.2 g)', 'improvement opportunities'),
  },
  {
    clause: '9.3.3',
    requirement: 'Results: decisions on improvement and changes, retained as documented information',
    evaluate: (c) => {
      const minutes = c.reports.reduce((n, r) => n + r.reviews.filter((v) => v.minutes).length, 0);
      const actions = sum(c, (r) => r.actions.length);
      return {
        coverage: minutes ? 'evidence' : 'none',
        evidence: `${plural(minutes, 'set')} of minutes with the decisions taken; ${plural(actions, 'action')} with owner and due date; every record kept append-only`,
        links: [...links(c, 'reviews', 'minutes'), ...links(c, 'actions', 'actions')],
      };
    },
  },
];

export function clauseMap(c: ClauseContext): ClauseRow[] {
  return CLAUSE_ROWS.map((row) => ({ clause: row.clause, requirement: row.requirement, ...row.evaluate(c) }));
}
