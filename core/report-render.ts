// The leadership report as one self-contained, printable HTML page: no script, nothing fetched, CSS and SVG inline.
// Every stored value goes through html`` (core/html.ts); chart SVG comes in already rendered and checked by the caller.
import { clauseMap, type ClauseRow } from './clause-map';
import { formatMoney, formatTime, formatUtc } from './format';
import { html, SafeHtml } from './html';
import { reportCharts, type Chart } from './report-charts';
import { dayFigure, type ActionRow, type RequestRow, type ReviewRow, type UnitReport, type UnitSummary } from './report-model';
import type { DeliveryLine } from './report-delivery';
import type { PolicySubmissionView } from './report-policy';

export interface Integrity {
  /** SHA-256 (hex) of the evidence data the report was made from, and the file that holds that data. */
  sha256: string;
  dataFile?: string;
  /**
   * Per unit, the sealed-evidence verification of its live table (what `isms evidence verify --bu` checks): ok undefined
   * when it could not be checked (no digests yet, not deployed), with the reason in `summary`.
   */
  seals?: Array<{ unit: string; ok?: boolean; summary: string; keyFingerprint?: string }>;
}

export interface ReportInput {
  reports: UnitReport[];
  /** Units asked for whose evidence could not be read, and why: listed, never fatal. */
  failures: Array<{ unit: string; reason: string }>;
  from: string;
  to: string;
  generatedAt: string;
  /** How the report was made, e.g. "isms report --bu all --from 2026-01 --to 2026-12 --local". */
  command: string;
  integrity: Integrity;
  /** SVG per chart id (from chartsOf), already checked; a missing one shows its table only. */
  svgs: ReadonlyMap<string, string>;
}

/** Anchor prefix of a unit's sections. */
export const unitAnchor = (unitId: string) => `u-${unitId.replace(/[^A-Za-z0-9_-]/g, '_')}-`;
const sectionAnchor = (r: UnitReport, s: string) => `${unitAnchor(r.unit.id)}${s}`;

/** Every chart of the report: the group's (with several units) then each unit's. */
export function chartsOf(reports: UnitReport[]): Chart[] {
  return [
    ...(reports.length > 1 ? reportCharts(reports, 'group-') : []),
    ...reports.flatMap((r) => reportCharts([r], unitAnchor(r.unit.id))),
  ];
}

const STYLE = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#14171a;background:#fff}
main{max-width:1100px;margin:0 auto;padding:20px 16px 48px;overflow-wrap:break-word}
h1{font-size:1.6em;margin:.2em 0 .4em}h2{font-size:1.3em;margin:2em 0 .5em;border-bottom:2px solid #14171a;padding-bottom:.2em}
h3{font-size:1.12em;margin:1.6em 0 .4em}h4{font-size:1em;margin:1.2em 0 .3em}
p,li{overflow-wrap:anywhere}
.meta{color:#444;font-size:.92em}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:6px 0 16px;width:100%;font-size:.92em}
th,td{border:1px solid #c9ced3;padding:4px 7px;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f1f3f5}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ok{color:#0a6b2d}.warn{color:#8a5300}.bad{color:#a4161a}.muted{color:#555}
.tag{display:inline-block;border-radius:3px;padding:0 5px;font-size:.85em;border:1px solid currentColor;white-space:nowrap}
.clause{white-space:nowrap;font-weight:600}.date{white-space:nowrap}
.chart{margin:10px 0 22px;break-inside:avoid;page-break-inside:avoid}
@media (min-width:1000px){.chart{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:18px;align-items:start}.chart .scroll{max-height:420px;overflow:auto}}
.chart figure{margin:0}.chart svg{max-width:100%;height:auto;display:block}
figcaption{font-weight:600;margin:4px 0}
details>summary{cursor:pointer;color:#333}
ul.points{margin:.2em 0 .6em;padding-left:1.3em}
.unit{border-top:6px solid #14171a;margin-top:3em;padding-top:.5em}
.review,.request{border-left:3px solid #c9ced3;padding-left:12px;margin:1.2em 0}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.86em;overflow-wrap:anywhere}
nav ul{columns:2 220px;padding-left:1.2em}
@media print{
  @page{margin:15mm 12mm}
  body{font-size:10.5pt}
  main{max-width:none;padding:0}
  .scroll{overflow:visible}
  .chart{display:block}.chart .scroll{max-height:none}
  a{color:inherit;text-decoration:none}
  h2,h3,h4{break-after:avoid;page-break-after:avoid}
  tr,.review>header,.chart{break-inside:avoid;page-break-inside:avoid}
  .unit{break-before:page;page-break-before:always}
  nav{display:none}
}`;

const at = (iso: string | undefined, tz: string) => (iso ? formatTime(iso, tz) : '');
/** SES's word on each email to one person: "delivered 1 Dec 2026, 14:05 CET (13:05 UTC) (invitation)"; failures stand out. */
const deliveryCell = (lines: DeliveryLine[], tz: string) =>
  lines.length
    ? lines.map(
        (d, i) =>
          html`${i ? html`<br>` : ''}<span class="${d.failed ? 'bad' : 'ok'}">${d.label}</span> ${at(d.at, tz)}${d.message ? html` (${d.message})` : ''}${d.reason ? html`: ${d.reason}` : ''}`,
      )
    : html`<span class="muted">no delivery event recorded</span>`;
const days = (n: number | undefined) => (n === undefined ? 'none decided' : `${dayFigure(n)} days`);
const table = (head: Array<string | SafeHtml>, rows: unknown[][], numeric: number[] = []) =>
  html`<div class="scroll"><table><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((c, i) => (numeric.includes(i) ? html`<td class="n">${c}</td>` : html`<td>${c}</td>`))}</tr>`,
  )}</tbody></table></div>`;

export function renderReport(input: ReportInput): string {
  const { reports, failures } = input;
  const group = reports.length + failures.length > 1;
  const names = reports.map((r) => `${r.unit.name} (${r.unit.id})`);
  const title = group
    ? `Leadership report: ${reports.length + failures.length} business units, ${input.from} to ${input.to}`
    : `Leadership report: ${names[0] ?? failures[0]?.unit ?? ''}, ${input.from} to ${input.to}`;
  const charts = chartsOf(reports);
  const groupCharts = charts.filter((c) => c.id.startsWith('group-'));
  const rows = clauseMap({ reports, anchor: sectionAnchor });
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${new SafeHtml(STYLE)}</style></head>
<body><main>
<h1>${title}</h1>
<p class="meta">Made ${formatUtc(input.generatedAt)} by <code>${input.command}</code>, from the evidence table${reports.length === 1 ? '' : 's'} ${reports.map((r, i) => html`${i ? ', ' : ''}<code>${r.source.table}</code>`)} (${reports.reduce((n, r) => n + r.source.events, 0)} audit events, read ${reports.map((r, i) => html`${i ? ', ' : ''}${formatUtc(r.source.exportedAt)}`)}).
Times are given in each unit's time zone with UTC beside; dates (due dates) are calendar days in the unit's time zone.
Statuses of actions and requests are as at the time the report was made.</p>
<p class="meta">How it counts: a review is in the range when its quarter overlaps the range; it was <em>due</em> when the unit's
review schedule had fired in that quarter by the time the report was made; <em>held on time</em> means decided
before it was escalated; <em>not held</em> means never opened, or its links expired without a decision. Days to
decision run from each member's invitation. Requests are those submitted in the range; lead time runs from
submission to the final decision. An action is overdue when it is open and its due date has passed in the unit.</p>
<nav aria-label="Contents"><ul>
${group ? html`<li><a href="#rollup">Group roll-up</a></li>` : ''}
<li><a href="#clauses">Clause map (ISO/IEC 27001:2022)</a></li>
<li><a href="#integrity">Integrity of the data</a></li>
${reports.map((r) => html`<li><a href="#${sectionAnchor(r, 'summary')}">${r.unit.name} (${r.unit.id})</a></li>`)}
</ul></nav>
${group ? rollup(reports, failures, groupCharts, input.svgs) : failures.length ? failureList(failures) : ''}
${clauseSection(rows)}
${integritySection(input.integrity)}
${reports.map((r) => unitSection(r, charts, input.svgs, group))}
</main></body></html>
`.value;
}

function failureList(failures: ReportInput['failures']): SafeHtml {
  return html`<h3 id="unreadable">Units that could not be read</h3>
<p>These units are in the report's scope, but their evidence could not be read; nothing of them is in the figures.</p>
${table(
  ['Unit', 'Reason'],
  failures.map((f) => [f.unit, f.reason]),
)}`;
}

function summaryCells(s: UnitSummary): unknown[] {
  return [
    s.reviewsDue,
    s.reviewsHeld,
    s.reviewsHeldOnTime,
    s.reviewsNotHeld,
    s.quorumReached,
    s.medianDaysToDecision === undefined ? '' : dayFigure(s.medianDaysToDecision),
    s.reviewReminders + s.requestReminders,
    s.reviewEscalations + s.requestEscalations,
    s.actionsOpened,
    s.actionsClosed,
    s.actionsOverdue,
    s.requests,
    s.medianApprovalLeadDays === undefined ? '' : dayFigure(s.medianApprovalLeadDays),
  ];
}

function rollup(reports: UnitReport[], failures: ReportInput['failures'], charts: Chart[], svgs: ReadonlyMap<string, string>): SafeHtml {
  const head = [
    'Unit',
    'Reviews due',
    'Held',
    'On time',
    'Not held',
    'Quorum reached',
    'Median days to decision',
    'Reminders',
    'Escalations',
    'Actions opened',
    'Closed',
    'Overdue',
    'Requests',
    'Median approval days',
  ];
  return html`<section id="rollup"><h2>Group roll-up</h2>
<p>One row per business unit; each unit's full section follows the clause map.</p>
${table(
  head,
  reports.map((r) => [html`<a href="#${sectionAnchor(r, 'summary')}">${r.unit.name} (${r.unit.id})</a>`, ...summaryCells(r.summary)]),
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
)}
${failures.length ? failureList(failures) : ''}
${charts.map((c) => chartBlock(c, svgs))}
</section>`;
}

const COVERAGE: Record<ClauseRow['coverage'], SafeHtml> = {
  evidence: html`<span class="tag ok">evidence held</span>`,
  partly: html`<span class="tag warn">partly</span>`,
  none: html`<span class="tag bad">none in this range</span>`,
  'not covered': html`<span class="tag muted">not covered</span>`,
};

function clauseSection(rows: ClauseRow[]): SafeHtml {
  return html`<section id="clauses"><h2>Clause map: ISO/IEC 27001:2022</h2>
<p>For each requirement: what this system holds as evidence in the range, with counts and links to the records, or
plainly that it is not covered by this system (ask for that evidence elsewhere). Requirements are paraphrased.</p>
${table(
  ['Clause', 'Requirement', 'Coverage', 'Evidence in this report'],
  rows.map((r) => [
    html`<span class="clause">${r.clause}</span>`,
    r.requirement,
    COVERAGE[r.coverage],
    html`${r.evidence}${r.links.length ? html`<br>${r.links.map((l, i) => html`${i ? ' · ' : ''}<a href="#${l.anchor}">${l.text}</a>`)}` : ''}`,
  ]),
)}
</section>`;
}

function integritySection(i: Integrity): SafeHtml {
  const seals = i.seals ?? [];
  const verdict = (ok: boolean | undefined) =>
    ok === undefined
      ? html`<strong class="warn">not checked</strong>`
      : ok
        ? html`<strong class="ok">verified</strong>`
        : html`<strong class="bad">NOT verified</strong>`;
  return html`<section id="integrity"><h2>Integrity of the data</h2>
${
  seals.length
    ? html`<p>Sealed evidence: each unit's table checked against its signed, chained digests (as <code>isms evidence verify --bu &lt;id&gt;</code> does) when the report was made.</p>
<ul class="points">${seals.map(
        (x) =>
          html`<li>${x.unit}: ${verdict(x.ok)}: ${x.summary}${x.keyFingerprint ? html`<br>Signing key fingerprint (SHA-256 of its public key PEM): <code>${x.keyFingerprint}</code>` : ''}</li>`,
      )}</ul>`
    : html`<p>No sealed-evidence verification was made for this report; it states the digest of the data it was made from.</p>`
}
<p>SHA-256 of the evidence data${i.dataFile ? html` (<code>${i.dataFile}</code>, written beside this report; check it with <code>sha256sum</code>)` : ''}:<br><code>${i.sha256}</code></p>
</section>`;
}

function chartBlock(c: Chart, svgs: ReadonlyMap<string, string>): SafeHtml {
  const svg = svgs.get(c.id);
  return html`<div class="chart" id="${c.id}"><figure role="group" aria-labelledby="${c.id}-t">
<figcaption id="${c.id}-t">${c.title}</figcaption>
<p class="meta">${c.description}</p>
${svg ? html`<div role="img" aria-label="${c.title}">${new SafeHtml(svg)}</div>` : html`<p class="muted">Chart not drawn; the table below holds its figures.</p>`}
</figure>
${c.table.rows.length ? table(c.table.head, c.table.rows) : html`<p class="muted">No data in this range.</p>`}
</div>`;
}

function unitSection(r: UnitReport, charts: Chart[], svgs: ReadonlyMap<string, string>, group: boolean): SafeHtml {
  const s = r.summary;
  const tz = r.unit.timeZone;
  const mine = charts.filter((c) => c.id.startsWith(unitAnchor(r.unit.id)));
  return html`<section class="${group ? 'unit' : ''}" id="${sectionAnchor(r, 'summary')}">
<h2>${r.unit.name} (${r.unit.id})</h2>
<p class="meta">Time zone ${tz}. Evidence from table <code>${r.source.table}</code>: ${r.source.events} audit events, ${r.source.partitions} reviews, requests and actions read. Today in this unit: ${r.today}.</p>
<h3>Summary, ${r.from} to ${r.to}</h3>
${table(
  ['Figure', 'Value'],
  [
    ['Management reviews due', s.reviewsDue],
    ['Held', s.reviewsHeld],
    ['Held on time (before escalation)', s.reviewsHeldOnTime],
    ['Not held', html`${s.reviewsNotHeld}${s.periodsNotHeld.length ? html` (${s.periodsNotHeld.join(', ')})` : ''}`],
    ['In progress', s.reviewsInProgress],
    ['Quorum of approvals reached', s.quorumReached],
    ['Median time from invitation to decision', days(s.medianDaysToDecision)],
    ['Review reminder rounds needed', s.reviewReminders],
    ['Reviews escalated', s.reviewEscalations],
    ['Request reminders needed', s.requestReminders],
    ['Request escalations', s.requestEscalations],
    ['Review inputs submitted', s.inputSubmissions],
    ['Actions opened', s.actionsOpened],
    ['Actions closed', s.actionsClosed],
    ['Actions overdue now', s.actionsOverdue],
    ['Actions open now', s.actionsOpenNow],
    ['Resource requests', s.requests],
    ['Median approval lead time (submitted to decided)', days(s.medianApprovalLeadDays)],
    ['Emails sent and recorded', s.emailsSent],
  ],
  [1],
)}
<h4>Resource requests by category and outcome</h4>
${
  s.requestsByCategory.length
    ? table(
        ['Category', 'Outcome', 'Requests', 'Amount'],
        s.requestsByCategory.map((g) => [g.label, g.outcome, g.count, g.amounts.map((a) => formatMoney(a.amount, a.currency)).join('; ')]),
        [2, 3],
      )
    : html`<p>No resource requests in this range.</p>`
}
<h3>Charts</h3>
${mine.map((c) => chartBlock(c, svgs))}
<h3 id="${sectionAnchor(r, 'reviews')}">Management reviews (9.3)</h3>
${r.reviews.length ? r.reviews.map((v) => reviewBlock(r, v)) : html`<p>No management review in this range.</p>`}
<h3 id="${sectionAnchor(r, 'actions')}">Actions from management reviews (9.3.3)</h3>
${r.actions.length ? actionTable(r, r.actions) : html`<p>No actions in this range.</p>`}
<h3 id="${sectionAnchor(r, 'requests')}">Resource requests (5.1 c, 7.1)</h3>
${r.requests.length ? r.requests.map((q) => requestBlock(r, q)) : html`<p>No resource requests in this range.</p>`}
<h3 id="${sectionAnchor(r, 'policy')}">Policy and objectives (5.1 a, 5.2, 6.2)</h3>
${
  r.policy.submissions.length
    ? r.policy.submissions.map((p) => policyBlock(r, p))
    : html`<p>No policy or objectives were submitted, decided or communicated in this range.</p>`
}
</section>`;
}

const HELD: Record<ReviewRow['held'], SafeHtml> = {
  'on time': html`<span class="tag ok">held on time</span>`,
  late: html`<span class="tag warn">held after escalation</span>`,
  'not held': html`<span class="tag bad">not held on time</span>`,
  'in progress': html`<span class="tag muted">in progress</span>`,
};

function reviewBlock(r: UnitReport, v: ReviewRow): SafeHtml {
  const tz = r.unit.timeZone;
  const actingFor = v.members.some((m) => m.decision?.actingFor);
  const fingerprint = v.members.some((m) => m.decision?.fingerprint);
  const delivery = v.members.some((m) => m.delivery.length);
  const categories = v.members[0]?.adequacy ?? [];
  return html`<article class="review" id="${unitAnchor(r.unit.id)}review-${v.period}">
<header><h4>Review ${v.period}: ${v.status} ${HELD[v.held]}</h4>
<p class="meta">Opened ${at(v.openedAt, tz)}${v.packCompiledAt ? html`; pack compiled ${at(v.packCompiledAt, tz)}` : ''}${v.closedAt ? html`; closed ${at(v.closedAt, tz)}` : ''}.
${v.approvals} of ${v.members.length} members approved, ${v.requiredApprovals} required: quorum ${v.quorumReached ? 'reached' : 'not reached'}.
${v.remindersSent} reminder round${v.remindersSent === 1 ? '' : 's'}${v.escalatedAt ? html`; escalated ${at(v.escalatedAt, tz)}` : '; not escalated'}.</p></header>
<h4>Inputs (9.3.2)</h4>
${
  v.inputsSubmitted
    ? html`<p>Inputs b) to g) as submitted by <strong>${v.inputsSubmitted.submittedBy}</strong> at ${at(v.inputsSubmitted.submittedAt, tz)}${
        v.submissions.length > 1
          ? html` (the submission the pack holds; ${v.submissions.length} in all: ${v.submissions.map((x, i) => html`${i ? '; ' : ''}${x.submittedBy} at ${at(x.submittedAt, tz)}`)})`
          : ''
      }.</p>`
    : html`<p class="warn">No inputs were submitted for this review.</p>`
}
${v.inputs.map(
  (s) => html`<p><strong>${s.clause} ${s.heading}</strong></p>
${s.blocks.map(
  (b) =>
    html`${b.label ? html`<p class="muted">${b.label}</p>` : ''}${b.lines.length ? html`<ul class="points">${b.lines.map((l) => html`<li>${l}</li>`)}</ul>` : html`<p class="muted">${v.inputsSubmitted ? 'Nothing reported.' : 'No input submitted.'}</p>`}`,
)}`,
)}
<h4>Decisions of top management</h4>
${table(
  [
    'Member',
    'Role',
    'Decision',
    'At',
    'Days after invitation',
    'Comment',
    ...(actingFor ? ['Acting for'] : []),
    ...(fingerprint ? ['Content fingerprint'] : []),
    ...(delivery ? ['Email delivery'] : []),
  ],
  v.members.map((m) => [
    html`${m.name}${m.chair ? ' (chair)' : ''}<br><span class="muted">${m.email}</span>`,
    m.role,
    m.decision ? m.decision.choiceText : html`<span class="muted">no decision</span>`,
    at(m.decision?.decidedAt, tz),
    m.decision?.leadDays === undefined ? '' : dayFigure(m.decision.leadDays),
    m.decision?.comment,
    ...(actingFor ? [m.decision?.actingFor] : []),
    ...(fingerprint ? [html`<code>${m.decision?.fingerprint}</code>`] : []),
    ...(delivery ? [deliveryCell(m.delivery, tz)] : []),
  ]),
)}
<h4>Resource adequacy judgements (5.1 c, 7.1)</h4>
${table(
  ['Member', ...categories.map((c) => c.label)],
  v.members.map((m) => [
    m.name,
    ...m.adequacy.map((a) =>
      a.judgement === 'inadequate'
        ? html`<span class="bad">inadequate</span>`
        : a.judgement === 'adequate'
          ? html`<span class="ok">adequate</span>`
          : html`<span class="muted">not assessed</span>`,
    ),
  ]),
)}
<h4>Minutes (9.3.3)</h4>
${
  v.minutes
    ? html`<p class="meta">Written ${at(v.minutes.closedAt, tz)}; outcome ${v.minutes.outcome}.</p><ul class="points">${v.minutes.decisions.map((d) => html`<li>${d}</li>`)}</ul>`
    : html`<p class="muted">No minutes yet: the review is not closed.</p>`
}
<h4>Actions decided</h4>
${v.actions.length ? actionTable(r, v.actions) : html`<p class="muted">No actions.</p>`}
</article>`;
}

function actionTable(r: UnitReport, actions: ActionRow[]): SafeHtml {
  const tz = r.unit.timeZone;
  const known = new Set(r.requests.map((q) => q.requestId));
  return table(
    ['Action', 'Owner', 'Due', 'Status', 'Closing note', 'Linked requests'],
    actions.map((a) => [
      html`<span class="mono">${a.actionId}</span><br>${a.title}${a.detail ? html`<br><span class="muted">${a.detail}</span>` : ''}`,
      html`${a.owner.name}${a.owner.name ? html`<br>` : ''}<span class="muted">${a.owner.email}</span>`,
      html`<span class="date">${a.dueDate}</span>`,
      a.status === 'closed'
        ? html`<span class="ok">closed</span> ${at(a.closedAt, tz)}${a.closedBy ? html` by ${a.closedBy}` : ''}`
        : a.overdue
          ? html`<span class="bad">open, OVERDUE</span>`
          : 'open',
      a.closingNote,
      a.requestIds.length
        ? a.requestIds.map((id, i) =>
            known.has(id) ? html`${i ? ', ' : ''}<a href="#${unitAnchor(r.unit.id)}request-${id}">${id}</a>` : html`${i ? ', ' : ''}${id}`,
          )
        : '',
    ]),
  );
}

function requestBlock(r: UnitReport, q: RequestRow): SafeHtml {
  const tz = r.unit.timeZone;
  const actingFor = q.levels.some((l) => l.actingFor);
  const fingerprint = q.levels.some((l) => l.fingerprint);
  const delivery = q.levels.some((l) => l.delivery.length);
  return html`<article class="request" id="${unitAnchor(r.unit.id)}request-${q.requestId}">
<h4><span class="mono">${q.requestId}</span>: ${q.title}</h4>
<p>${q.categoryLabel}, ${formatMoney(q.amount, q.currency)}; requested by ${q.requester}${q.submittedBy ? html` (submitted by ${q.submittedBy})` : ''} at ${at(q.submittedAt, tz)}.
Outcome: <strong>${q.status}</strong>${q.closedAt ? html` at ${at(q.closedAt, tz)}` : ''}; lead time ${q.leadDays === undefined ? 'not decided' : `${dayFigure(q.leadDays)} days`}.
${q.reviewPeriod ? html`Raised for the ${q.reviewPeriod} review${q.answersActions.length ? html` (answers ${q.answersActions.join(', ')})` : ''}.` : ''}
${q.remindersSent ? html`${q.remindersSent} reminder(s).` : ''} ${q.escalations ? html`${q.escalations} escalation(s).` : ''}</p>
<p class="muted">Justification: ${q.justification}</p>
${table(
  [
    'Level',
    'Approver',
    ...(actingFor ? ['Acting for'] : []),
    'Decision',
    'At',
    'Comment',
    ...(fingerprint ? ['Content fingerprint'] : []),
    ...(delivery ? ['Email delivery'] : []),
  ],
  q.levels.map((l) => [
    html`${l.index + 1}. ${l.name}`,
    html`${l.approver.name}${l.approver.name ? html`<br>` : ''}<span class="muted">${l.approver.email}</span>${l.reroutedReason ? html`<br><span class="warn">${l.reroutedReason}</span>` : ''}`,
    ...(actingFor ? [l.actingFor] : []),
    l.decision,
    at(l.decidedAt, tz),
    l.comment,
    ...(fingerprint ? [html`<code>${l.fingerprint}</code>`] : []),
    ...(delivery ? [deliveryCell(l.delivery, tz)] : []),
  ]),
)}
</article>`;
}

function policyBlock(r: UnitReport, p: PolicySubmissionView): SafeHtml {
  const tz = r.unit.timeZone;
  const actingFor = p.members.some((m) => m.decision?.actingFor);
  const fingerprint = p.members.some((m) => m.decision?.fingerprint);
  const delivery = p.members.some((m) => m.delivery.length);
  const re = p.reconfirmation;
  const outcome =
    p.status === 'approved'
      ? html`<span class="tag ok">approved</span>`
      : p.status === 'changes-requested' || p.status === 'not-held-on-time'
        ? html`<span class="tag bad">${p.status}</span>`
        : html`<span class="tag muted">${p.status}</span>`;
  return html`<article class="review" id="${unitAnchor(r.unit.id)}policy-${p.documentKind}-${p.version}">
<h4>${p.label.replace(/^./, (c) => c.toUpperCase())}, version ${p.version} ${outcome}${p.beforeRange ? html` <span class="tag muted">approved before this range, in force in it</span>` : ''}</h4>
<p>What changed: ${p.summary}</p>
<p class="meta">${p.fileName} (${p.format}, ${p.bytes} bytes), SHA-256 <code>${p.sha256}</code>.<br>
Submitted by ${p.submitter}${p.submittedBy ? html` (${p.submittedBy})` : ''} at ${at(p.submittedAt, tz)}${p.closedAt ? html`; closed ${at(p.closedAt, tz)}` : ''}.
${p.approvals} of ${p.members.length} members approved, ${p.requiredApprovals} required: quorum ${p.quorumReached ? 'reached' : 'not reached'}.
${p.excluded.map((x) => html` ${x.email} did not decide: ${x.reason}.`)}</p>
${table(
  [
    'Member',
    'Role',
    'Decision',
    'At',
    'Comment',
    ...(actingFor ? ['Acting for'] : []),
    ...(fingerprint ? ['Content fingerprint'] : []),
    ...(delivery ? ['Email delivery'] : []),
  ],
  p.members.map((m) => [
    html`${m.name}<br><span class="muted">${m.email}</span>`,
    m.role,
    m.decision ? m.decision.choiceText : html`<span class="muted">no decision</span>`,
    at(m.decision?.decidedAt, tz),
    m.decision?.comment,
    ...(actingFor ? [m.decision?.actingFor] : []),
    ...(fingerprint ? [html`<code>${m.decision?.fingerprint}</code>`] : []),
    ...(delivery ? [deliveryCell(m.delivery, tz)] : []),
  ]),
)}
${
  p.communicated
    ? html`<p>Communicated ${at(p.communicated.at, tz)} to ${p.communicated.recipients.length} address${p.communicated.recipients.length === 1 ? '' : 'es'}: ${p.communicated.recipients.join(', ')}.</p>`
    : p.status === 'approved'
      ? html`<p class="warn">Approved, but no communication is recorded in this range.</p>`
      : ''
}
${
  re
    ? html`<p>Re-confirmation due ${at(re.dueAt, tz)}${
        re.state === 'overdue'
          ? html`: <strong class="bad">OVERDUE</strong>${re.overdueRecordedAt ? html` (recorded ${at(re.overdueRecordedAt, tz)})` : ''}`
          : re.state === 'due'
            ? html`: <span class="warn">due soon</span>`
            : ''
      }.</p>`
    : ''
}
${
  p.objectives?.length
    ? table(
        ['Objective', 'Measure', 'Target', 'Owner', 'Due', 'Latest measurement'],
        p.objectives.map((o) => [
          html`<span class="mono">${o.id}</span><br>${o.text}`,
          o.measure,
          o.target,
          o.owner,
          html`<span class="date">${o.due}</span>`,
          o.latest
            ? html`${o.latest.status}, ${o.latest.value} (${at(o.latest.recordedAt, tz)}, by ${o.latest.recordedBy})${o.latest.note ? html`: ${o.latest.note}` : ''}`
            : html`<span class="muted">no measurement recorded</span>`,
        ]),
      )
    : ''
}
</article>`;
}
