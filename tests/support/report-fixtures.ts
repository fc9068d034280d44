// Evidence as the evidence export returns it, built by hand: fixed data for the report's pure tests and generated data for its bench.
import type { EvidenceData, Item, ReportSource } from '../../core/report-model';

export const UNIT = { id: 'emea', name: 'EMEA', timeZone: 'Europe/Berlin', reviewSchedule: 'cron(0 9 1 1,4,7,10 ? *)' };

const member = (name: string, i: number, decisionId?: string, invitedAt?: string) => ({
  name,
  email: `${name.toLowerCase()}@example.com`,
  role: i === 0 ? 'Managing Director' : 'Director',
  chair: i === 0,
  ...(decisionId ? { decisionId } : {}),
  ...(invitedAt ? { invitedAt } : {}),
});

export interface ReviewSpec {
  period: string;
  openedAt: string;
  status: string;
  required?: number;
  /** One per member, in order: [choice, decidedAt, adequacy] or undefined when the member did not decide. */
  decisions: Array<
    | {
        choice: 'approve' | 'request-changes';
        at: string;
        comment?: string;
        adequacy?: Record<string, string>;
        actingFor?: unknown;
        fingerprint?: string;
      }
    | undefined
  >;
  remindersSent?: number;
  escalatedAt?: string;
  closedAt?: string;
  inputs?: { submittedAt: string; submittedBy: string; text: string };
  actions?: Array<{ n: number; title: string; dueDate: string; closedAt?: string; note?: string; requestIds?: string[] }>;
}

export interface RequestSpec {
  requestId: string;
  category: string;
  amount: number;
  currency?: string;
  title?: string;
  submittedAt: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  closedAt?: string;
  levels: Array<{ approver: string; choice?: 'approve' | 'reject'; at?: string; comment?: string; actingFor?: unknown }>;
  escalations?: number;
  remindersSent?: number;
}

const NAMES = ['Clara', 'Farid', 'Mia'];

export function reviewItems(bu: string, r: ReviewSpec): { pk: string; items: Item[]; events: Item[]; actions: Item[] } {
  const reviewId = `${bu}#${r.period}`;
  const pk = `REVIEW#${reviewId}`;
  const decisions: Item[] = [];
  const members = r.decisions.map((d, i) => {
    const decisionId = `${r.period}-d${i}`;
    if (d)
      decisions.push({
        pk,
        sk: `DECISION#${decisionId}`,
        kind: 'decision',
        decisionId,
        subjectType: 'review',
        subjectId: reviewId,
        recipient: { name: NAMES[i], email: `${NAMES[i].toLowerCase()}@example.com` },
        choice: d.choice,
        comment: d.comment ?? '',
        resourceAdequacy: d.adequacy ?? {},
        decidedAt: d.at,
        ...(d.actingFor ? { actingFor: d.actingFor } : {}),
        ...(d.fingerprint ? { fingerprint: d.fingerprint } : {}),
      });
    return member(NAMES[i], i, decisionId, r.openedAt);
  });
  const items: Item[] = [
    {
      pk,
      sk: 'REVIEW',
      kind: 'review',
      reviewId,
      bu,
      period: r.period,
      status: r.status,
      openedAt: r.openedAt,
      requiredApprovals: r.required ?? 2,
      members,
      ...(r.remindersSent ? { remindersSent: r.remindersSent } : {}),
      ...(r.escalatedAt ? { escalatedAt: r.escalatedAt } : {}),
      ...(r.closedAt ? { closedAt: r.closedAt } : {}),
    },
    ...decisions,
  ];
  const events: Item[] = [{ kind: 'event', subject: pk, type: 'review.opened', at: r.openedAt, actor: 'system', detail: {} }];
  if (r.inputs) {
    const t = r.inputs.text;
    items.push({
      pk,
      sk: `INPUTS#${r.inputs.submittedAt}`,
      kind: 'review-inputs',
      reviewId,
      submittedAt: r.inputs.submittedAt,
      submittedBy: r.inputs.submittedBy,
      inputs: {
        changesInIssues: { external: [`${t} external`], internal: [] },
        interestedPartiesNeeds: [`${t} needs`],
        performance: {
          nonconformitiesAndCorrectiveActions: [`${t} nonconformity`],
          monitoringAndMeasurementResults: [],
          auditResults: [`${t} audit`],
          fulfilmentOfObjectives: [],
        },
        interestedPartiesFeedback: [`${t} feedback`],
        risk: { assessmentResults: [`${t} risk`], treatmentPlanStatus: [] },
        improvementOpportunities: [`${t} improvement`],
      },
    });
    items.push({
      pk,
      sk: 'PACK',
      kind: 'review-pack',
      reviewId,
      compiledAt: r.openedAt,
      pack: {
        compiledAt: r.openedAt,
        inputsSubmitted: { submittedAt: r.inputs.submittedAt, submittedBy: r.inputs.submittedBy },
        sections: [
          {
            clause: '9.3.2 a)',
            heading: 'Status of actions from previous reviews',
            blocks: [{ lines: ['No open actions from previous reviews.'] }],
            empty: true,
          },
        ],
      },
    });
  }
  const actions: Item[] = [];
  for (const a of r.actions ?? []) {
    const actionId = `${reviewId}#A${a.n}`;
    const createdAt = r.closedAt ?? r.openedAt;
    actions.push({
      pk: `ACTION#${actionId}`,
      sk: 'ACTION',
      kind: 'action',
      actionId,
      reviewId,
      period: r.period,
      title: a.title,
      detail: `${a.title} in detail`,
      owner: { name: 'Ines', email: 'ines@example.com' },
      dueDate: a.dueDate,
      status: a.closedAt ? 'closed' : 'open',
      createdAt,
      ...(a.closedAt ? { closedAt: a.closedAt, closedBy: 'local:ines', closingNote: a.note ?? 'done' } : {}),
      ...(a.requestIds ? { requestIds: a.requestIds } : {}),
    });
    events.push({
      kind: 'event',
      subject: pk,
      type: 'action.created',
      at: createdAt,
      actor: 'system',
      detail: { actionId, title: a.title, owner: 'ines@example.com', dueDate: a.dueDate },
    });
    if (a.closedAt)
      events.push({
        kind: 'event',
        subject: pk,
        type: 'action.closed',
        at: a.closedAt,
        actor: 'local:ines',
        detail: { actionId, closingNote: a.note ?? 'done' },
      });
  }
  if (r.closedAt) {
    items.push({
      pk,
      sk: 'MINUTES',
      kind: 'review-minutes',
      reviewId,
      minutes: {
        closedAt: r.closedAt,
        outcome: r.status,
        decisions: [`Outcome ${r.status}.`],
        actions: (r.actions ?? []).map((a) => ({ actionId: `${reviewId}#A${a.n}`, owner: { name: 'Ines', email: 'ines@example.com' } })),
      },
    });
  }
  for (let n = 1; n <= (r.remindersSent ?? 0); n++)
    events.push({ kind: 'event', subject: pk, type: 'reminder.sent', at: r.openedAt, actor: 'system', detail: { reminder: n } });
  items.push({
    pk,
    sk: 'SENT#pack#clara@example.com',
    kind: 'email-sent',
    recipient: 'clara@example.com',
    message: 'pack',
    sentAt: r.openedAt,
  });
  return { pk, items, events, actions };
}

export function requestItems(bu: string, q: RequestSpec): { pk: string; items: Item[]; events: Item[] } {
  const pk = `REQUEST#${q.requestId}`;
  const decisions: Item[] = [];
  const levels = q.levels.map((l, index) => {
    const decisionId = `${q.requestId}-l${index}`;
    if (l.choice)
      decisions.push({
        pk,
        sk: `DECISION#${decisionId}`,
        kind: 'decision',
        decisionId,
        subjectType: 'request',
        subjectId: q.requestId,
        recipient: { name: l.approver, email: `${l.approver.toLowerCase()}@example.com` },
        level: index,
        choice: l.choice,
        comment: l.comment ?? '',
        decidedAt: l.at,
        ...(l.actingFor ? { actingFor: l.actingFor } : {}),
      });
    const approver = { name: l.approver, email: `${l.approver.toLowerCase()}@example.com` };
    return {
      index,
      name: index === 0 ? 'ISMS sponsor' : 'Managing Director',
      fromAmount: 0,
      approver,
      configuredApprover: approver,
      escalationContact: approver,
      decisionId,
      ...(l.choice ? { outcome: l.choice === 'approve' ? 'approved' : 'rejected', decidedAt: l.at } : {}),
    };
  });
  const items: Item[] = [
    {
      pk,
      sk: 'REQUEST',
      kind: 'request',
      requestId: q.requestId,
      bu,
      category: q.category,
      title: q.title ?? `Request ${q.requestId}`,
      justification: 'because',
      amount: q.amount,
      currency: q.currency ?? 'EUR',
      requester: 'irene@example.com',
      submittedAt: q.submittedAt,
      status: q.status,
      levels,
      currentLevel: Math.max(
        0,
        levels.findIndex((l) => !('outcome' in l)),
      ),
      ...(q.closedAt ? { closedAt: q.closedAt } : {}),
      ...(q.remindersSent ? { remindersSent: q.remindersSent } : {}),
    },
    ...decisions,
  ];
  const events: Item[] = [
    { kind: 'event', subject: pk, type: 'request.submitted', at: q.submittedAt, actor: 'irene@example.com', detail: {} },
  ];
  for (let n = 0; n < (q.escalations ?? 0); n++)
    events.push({ kind: 'event', subject: pk, type: 'request.escalated', at: q.submittedAt, actor: 'system', detail: { n } });
  return { pk, items, events };
}

export function source(args: {
  from: string;
  to: string;
  generatedAt: string;
  reviews?: ReviewSpec[];
  requests?: RequestSpec[];
  unit?: typeof UNIT;
  withActionItems?: boolean;
}): ReportSource {
  const unit = args.unit ?? UNIT;
  const evidence: EvidenceData = {
    bu: unit.id,
    unitName: unit.name,
    table: `isms-${unit.id}`,
    exportedAt: args.generatedAt,
    from: args.from,
    to: args.to,
    events: [],
    subjects: {},
  };
  const actions: Item[] = [];
  for (const r of args.reviews ?? []) {
    const x = reviewItems(unit.id, r);
    evidence.subjects[x.pk] = x.items;
    evidence.events.push(...x.events);
    actions.push(...x.actions);
  }
  for (const q of args.requests ?? []) {
    const x = requestItems(unit.id, q);
    evidence.subjects[x.pk] = x.items;
    evidence.events.push(...x.events);
  }
  evidence.events.sort((a, b) => String(a.at).localeCompare(String(b.at)));
  return {
    unit,
    from: args.from,
    to: args.to,
    evidence,
    generatedAt: args.generatedAt,
    ...(args.withActionItems === false ? {} : { actions }),
  };
}

/** Generated: `years` of quarterly reviews from 2022 and `requests` requests spread over them (the bench's data). */
export function generatedSource(opts: { years: number; requests: number; unit?: typeof UNIT }): ReportSource {
  const reviews: ReviewSpec[] = [];
  const startYear = 2022;
  for (let y = startYear; y < startYear + opts.years; y++)
    for (let q = 1; q <= 4; q++) {
      const month = String((q - 1) * 3 + 1).padStart(2, '0');
      const opened = `${y}-${month}-01T08:00:00.000Z`;
      const decided = (d: number) => `${y}-${month}-0${1 + d}T10:00:00.000Z`;
      reviews.push({
        period: `${y}-Q${q}`,
        openedAt: opened,
        status: q % 4 === 0 ? 'not-approved' : 'approved',
        closedAt: decided(3),
        remindersSent: q % 3,
        ...(q === 2 ? { escalatedAt: decided(2) } : {}),
        inputs: { submittedAt: opened, submittedBy: 'isms@example.com', text: `Q${q} ${y}` },
        decisions: [
          { choice: 'approve', at: decided(1), adequacy: { financial: 'adequate', human: 'inadequate' } },
          { choice: q % 4 === 0 ? 'request-changes' : 'approve', at: decided(2), comment: 'ok' },
          { choice: 'approve', at: decided(3) },
        ],
        actions: [
          { n: 1, title: 'Hire', dueDate: `${y}-${month}-28`, closedAt: q % 2 ? `${y}-${month}-20T10:00:00.000Z` : undefined },
          { n: 2, title: 'Fix', dueDate: `${y}-${month}-28` },
        ],
      });
    }
  const categories = ['financial', 'human', 'equipment', 'infrastructure-technology'];
  const months = opts.years * 12;
  const requests: RequestSpec[] = Array.from({ length: opts.requests }, (_, i) => {
    const m = i % months;
    const y = startYear + Math.floor(m / 12);
    const month = String((m % 12) + 1).padStart(2, '0');
    const status = (['approved', 'rejected', 'approved', 'pending'] as const)[i % 4];
    return {
      requestId: `r-${i}`,
      category: categories[i % 4],
      amount: 1000 + i * 10,
      submittedAt: `${y}-${month}-10T09:00:00.000Z`,
      status,
      ...(status === 'pending' ? {} : { closedAt: `${y}-${month}-12T09:00:00.000Z` }),
      levels: [
        {
          approver: 'Oona',
          ...(status === 'pending' ? {} : { choice: status === 'approved' ? 'approve' : 'reject', at: `${y}-${month}-12T09:00:00.000Z` }),
        },
      ],
    } as RequestSpec;
  });
  const to = `${startYear + opts.years - 1}-12`;
  return source({
    from: `${startYear}-01`,
    to,
    generatedAt: `${startYear + opts.years}-01-15T12:00:00.000Z`,
    reviews,
    requests,
    unit: opts.unit,
  });
}

// ---------------------------------------------------------------- the fixed data of the pure tests

const OPEN = (p: string) => `2026-${p}-01T08:00:00.000Z`;
const after = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString();

/** 2026: Q1 held on time, Q2 held after escalation, Q3 not held in time, Q4 never opened. */
export const REVIEWS: ReviewSpec[] = [
  {
    period: '2026-Q1',
    openedAt: OPEN('01'),
    status: 'approved',
    closedAt: '2026-01-05T10:00:00.000Z',
    remindersSent: 1,
    inputs: { submittedAt: '2025-12-30T09:00:00.000Z', submittedBy: 'isms@example.com', text: 'Q1' },
    decisions: [
      { choice: 'approve', at: after(OPEN('01'), 1), comment: 'fine', adequacy: { financial: 'adequate', human: 'inadequate' } },
      { choice: 'approve', at: after(OPEN('01'), 3) },
      { choice: 'request-changes', at: after(OPEN('01'), 2), comment: 'more budget' },
    ],
    actions: [
      { n: 1, title: 'Hire an analyst', dueDate: '2026-04-01', closedAt: '2026-03-01T10:00:00.000Z', note: 'hired', requestIds: ['r-1'] },
      { n: 2, title: 'Address changes', dueDate: '2026-04-01' },
    ],
  },
  {
    period: '2026-Q2',
    openedAt: OPEN('04'),
    status: 'approved',
    closedAt: '2026-04-09T10:00:00.000Z',
    remindersSent: 2,
    escalatedAt: '2026-04-06T08:00:00.000Z',
    decisions: [{ choice: 'approve', at: after(OPEN('04'), 5) }, { choice: 'approve', at: after(OPEN('04'), 7) }, undefined],
    actions: [{ n: 1, title: 'Buy laptops', dueDate: '2026-12-01' }],
  },
  {
    period: '2026-Q3',
    openedAt: OPEN('07'),
    status: 'not-held-on-time',
    closedAt: '2026-07-20T10:00:00.000Z',
    remindersSent: 2,
    escalatedAt: '2026-07-06T08:00:00.000Z',
    decisions: [undefined, undefined, undefined],
  },
];

export const REQUESTS: RequestSpec[] = [
  {
    requestId: 'r-1',
    category: 'human',
    amount: 900,
    submittedAt: '2026-02-01T09:00:00.000Z',
    status: 'approved',
    closedAt: '2026-02-03T21:00:00.000Z',
    levels: [{ approver: 'Oona', choice: 'approve', at: '2026-02-03T21:00:00.000Z', comment: 'yes' }],
  },
  {
    requestId: 'r-2',
    category: 'human',
    amount: 100,
    submittedAt: '2026-03-01T09:00:00.000Z',
    status: 'rejected',
    closedAt: '2026-03-02T09:00:00.000Z',
    escalations: 1,
    levels: [{ approver: 'Oona', choice: 'reject', at: '2026-03-02T09:00:00.000Z', comment: 'no' }],
  },
  {
    requestId: 'r-3',
    category: 'financial',
    amount: 2000,
    submittedAt: '2026-05-01T09:00:00.000Z',
    status: 'approved',
    closedAt: '2026-05-05T09:00:00.000Z',
    levels: [
      { approver: 'Oona', choice: 'approve', at: '2026-05-02T09:00:00.000Z' },
      { approver: 'Clara', choice: 'approve', at: '2026-05-05T09:00:00.000Z', actingFor: { name: 'Farid', email: 'farid@example.com' } },
    ],
  },
  {
    requestId: 'r-4',
    category: 'financial',
    amount: 50,
    currency: 'USD',
    submittedAt: '2026-06-01T09:00:00.000Z',
    status: 'approved',
    closedAt: '2026-06-01T21:00:00.000Z',
    levels: [{ approver: 'Oona', choice: 'approve', at: '2026-06-01T21:00:00.000Z' }],
  },
  {
    requestId: 'r-5',
    category: 'equipment',
    amount: 700,
    submittedAt: '2026-10-01T09:00:00.000Z',
    status: 'pending',
    remindersSent: 2,
    levels: [{ approver: 'Oona' }],
  },
  // Submitted before the range: in the evidence (an event of it fell in the range), not in the report.
  {
    requestId: 'r-0',
    category: 'human',
    amount: 1,
    submittedAt: '2025-12-20T09:00:00.000Z',
    status: 'approved',
    closedAt: '2026-01-02T09:00:00.000Z',
    levels: [{ approver: 'Oona', choice: 'approve', at: '2026-01-02T09:00:00.000Z' }],
  },
];

const NOW = '2026-11-15T12:00:00.000Z';
export const fixed = (over: Partial<Parameters<typeof source>[0]> = {}) =>
  source({ from: '2026-01', to: '2026-12', generatedAt: NOW, reviews: REVIEWS, requests: REQUESTS, ...over });

/**
 * The policy-approval and email-delivery evidence of `src`'s unit added to it, as the export reads it: policy 1.0 approved
 * by Clara and by Dana for Farid (Mia never decided; her invitation bounced), communicated to two addresses; objectives 1
 * approved with OBJ-1 measured twice; the Q1 pack reporting them under 9.3.2 d); SES events on the Q1 review and on r-1.
 */
export function withPolicyEvidence(src: ReportSource): ReportSource {
  const bu = src.unit.id;
  const ev = (subject: string, type: string, at: string, detail: Item = {}): Item => ({
    kind: 'event',
    subject,
    type,
    at,
    actor: 'system',
    detail,
  });
  const subjects = { ...src.evidence.subjects };
  const events = [...src.evidence.events];
  const submission = (kind: 'policy' | 'objectives', version: string, submittedAt: string, closedAt: string, extra: Item = {}) => {
    const submissionId = `${bu}#${kind}#${version}`;
    const pk = `POLICY#${submissionId}`;
    const members = NAMES.map((n, i) => member(n, i, `${kind}-${version}-d${i}`, submittedAt));
    const decision = (i: number, at: string, comment: string, over: Item = {}): Item => ({
      pk,
      sk: `DECISION#${kind}-${version}-d${i}`,
      kind: 'decision',
      decisionId: `${kind}-${version}-d${i}`,
      subjectType: 'policy',
      subjectId: submissionId,
      recipient: { name: NAMES[i], email: `${NAMES[i].toLowerCase()}@example.com` },
      choice: 'approve',
      comment,
      decidedAt: at,
      ...over,
    });
    subjects[pk] = [
      {
        pk,
        sk: 'POLICY',
        kind: 'policy',
        submissionId,
        bu,
        documentKind: kind,
        version,
        summary: `First ${kind}`,
        format: kind === 'policy' ? 'markdown' : 'json',
        fileName: kind === 'policy' ? 'policy.md' : 'objectives.json',
        bytes: 1234,
        sha256: (kind === 'policy' ? 'a1' : 'b2').repeat(32),
        submitter: 'isms@example.com',
        submittedAt,
        status: 'approved',
        outcome: 'approved',
        closedAt,
        requiredApprovals: 2,
        members,
        excluded: [{ email: 'isms@example.com', reason: 'submitted it and may not approve it' }],
        ...extra,
      },
      decision(0, closedAt, 'Agreed'),
      decision(1, closedAt, 'For Farid', {
        recipient: { name: 'Dana', email: 'dana@example.com' },
        actingFor: { name: 'Farid', email: 'farid@example.com' },
        fingerprint: 'f0'.repeat(32),
      }),
    ];
    events.push(ev(pk, 'policy.submitted', submittedAt), ev(pk, 'policy.approved', closedAt));
    return pk;
  };
  const policyPk = submission('policy', '1.0', '2026-03-01T09:00:00.000Z', '2026-03-02T10:00:00.000Z');
  events.push(
    ev(policyPk, 'policy.communicated', '2026-03-02T10:01:00.000Z', {
      recipients: [
        { to: 'all-staff@example.com', sentAt: '2026-03-02T10:01:00.000Z' },
        { to: 'contractors@example.com', sentAt: '2026-03-02T10:01:00.000Z' },
      ],
    }),
    ev(policyPk, 'email.delivered', '2026-03-01T09:01:00.000Z', { recipient: 'Clara@example.com', message: 'invitation' }),
    ev(policyPk, 'email.bounced', '2026-03-01T09:02:00.000Z', {
      recipient: 'mia@example.com',
      message: 'invitation',
      diagnosticCode: 'smtp; 550 5.1.1 user unknown',
    }),
  );
  const objectives = [
    { id: 'OBJ-1', text: 'Patch fast', measure: 'days to patch', target: '<= 7 days', owner: 'irene@example.com', due: '2027-06-30' },
    { id: 'OBJ-2', text: 'Train staff', measure: 'share trained', target: '95%', owner: 'irene@example.com', due: '2027-03-31' },
  ];
  submission('objectives', '1', '2026-03-05T09:00:00.000Z', '2026-03-06T09:00:00.000Z', { objectives });
  const progressPk = 'OBJECTIVE#OBJ-1';
  subjects[progressPk] = [
    ['2026-06-01T09:00:00.000Z', 'on-track', '6 days'],
    ['2026-09-01T09:00:00.000Z', 'at-risk', '9 days'],
  ].map(([recordedAt, status, value]) => ({
    pk: progressPk,
    sk: `PROGRESS#${recordedAt}`,
    kind: 'objective-progress',
    objectiveId: 'OBJ-1',
    version: '1',
    status,
    value,
    note: 'measured',
    recordedAt,
    recordedBy: 'irene@example.com',
  }));
  events.push(
    ev(progressPk, 'objective.progress', '2026-06-01T09:00:00.000Z'),
    ev(progressPk, 'objective.progress', '2026-09-01T09:00:00.000Z'),
  );
  // The Q1 pack reported the objectives (9.3.2 d), and SES said what became of two emails.
  const q1 = `REVIEW#${bu}#2026-Q1`;
  subjects[q1] = subjects[q1].map((i) =>
    i.kind === 'review-pack'
      ? { ...i, pack: { ...(i.pack as Item), objectives: { version: '1', approvedAt: '2026-03-06T09:00:00.000Z', objectives } } }
      : i,
  );
  events.push(
    ev(q1, 'email.delivered', '2026-01-01T08:01:00.000Z', { recipient: 'clara@example.com', message: 'pack' }),
    ev(q1, 'email.complained', '2026-01-01T08:05:00.000Z', { recipient: 'farid@example.com', message: 'pack', feedbackType: 'abuse' }),
    ev('REQUEST#r-1', 'email.delivered', '2026-02-01T09:01:00.000Z', { recipient: 'oona@example.com', message: 'level-0' }),
  );
  events.sort((a, b) => String(a.at).localeCompare(String(b.at)));
  return { ...src, evidence: { ...src.evidence, subjects, events } };
}
