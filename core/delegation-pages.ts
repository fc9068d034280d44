// The parts of decision pages that issue 15 adds: "acting for", the fingerprint, the hand-over form, the seat-held answer.
import { decisionPage, type PageResult } from './decision-pages';
import { html, type SafeHtml } from './html';
import type { DecisionRecord, LinkRecipient } from './decisions';
import { shortFingerprint } from './fingerprint';

interface ViewPart {
  decisionId: string;
  actingFor?: LinkRecipient;
  fingerprint?: string;
  deputies?: Array<{ name: string; email: string }>;
  subjectType: string;
}

/** Under "This link is for …": whom the recipient acts for, and the fingerprint of what they decide on. */
export function actingPart(view: ViewPart): SafeHtml {
  return html`${view.actingFor ? html`<p>You decide <strong>acting for ${view.actingFor.name}</strong> &lt;${view.actingFor.email}&gt;; your decision counts for their seat, once.</p>` : ''}${
    view.fingerprint
      ? html`<p class="note">Fingerprint of the ${view.subjectType === 'review' ? 'review pack' : 'request'}: <code data-fingerprint="${view.fingerprint}">${shortFingerprint(view.fingerprint)}</code></p>`
      : ''
  }`;
}

/** "I can't decide this": a second form that passes the link to one of the holder's configured deputies. */
export function handOverForm(view: ViewPart, secret: string): SafeHtml {
  if (!view.deputies?.length || view.actingFor) return html``;
  return html`<form method="post" action="${view.decisionId}" aria-labelledby="pass">
<h2 id="pass">I can't decide this: pass it to my deputy</h2>
<input type="hidden" name="k" value="${secret}">
<input type="hidden" name="action" value="pass">
<fieldset>
<legend>Deputy</legend>
${view.deputies.map(
  (d, i) =>
    html`<label for="deputy-${i}"><input type="radio" id="deputy-${i}" name="deputy" value="${d.email}" required>${d.name} &lt;${d.email}&gt;</label>`,
)}
</fieldset>
<p class="note">Your link stops working and your deputy gets their own, to decide for you. Both names are recorded.</p>
<button type="submit">Pass to my deputy</button>
</form>`;
}

export function seatHeldPart(record: Pick<DecisionRecord, 'actingFor' | 'fingerprint'>): SafeHtml {
  return record.fingerprint
    ? html`<p class="note">Decided on the content with fingerprint <code data-fingerprint="${record.fingerprint}">${shortFingerprint(record.fingerprint)}</code>.</p>`
    : html``;
}

/** 409: the seat is held through another link (the original's or their deputy's); says by whom and when. */
export function seatHeldPage(reason: string): PageResult {
  return decisionPage(409, 'Decided already', html`<h1>Decided already</h1><p>${reason}.</p>`);
}

/** 409: the person posting decides another person's seat in this subject already (one person, one seat). */
export function oneSeatPage(heldFor: string): PageResult {
  return decisionPage(
    409,
    'One seat each',
    html`<h1>You decide one seat here already</h1><p>You decide for ${heldFor} in this already; one person counts once, so nothing was recorded through this link. Tell the ISMS manager, who can end the absence or name another deputy.</p>`,
  );
}

/** 409: a request decision by someone who may not decide it (requestDeciderBar): nothing recorded. */
export function oneLevelPage(why: string): PageResult {
  return decisionPage(
    409,
    'Not yours to decide',
    html`<h1>You may not decide this request</h1><p>You ${why}, so nothing was recorded through this link. Tell the ISMS manager, who can end the absence or name another deputy.</p>`,
  );
}

/** 409: what the link was issued on changed since; a new link went out by email. */
export function contentChangedPage(what: string, issued: string, now: string, sentTo: string): PageResult {
  return decisionPage(
    409,
    'Content changed',
    html`<h1>The ${what} changed since this link was issued</h1>
<p>This link was issued on the ${what} with fingerprint <code>${shortFingerprint(issued)}</code>; it now has fingerprint <code>${shortFingerprint(now)}</code>. Nothing was recorded: nobody decides on content they were not shown.</p>
<p>A new link to the current ${what} was emailed to ${sentTo}. This link no longer works.</p>`,
  );
}

export function handedOverPage(deputy: { name: string; email: string }): PageResult {
  return decisionPage(
    200,
    'Passed to your deputy',
    html`<h1>Passed to your deputy</h1><p>${deputy.name} &lt;${deputy.email}&gt; now has their own link and decides for you. Your link no longer works. Both names are recorded.</p>`,
  );
}

export function handOverRefusedPage(reason: string): PageResult {
  return decisionPage(403, 'Not passed on', html`<h1>Not passed on</h1><p>${reason}. Nothing changed.</p>`);
}

/** 410 for a link passed on (absence, hand-over, changed content): why, and to whom, as recorded when it stopped. */
export function passedOnPage(reason: string | undefined): PageResult {
  return decisionPage(
    410,
    'Link no longer valid',
    html`<h1>Link no longer valid</h1><p>This link no longer works: ${reason ?? 'the decision was passed on'}.</p>`,
  );
}
