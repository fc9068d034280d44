// The evidence export as one HTML page an auditor can read without tools: reviews, requests and every audit
// event, from the same data as the JSON export (secrets already left out). Everything stored is escaped.
import { html, SafeHtml } from '../core/html';
import type { EvidenceExport } from '../lambdas/shared/evidence';
import { DECIDED } from '../core/decisions';
import { formatMoney, formatUtc } from '../core/format';
import { shortFingerprint } from '../core/fingerprint';

// biome-ignore lint/suspicious/noExplicitAny: items of any kind read back from DynamoDB and rendered field by field; each field is shown as found, its shape is not checked here
type Item = Record<string, any>;

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111}table{border-collapse:collapse;margin:8px 0 20px;width:100%}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}h2{margin-top:32px}
code{font-size:12px;white-space:pre-wrap;word-break:break-word}.muted{color:#555}`;

// Evidence for an auditor who may sit in another zone: the instant in UTC, in the one format of core/format.ts (the JSON
// export keeps every stored timestamp to the millisecond).
const when = (at: unknown) => (typeof at === 'string' && at ? formatUtc(at) : '');
/** Issue 15: who decided when a deputy did ("by Dora Deputy for Clara Weber"), and the fingerprint of what was decided on. */
const decidedBy = (d: Item | undefined) =>
  html`${d?.actingFor ? html` by ${d.recipient?.name} for ${d.actingFor.name}` : ''}${
    d?.fingerprint
      ? html` <span class="muted">[fingerprint <code data-fingerprint="${d.fingerprint}">${shortFingerprint(d.fingerprint)}</code>]</span>`
      : ''
  }`;
const choiceText = (choice: unknown) => DECIDED[choice as keyof typeof DECIDED] ?? String(choice ?? '');

/** The live table checked against the sealed digests (isms evidence verify --bu), as the page reports it. */
export interface SealStatus {
  /** undefined: not checked (the reason is in `summary`). */
  ok?: boolean;
  summary: string;
  publicKeySha256?: string;
}

export function renderEvidenceHtml(e: EvidenceExport, seal?: SealStatus): string {
  const parts = Object.values(e.subjects);
  const reviews = parts
    .map((items) => ({ review: items.find((i) => i.kind === 'review') as Item | undefined, items }))
    .filter((p) => p.review);
  const requests = parts
    .map((items) => ({ request: items.find((i) => i.kind === 'request') as Item | undefined, items }))
    .filter((p) => p.request);
  const title = `Evidence of ${e.unitName} (${e.bu}), ${e.from} to ${e.to}`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${new SafeHtml(STYLE)}</style></head>
<body>
<h1>${title}</h1>
<p class="muted">Exported ${when(e.exportedAt)} from table ${e.table} (${e.format}). ${e.events.length} audit events;
${reviews.length} management review(s), ${requests.length} resource request(s). The JSON export of the same range holds every stored attribute.</p>
${seal ? sealSection(seal) : ''}
<h2>Management reviews (ISO/IEC 27001 9.3)</h2>
${reviews.length ? reviews.map(({ review, items }) => reviewSection(review!, items)) : html`<p>None in this range.</p>`}
<h2>Resource requests (5.1 c, 7.1)</h2>
${requests.length ? requestTable(requests.map((r) => ({ request: r.request!, items: r.items }))) : html`<p>None in this range.</p>`}
<h2>Emails sent, one copy per recipient</h2>
${sentTable(parts.flat().filter((i) => i.kind === 'email-sent'))}
<h2>Audit events, in time order</h2>
<table><thead><tr><th>At</th><th>Subject</th><th>Event</th><th>By</th><th>Detail</th></tr></thead><tbody>
${e.events.map(
  (ev) =>
    html`<tr><td>${when(ev.at)}</td><td>${ev.subject}</td><td>${ev.type}</td><td>${ev.actor}</td><td><code>${JSON.stringify(ev.detail ?? {})}</code></td></tr>`,
)}
</tbody></table>
</body></html>
`.value;
}

function reviewSection(review: Item, items: Item[]): SafeHtml {
  const decisions = new Map(items.filter((i) => i.kind === 'decision').map((d) => [d.decisionId, d]));
  const minutes = items.find((i) => i.kind === 'review-minutes')?.minutes as Item | undefined;
  return html`<h3>${review.period}: ${review.outcome ?? review.status}</h3>
<p>Opened ${when(review.openedAt)}${review.closedAt ? html`, closed ${when(review.closedAt)}` : ''}; ${review.requiredApprovals} approval(s) required.</p>
<table><thead><tr><th>Member</th><th>Role</th><th>Decision</th><th>At</th><th>Comment</th><th>Resources judged inadequate</th></tr></thead><tbody>
${(review.members ?? []).map((m: Item) => {
  const d = m.decisionId ? decisions.get(m.decisionId) : undefined;
  const inadequate = Object.entries(d?.resourceAdequacy ?? {})
    .filter(([, v]) => v === 'inadequate')
    .map(([k]) => k);
  return html`<tr><td>${m.name} &lt;${m.email}&gt;</td><td>${m.role}</td><td>${d ? choiceText(d.choice) : 'no decision'}${decidedBy(d)}</td><td>${when(d?.decidedAt)}</td><td>${d?.comment}</td><td>${inadequate.join(', ')}</td></tr>`;
})}
</tbody></table>
${
  minutes?.actions?.length
    ? html`<table><thead><tr><th>Action</th><th>Owner</th><th>Due</th></tr></thead><tbody>${minutes.actions.map(
        (a: Item) =>
          html`<tr><td>${a.actionId}: ${a.title}</td><td>${a.owner?.name} &lt;${a.owner?.email}&gt;</td><td>${a.dueDate}</td></tr>`,
      )}</tbody></table>`
    : ''
}`;
}

function requestTable(requests: Array<{ request: Item; items: Item[] }>): SafeHtml {
  return html`<table><thead><tr><th>Request</th><th>Category, amount</th><th>Title</th><th>Requester</th><th>Outcome</th><th>Levels</th></tr></thead><tbody>
${requests.map(({ request: r, items }) => {
  const decisions = new Map(items.filter((i) => i.kind === 'decision').map((d) => [d.decisionId, d]));
  const levels = (r.levels ?? []).map((l: Item) => {
    const d = l.decisionId ? decisions.get(l.decisionId) : undefined;
    const outcome =
      l.outcome ?? (d ? choiceText(d.choice) : r.status === 'pending' && l.index === r.currentLevel ? 'waiting' : 'not decided');
    return html`<div>${l.index + 1}. ${l.name}: ${l.approver?.email}: ${outcome}${l.decidedAt ? html` at ${when(l.decidedAt)}` : ''}${d?.comment ? html` (“${d.comment}”)` : ''}${decidedBy(d)}${l.reroutedReason ? html` <span class="muted">[${l.reroutedReason}]</span>` : ''}</div>`;
  });
  return html`<tr><td>${r.requestId}<br><span class="muted">${when(r.submittedAt)}</span></td><td>${r.category}, ${formatMoney(Number(r.amount), String(r.currency))}</td><td>${r.title}</td><td>${r.requester}${r.submittedBy ? html`<br><span class="muted">submitted by ${r.submittedBy}</span>` : ''}</td><td>${r.status}${r.closedAt ? html`<br><span class="muted">${when(r.closedAt)}</span>` : ''}</td><td>${levels}</td></tr>`;
})}
</tbody></table>`;
}

/** Evidence that each person was told (7.4, 5.1 d): every copy SES accepted, with its message id, in time order. */
function sentTable(sent: Item[]): SafeHtml {
  if (!sent.length) return html`<p>None in this range.</p>`;
  const rows = [...sent].sort((a, b) => String(a.sentAt).localeCompare(String(b.sentAt)));
  return html`<table><thead><tr><th>Recipient</th><th>Sent at</th><th>Of</th><th>Message</th><th>Email subject</th><th>SES message id</th></tr></thead><tbody>
${rows.map((m) => html`<tr><td>${m.recipient}</td><td>${when(m.sentAt)}</td><td>${m.pk}</td><td>${m.message}</td><td>${m.subject}</td><td>${m.sesMessageId}</td></tr>`)}
</tbody></table>`;
}

function sealSection(seal: SealStatus): SafeHtml {
  const verdict = seal.ok === undefined ? 'not checked' : seal.ok ? 'verified' : 'FAILED';
  return html`<h2>Sealed evidence</h2>
<p><strong>${verdict}</strong>: ${seal.summary}${seal.publicKeySha256 ? html`<br>Signing key fingerprint (SHA-256 of its PEM): <code>${seal.publicKeySha256}</code>` : ''}</p>
<p class="muted">Check it yourself from a bundle with openssl and sha256sum: <code>isms evidence export --format bundle</code> writes one, with VERIFY.md.</p>`;
}
