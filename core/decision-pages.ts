// Pages of the decision endpoint: the confirmation form, the result and every error, with the headers every answer carries.
import { createHash } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CATEGORY_LABELS, RESOURCE_CATEGORIES, type ResourceCategory } from './unit';
import { html, SafeHtml } from './html';
import { DECIDED, type Choice, type DecisionRecord, type LinkItem, type LinkRecipient, type SubjectType } from './decisions';
import { TERMINAL_STATUSES } from './review-start';
import type { ReviewStatus } from './subjects';
import { adequacyQuestion } from './review-pack';
import { formatMoney, formatTime } from './format';
import { requestChangesMeaning } from './decision-next';
import { ADEQUACY, CHOICES, COMMENT_MAX_CHARS, adequacyField, type FormProblem } from './decision-form';
import { actingLabel } from './seats';
import { actingPart, handOverForm, seatHeldPart } from './delegation-pages';
import { DOCUMENT_LABELS, POLICY_TERMINAL, type DocumentKind, type Objective, type PolicyDocumentItem, type PolicyStatus } from './policy';
import { documentTitle, downloadName, objectivesHtml } from './policy-render';

/**
 * The stylesheet is inline and allowed by its hash: one response renders the whole page (phones on slow
 * networks, mail scanners that fetch one URL), no extra route or path prefix to get right behind a custom
 * domain or the local `/<bu>` prefix, and the CSP still forbids every other inline style and all script.
 */
export const STYLE = [
  ':root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5}',
  'body{margin:0;padding:1rem}',
  'main{max-width:40rem;margin:0 auto}',
  'h1{font-size:1.5rem;margin:0 0 1rem}',
  'h2{font-size:1.15rem;margin:1.5rem 0 .5rem}',
  'h3{font-size:1rem;margin:1rem 0 .25rem}',
  // Label and value side by side only where both fit; a value never shrinks to a column of single letters, and a
  // long address breaks only where it would overflow (break-word, unlike anywhere, leaves the column widths alone).
  'dl{display:grid;grid-template-columns:minmax(0,max-content) minmax(0,1fr);gap:.25rem 1rem;margin:0}',
  'dt{font-weight:600;min-width:0}dd{margin:0;min-width:0;overflow-wrap:break-word}',
  '@media (max-width:30rem){dl{display:block}dt{margin-top:.5rem}}',
  'p,li,legend,label{overflow-wrap:break-word}',
  '.lead{font-size:1.05rem}',
  '.next{border-left:4px solid #0b5cad;padding:.25rem .75rem;margin:1rem 0}',
  'fieldset{border:1px solid #8888;border-radius:.5rem;margin:1rem 0;padding:.5rem 1rem}',
  'legend{font-weight:600;padding:0 .25rem}',
  'label{display:block;padding:.35rem 0}',
  'input[type=radio]{width:1.2rem;height:1.2rem;vertical-align:middle;margin-right:.5rem}',
  'textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit}',
  'button{font:inherit;font-weight:600;padding:.75rem 1.5rem;border-radius:.5rem;border:0;background:#0b5cad;color:#fff;width:100%}',
  '.problems{border:2px solid #b00020;border-radius:.5rem;padding:.5rem 1rem}',
  '.note{color:#666}',
  '.justification{white-space:pre-wrap}',
  '@media (min-width:40rem){button{width:auto}}',
].join('');

export const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src '${STYLE_HASH}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** On every answer, errors included. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
  'x-frame-options': 'DENY',
};

export type PageResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

function page(statusCode: number, title: string, content: SafeHtml, extraHeaders: Record<string, string> = {}): PageResult {
  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
  return { statusCode, headers: { ...PAGE_HEADERS, ...extraHeaders }, body: body.value };
}

/** What the buttons say; what was recorded reads as DECIDED says it. */
const CHOICE_LABELS: Record<Choice, string> = { approve: 'approve', 'request-changes': 'request changes', reject: 'reject' };
export const choiceLabel = (choice: Choice) => DECIDED[choice] ?? choice;

/** What the page says about the subject; built from the link, the subject item and the unit config. */
export interface DecisionView {
  decisionId: string;
  subjectType: SubjectType;
  unitName: string;
  timeZone: string;
  recipient: LinkRecipient;
  expiresAt: string;
  /** Issue 15: whom the recipient decides for, the fingerprint of what they decide on, the deputies they may pass it to. */
  actingFor?: LinkRecipient;
  fingerprint?: string;
  deputies?: Array<{ name: string; email: string }>;
  review?: {
    period: string;
    packSummary?: Array<{ heading: string; lines: string[] }>;
    requiredApprovals?: number;
    members?: number;
    /** Who gets the action a "Request changes" raises (as buildMinutes assigns it). */
    actionOwner?: { name: string; role: string };
  };
  request?: {
    title: string;
    category: string;
    amount: number;
    currency: string;
    justification: string;
    requester: string;
    levelName?: string;
  };
  policy?: { documentKind: DocumentKind; version: string; summary: string; sha256: string; submitter: string; format: string };
}

/** A plain function of the stored items, so the page can be tested without AWS. */
export function decisionView(
  link: LinkItem,
  subject: Record<string, unknown>,
  unit: { name: string; timeZone: string; ismsManager?: { name: string }; actionOwner?: { name: string } },
): DecisionView {
  const view: DecisionView = {
    decisionId: link.decisionId,
    subjectType: link.subjectType,
    unitName: unit.name,
    timeZone: unit.timeZone,
    recipient: link.recipient,
    expiresAt: link.expiresAt,
    ...(link.actingFor ? { actingFor: link.actingFor } : {}),
    ...(link.fingerprint ? { fingerprint: link.fingerprint } : {}),
  };
  if (link.subjectType === 'policy') {
    view.policy = {
      documentKind: (subject.documentKind === 'objectives' ? 'objectives' : 'policy') as DocumentKind,
      version: String(subject.version ?? ''),
      summary: String(subject.summary ?? ''),
      sha256: String(subject.sha256 ?? ''),
      submitter: String(subject.submitter ?? ''),
      format: String(subject.format ?? ''),
    };
  } else if (link.subjectType === 'review') {
    view.review = {
      period: String(subject.period ?? ''),
      packSummary: Array.isArray(subject.packSummary) ? subject.packSummary : undefined,
      requiredApprovals: typeof subject.requiredApprovals === 'number' ? subject.requiredApprovals : undefined,
      members: Array.isArray(subject.members) ? subject.members.length : undefined,
      actionOwner: unit.actionOwner
        ? { name: unit.actionOwner.name, role: 'action owner' }
        : unit.ismsManager
          ? { name: unit.ismsManager.name, role: 'ISMS manager' }
          : undefined,
    };
  } else {
    const levels: Array<{ index?: number; name?: string }> = Array.isArray(subject.levels) ? subject.levels : [];
    const level = levels.find((l) => l.index === link.level) ?? (link.level !== undefined ? levels[link.level] : undefined);
    view.request = {
      title: String(subject.title ?? ''),
      category: String(subject.category ?? ''),
      amount: Number(subject.amount ?? 0),
      currency: String(subject.currency ?? ''),
      justification: String(subject.justification ?? ''),
      requester: String(subject.requester ?? ''),
      levelName: level?.name,
    };
  }
  return view;
}

/** Review over, request decided: no more decisions are collected, whatever links are still out. */
export function subjectClosed(subject: Record<string, unknown>): boolean {
  if (subject.closedAt) return true;
  if (subject.kind === 'review') return TERMINAL_STATUSES.includes(subject.status as ReviewStatus);
  if (subject.kind === 'request') return subject.status !== undefined && subject.status !== 'pending';
  if (subject.kind === 'policy') return POLICY_TERMINAL.includes(subject.status as PolicyStatus);
  return false;
}

const categoryLabel = (c: string) => CATEGORY_LABELS[c as ResourceCategory] ?? c;

/** The pack's block that repeats the resource questions: the form asks each of them once, so the page leaves it out. */
const isAdequacyBlock = (b: { heading: string }) => /^5\.1 c\) \/ 7\.1 /.test(String(b.heading));

function subjectSummary(view: DecisionView, title = 'What you are deciding', secret?: string): SafeHtml {
  if (view.policy) {
    const p = view.policy;
    return html`<section aria-labelledby="what">
<h2 id="what">${title}</h2>
<dl>
<dt>Business unit</dt><dd>${view.unitName}</dd>
<dt>Document</dt><dd>${documentTitle(p)}</dd>
<dt>What changed</dt><dd class="justification">${p.summary}</dd>
<dt>Submitted by</dt><dd>${p.submitter}</dd>
<dt>Fingerprint (SHA-256)</dt><dd><code>${p.sha256}</code></dd>
</dl>
${
  secret
    ? html`<p><a href="${view.decisionId}?k=${encodeURIComponent(secret)}&amp;view=document">${
        p.format === 'pdf' ? 'Download the exact document (PDF)' : 'Read the exact document'
      }</a> (opening it decides nothing).</p>`
    : ''
}
</section>`;
  }
  if (view.review) {
    const blocks = (view.review.packSummary ?? []).filter((b) => !isAdequacyBlock(b));
    return html`<section aria-labelledby="what">
<h2 id="what">${title}</h2>
<dl>
<dt>Business unit</dt><dd>${view.unitName}</dd>
<dt>Review period</dt><dd>${view.review.period}</dd>
</dl>
<h2 id="pack">Review pack summary</h2>
${
  blocks.length
    ? blocks.map(
        (b) => html`<h3>${b.heading}</h3>
<ul>${(Array.isArray(b.lines) ? b.lines : []).map((l) => html`<li>${l}</li>`)}</ul>
`,
      )
    : html`<p class="note">The summary is not available on this page; the review pack email has the full pack.</p>`
}
</section>`;
  }
  const r = view.request!;
  return html`<section aria-labelledby="what">
<h2 id="what">${title}</h2>
<dl>
<dt>Business unit</dt><dd>${view.unitName}</dd>
<dt>Request</dt><dd>${r.title}</dd>
<dt>Category</dt><dd>${categoryLabel(r.category)}</dd>
<dt>Amount</dt><dd>${formatMoney(r.amount, r.currency)}</dd>
<dt>Requested by</dt><dd>${r.requester}</dd>
${r.levelName ? html`<dt>Approval level</dt><dd>${r.levelName}</dd>` : ''}
</dl>
<h3>Justification</h3>
<p class="justification">${r.justification}</p>
</section>`;
}

function recipientLine(view: DecisionView): SafeHtml {
  const who = view.recipient;
  return html`<p>This link is for <strong>${who.name}</strong> &lt;${who.email}&gt;${who.role ? html`, ${who.role}` : ''}.</p>${actingPart(view)}`;
}

function heading(view: DecisionView): string {
  if (view.policy) return documentTitle(view.policy);
  return view.subjectType === 'review'
    ? `Management review ${view.review?.period ?? ''}`.trim()
    : `Resource request: ${view.request?.title ?? ''}`;
}

function radio(name: string, value: string, label: string, checked: boolean, required: boolean): SafeHtml {
  const id = `${name}-${value}`;
  return html`<label for="${id}"><input type="radio" id="${id}" name="${name}" value="${value}"${checked ? html` checked` : ''}${
    required ? html` required` : ''
  }>${label}</label>`;
}

/** One sentence: what is asked of this person, with the choices. */
function askedLine(view: DecisionView): string {
  if (view.review) {
    const quorum =
      typeof view.review.requiredApprovals === 'number'
        ? ` ${view.review.requiredApprovals} of ${view.review.members ?? '?'} members must approve.`
        : '';
    return `You are asked to approve the management review ${view.review.period} of ${view.unitName} or to request changes, and to judge whether each kind of resource is adequate.${quorum}`;
  }
  if (view.policy) {
    return `You are asked to approve ${documentTitle(view.policy)} of ${view.unitName} or to request changes; read the exact document first.`;
  }
  const r = view.request!;
  return `You are asked to approve or reject this resource request of ${formatMoney(r.amount, r.currency)}${r.levelName ? ` (approval level: ${r.levelName})` : ''}.`;
}

/** "(2 resource requests in this category since the last review)": what the pack said beside each resource question. */
function adequacyHints(view: DecisionView): Partial<Record<ResourceCategory, string>> {
  const block = (view.review?.packSummary ?? []).find(isAdequacyBlock);
  const hints: Partial<Record<ResourceCategory, string>> = {};
  for (const c of RESOURCE_CATEGORIES) {
    const line = (Array.isArray(block?.lines) ? block.lines : []).find((l) => String(l).includes(adequacyQuestion(c)));
    const hint = line ? /\(([^()]*resource requests?[^()]*)\)\s*$/.exec(String(line))?.[1] : undefined;
    if (hint) hints[c] = `${hint.replace(/^./, (x) => x.toUpperCase())}.`;
  }
  return hints;
}

/**
 * The confirmation page: GET shows it, POST decides. The secret travels in the body (field k) and the form
 * posts to a relative URL without the query string, so it works under any path prefix.
 */
export function confirmationPage(
  view: DecisionView,
  secret: string,
  opts: { statusCode?: number; problems?: FormProblem[]; values?: Record<string, string> } = {},
): PageResult {
  const values = opts.values ?? {};
  const problems = opts.problems ?? [];
  const choices = CHOICES[view.subjectType];
  const hints = adequacyHints(view);
  const adequacy =
    view.subjectType === 'review'
      ? RESOURCE_CATEGORIES.map(
          (c) => html`<fieldset>
<legend>${adequacyQuestion(c)}</legend>
${hints[c] ? html`<p class="note">${hints[c]}</p>` : ''}
${ADEQUACY.map((a) => radio(adequacyField(c), a, a, values[adequacyField(c)] === a, true))}
</fieldset>`,
        )
      : [];
  const deadline = formatTime(view.expiresAt, view.timeZone);
  const content = html`<h1>${heading(view)}</h1>
${recipientLine(view)}
${
  problems.length
    ? html`<section class="problems" role="alert" aria-labelledby="problems">
<h2 id="problems">Your decision was not recorded</h2>
<ul>${problems.map((p) => html`<li><strong>${p.field}</strong>: ${p.message}</li>`)}</ul>
</section>`
    : ''
}
<p class="lead">${askedLine(view)} Decide by <strong>${deadline}</strong>.${
    view.review ? html` <a href="#pack">Read the review pack summary</a> below the form first if you need it.` : ''
  }</p>
${view.request || view.policy ? subjectSummary(view, undefined, secret) : ''}
<form method="post" action="${view.decisionId}" aria-labelledby="decide">
<h2 id="decide">Your decision</h2>
<input type="hidden" name="k" value="${secret}">
<fieldset>
<legend>Decision</legend>
${choices.map((c, i) =>
  radio(
    'choice',
    c,
    CHOICE_LABELS[c].replace(/^./, (x) => x.toUpperCase()),
    values.choice === c,
    i === 0,
  ),
)}
${
  choices.includes('request-changes')
    ? html`<p class="note" id="request-changes-meaning">${requestChangesMeaning({
        requiredApprovals: view.review?.requiredApprovals,
        members: view.review?.members,
        owner: view.review?.actionOwner,
      })}</p>`
    : ''
}
</fieldset>
${
  adequacy.length
    ? html`<h2>Resources (ISO/IEC 27001 clause 7.1)</h2>
${adequacy}`
    : ''
}
<label for="comment">Comment (optional, up to ${COMMENT_MAX_CHARS} characters)</label>
<textarea id="comment" name="comment" maxlength="${COMMENT_MAX_CHARS}" rows="5">${values.comment ?? ''}</textarea>
<p class="note">This link works until ${deadline}. Nothing is recorded until you press the button.</p>
<button type="submit">Record my decision</button>
</form>
${handOverForm(view, secret)}
${view.review ? subjectSummary(view, 'What you are deciding on') : ''}`;
  return page(opts.statusCode ?? 200, heading(view), content);
}

function decisionSummary(record: DecisionRecord, timeZone: string): SafeHtml {
  const adequacy = record.resourceAdequacy
    ? RESOURCE_CATEGORIES.filter((c) => record.resourceAdequacy?.[c]).map(
        (c) => html`<dt>${CATEGORY_LABELS[c]} resources</dt><dd>${record.resourceAdequacy![c]}</dd>`,
      )
    : [];
  return html`<p class="recorded">Recorded: <strong data-choice="${record.choice}">${choiceLabel(record.choice)}</strong> at <time datetime="${
    record.decidedAt
  }">${formatTime(record.decidedAt, timeZone)}</time>, by ${record.recipient ? actingLabel(record.recipient, record.actingFor) : ''}.</p>
${seatHeldPart(record)}
<dl>
${adequacy}
${record.comment ? html`<dt>Comment</dt><dd class="justification">${record.comment}</dd>` : ''}
</dl>`;
}

/** What happens next, from the stored state (core/decision-next.ts); nothing when it could not be read. */
function nextSection(next: string[]): SafeHtml | '' {
  return next.length
    ? html`<section class="next" aria-labelledby="next"><h2 id="next">What happens next</h2>${next.map((l) => html`<p>${l}</p>`)}</section>`
    : '';
}

/** Where post/redirect/get lands, and what a later visit of the link shows: the decision, read-only. */
export function recordedPage(view: DecisionView, record: DecisionRecord, next: string[] = []): PageResult {
  const content = html`<h1>Decision recorded</h1>
${decisionSummary(record, view.timeZone)}
${nextSection(next)}
${subjectSummary(view, 'What was decided')}
<p class="note">You can close this page. The link cannot be used to decide again.</p>`;
  return page(200, 'Decision recorded', content);
}

export function alreadyDecidedPage(record: DecisionRecord, timeZone: string, next: string[] = []): PageResult {
  const content = html`<h1>Already decided</h1>
<p>This decision was already recorded; it cannot be changed through this link.</p>
${decisionSummary(record, timeZone)}
${nextSection(next)}`;
  return page(409, 'Already decided', content);
}

export type GoneReason = 'expired' | 'superseded' | 'closed';

export function gonePage(reason: GoneReason, at?: string, timeZone = 'UTC'): PageResult {
  const text: Record<GoneReason, string> = {
    expired: `This link expired${at ? ` on ${formatTime(at, timeZone)}` : ''}. If a decision is still needed, you will get a new link.`,
    superseded: 'This link no longer works: the decision was passed to someone else (for example after an escalation).',
    closed: 'This decision is closed: no further decisions are being collected.',
  };
  return page(410, 'Link no longer valid', html`<h1>Link no longer valid</h1><p>${text[reason]}</p>`);
}

/** A review whose outcome is fixed (closing or closed), or a request that is no longer pending. */
export function subjectClosing(subject: Record<string, unknown>): boolean {
  return subjectClosed(subject) || (subject.kind === 'review' && typeof subject.outcome === 'string');
}

/**
 * A link that stopped working because its subject closed first (e.g. a member who had not decided when the review
 * closed at quorum): says what happened and when, in the unit's time zone, not that the decision went to someone else.
 */
export function closedBeforeDecisionPage(subject: Record<string, unknown>, unit: { name: string; timeZone: string }): PageResult {
  const when =
    typeof (subject.closedAt ?? subject.closingAt) === 'string'
      ? ` on ${formatTime((subject.closedAt ?? subject.closingAt) as string, unit.timeZone)}`
      : '';
  if (subject.kind === 'review') {
    const outcome = String(subject.outcome ?? subject.status ?? '');
    const required = Number(subject.requiredApprovals);
    const quorum = Number.isFinite(required) ? `the quorum of ${required} approval${required === 1 ? '' : 's'}` : 'the quorum';
    const what: Record<string, string> = {
      approved: `closed${when}, approved: ${quorum} was reached before your decision. Your decision is not needed.`,
      'not-held-on-time': `closed${when} as not held on time: the decision links expired before ${quorum} was reached.`,
      'not-approved': `closed${when}, not approved, before your decision.`,
    };
    const content = html`<h1>The review closed before your decision</h1>
<p>The management review ${String(subject.period ?? '')} of ${unit.name} ${what[outcome] ?? `closed${when} before your decision.`}</p>
<p>Nothing was recorded through this link. You will receive the minutes of the review by email.</p>`;
    return page(410, 'Review closed', content);
  }
  if (subject.kind === 'policy') {
    const content = html`<h1>The decision closed before yours</h1>
<p>${documentTitle({ documentKind: subject.documentKind === 'objectives' ? 'objectives' : 'policy', version: String(subject.version ?? '') })} of ${unit.name} closed${when} (${String(subject.outcome ?? subject.status ?? 'closed')}) before your decision.</p>
<p>Nothing was recorded through this link.</p>`;
    return page(410, 'Decision closed', content);
  }
  const content = html`<h1>The request closed before your decision</h1>
<p>The resource request ${String(subject.title ?? '')} closed${when} (${String(subject.status ?? 'closed')}) before your decision.</p>
<p>Nothing was recorded through this link.</p>`;
  return page(410, 'Request closed', content);
}

/** A sentence only the product's 404 page has: `isms smoke-test` looks for it to tell that page from a gateway's own 404. */
export const NOT_FOUND_MARKER = 'This decision link is not valid.';

/** Unknown id, wrong secret, malformed id, unknown path: all the same page, so none is an oracle. */
export function notFoundPage(): PageResult {
  return page(
    404,
    'Link not found',
    html`<h1>Link not found</h1><p>${NOT_FOUND_MARKER} Please use the latest link from your email, complete and unchanged.</p>`,
  );
}

export function badRequestPage(problems: FormProblem[]): PageResult {
  return page(
    400,
    'Request not understood',
    html`<h1>Request not understood</h1>
<p>Nothing was recorded.</p>
<ul>${problems.map((p) => html`<li><strong>${p.field}</strong>: ${p.message}</li>`)}</ul>`,
  );
}

export function forbiddenPage(): PageResult {
  return page(
    403,
    'Not allowed',
    html`<h1>Not allowed</h1><p>Decisions can only be sent from the decision page itself. Nothing was recorded. Open the link from your email again.</p>`,
  );
}

export function methodNotAllowedPage(): PageResult {
  return page(405, 'Method not allowed', html`<h1>Method not allowed</h1><p>Open the link from your email.</p>`, {
    allow: 'GET, HEAD, POST',
  });
}

export function unsupportedMediaPage(): PageResult {
  return page(
    415,
    'Unsupported form encoding',
    html`<h1>Unsupported form encoding</h1><p>Content-Type: decisions are sent as application/x-www-form-urlencoded from the decision page. Nothing was recorded.</p>`,
  );
}

export function tooLargePage(): PageResult {
  return page(
    413,
    'Form too large',
    html`<h1>Form too large</h1><p>The form is larger than the decision page can send. Nothing was recorded.</p>`,
  );
}

/** Our failure, not the user's; says whether the click counted so nobody wonders. */
export function unavailablePage(): PageResult {
  return page(
    503,
    'Try again',
    html`<h1>Please try again</h1><p>The decision service could not be reached just now, and your decision was not recorded. Please try again in a minute.</p>`,
    { 'retry-after': '30' },
  );
}

/** The local adapter's answer for a path outside every unit. */
export function indexPage(): PageResult {
  return page(200, 'Decision endpoint', html`<h1>Decision endpoint</h1><p>Decision links from ISMS emails open here.</p>`);
}

/** The page frame for pages built elsewhere (core/delegation-pages.ts). */
export { page as decisionPage };

/**
 * The exact document behind a decision link (GET only: it shows, never decides). Markdown is rendered with raw HTML off
 * and shown under the page's CSP (no script at all); a PDF is offered as a download, never rendered in the page.
 */
export function documentPage(
  view: DecisionView,
  doc: Pick<PolicyDocumentItem, 'format' | 'contentBase64' | 'sha256'>,
  objectives?: readonly Objective[],
  /** The Markdown as policy-open rendered it (core/policy-markdown.ts), when it was rendered from these very bytes. */
  renderedHtml?: string,
): PageResult {
  const p = view.policy!;
  // Markdown that could not be shown as HTML (too large to store rendered) is offered as the file itself.
  if (doc.format === 'pdf' || (doc.format === 'markdown' && renderedHtml === undefined)) {
    const pdf = doc.format === 'pdf';
    return {
      statusCode: 200,
      headers: {
        ...PAGE_HEADERS,
        'content-type': pdf ? 'application/pdf' : 'text/markdown; charset=utf-8',
        'content-disposition': `attachment; filename="${downloadName(p, doc.format)}"`,
      },
      body: doc.contentBase64,
      isBase64Encoded: true,
    };
  }
  const content = html`<h1>${documentTitle(p)}</h1>
<p class="note">${view.unitName}, ${DOCUMENT_LABELS[p.documentKind]} submitted for approval. Fingerprint (SHA-256): <code>${doc.sha256}</code>. Go back to the decision page to decide.</p>
<article>
${doc.format === 'json' && objectives ? objectivesHtml(objectives) : new SafeHtml(renderedHtml ?? '')}
</article>`;
  return page(200, documentTitle(p), content);
}

/** A policy decision link in the hands of whoever submitted the document: they may not approve it, nothing is recorded. */
export function submitterRefusedPage(view: DecisionView): PageResult {
  const title = view.policy ? documentTitle(view.policy) : 'This decision';
  return page(
    403,
    'Not allowed',
    html`<h1>You submitted this document</h1>
<p>${title} was submitted by ${view.recipient.email}: the submitter may not approve it (segregation of duties, ISO/IEC 27001 A.5.3). Nothing was recorded.</p>`,
  );
}
