// What deputies and absent people are told (issue 15): "acting for <name>" on an email, and the copy without a link.
import type { BusinessUnitConfig, Person } from './config';
import { decisionButton, type Email } from './email';
import { html } from './html';
import { PRODUCT_NAME } from './email-layout';
import { shortFingerprint } from './fingerprint';

/**
 * An email of a decision, addressed to `to`, with lines put before its first paragraph: who the recipient acts for, and the
 * fingerprint of what they decide on. Kept as a wrapper so the templates themselves stay as they are.
 */
export function withLeadLines(email: Email, lines: string[], subjectPrefix = ''): Email {
  if (!lines.length && !subjectPrefix) return email;
  const block = html`${lines.map((l) => html`<p><strong>${l}</strong></p>`)}`.value;
  // In the shared layout the lines go under the heading, so the product header stays the first thing read.
  const h1 = email.html.indexOf('</h1>');
  const at = email.html.indexOf('<p');
  const bodyAt = email.html.indexOf('>', email.html.indexOf('<body')) + 1;
  const insertAt = h1 >= 0 ? h1 + '</h1>'.length : at >= 0 ? at : bodyAt;
  const leadText = lines.map((l) => `${l}\n\n`).join('');
  // Text part of the layout: "<product> · <unit>", blank, heading, blank, body.
  const framed = email.text.startsWith(`${PRODUCT_NAME} · `);
  const textAt = framed ? nthIndex(email.text, '\n\n', 2) : -1;
  return {
    ...email,
    subject: `${subjectPrefix}${email.subject}`,
    html: `${email.html.slice(0, insertAt)}${block}${email.html.slice(insertAt)}`,
    text: textAt >= 0 ? `${email.text.slice(0, textAt + 2)}${leadText}${email.text.slice(textAt + 2)}` : `${leadText}${email.text}`,
  };
}

function nthIndex(text: string, needle: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) return -1;
  }
  return at;
}

/** "You decide acting for Clara Weber (absent 1-10 Dec 2026)." */
export function actingLine(original: Person, why: string): string {
  return `You decide acting for ${original.name} <${original.email}> (${why}). Your decision is recorded as yours, for them, and counts for their seat once.`;
}

/** What a subject's fingerprint covers, in words. */
export const fingerprintedWhat = (subjectType: string): 'pack' | 'request' | 'document' =>
  subjectType === 'review' ? 'pack' : subjectType === 'policy' ? 'document' : 'request';

export function fingerprintLine(what: 'pack' | 'request' | 'document', hex: string | undefined): string[] {
  return hex
    ? [`Fingerprint of the ${what} you decide on: ${shortFingerprint(hex)} (SHA-256; the decision page and the record show the same).`]
    : [];
}

/** The absent (or handing-over) person's copy: who decides for them, about what, and no link. */
export function informationCopyEmail(args: {
  unit: BusinessUnitConfig;
  original: Person;
  deputy: Person;
  what: string;
  why: string;
}): Email {
  const { unit, original, deputy, what, why } = args;
  const subject = `[${unit.name}] For information: ${deputy.name} decides ${what} for you`;
  const lines = [
    `Dear ${original.name},`,
    `${deputy.name} <${deputy.email}> decides ${what} acting for you (${why}). This copy is for your information and has no decision link.`,
    `Questions: ${unit.ismsManager.name} <${unit.ismsManager.email}>, ISMS manager.`,
  ];
  return {
    to: [original.email],
    subject,
    html: html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${subject}</title></head><body>${lines.map(
      (l) => html`<p>${l}</p>`,
    )}</body></html>`.value,
    text: `${lines.join('\n\n')}\n`,
  };
}

/** What a link decides, in words: "the management review 2026-Q4", "level 2 (CFO) of the resource request "Laptops"". */
export function decidedOnWords(link: { subjectType: string; subjectId: string; level?: number }, subject: Record<string, unknown>): string {
  if (link.subjectType === 'review') return `the management review ${String(subject.period ?? link.subjectId)}`;
  if (link.subjectType === 'policy')
    return `version ${String(subject.version ?? '')} of the ${subject.documentKind === 'objectives' ? 'objectives' : 'information security policy'}`;
  const levels: Array<{ name?: string }> = Array.isArray(subject.levels) ? subject.levels : [];
  const level =
    link.level !== undefined ? `level ${link.level + 1}${levels[link.level]?.name ? ` (${levels[link.level].name})` : ''} of ` : '';
  return `${level}the resource request "${String(subject.title ?? link.subjectId)}"`;
}

/** A link passed on from the decision page (hand-over, or a new link after the content changed), to its new holder. */
export function passedLinkEmail(args: {
  unit: BusinessUnitConfig;
  to: Person;
  what: string;
  lead: string[];
  url: string;
  expiresAt: string;
}): Email {
  const { unit, to, what, lead, url, expiresAt } = args;
  const subject = `[${unit.name}] Your decision is needed: ${what}`;
  const lines = [
    `Dear ${to.name},`,
    ...lead,
    `Your personal link works until ${expiresAt}; opening it decides nothing. Do not forward it.`,
  ];
  return {
    to: [to.email],
    subject,
    html: html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${subject}</title></head><body>${lines.map(
      (l) => html`<p>${l}</p>`,
    )}${decisionButton(url)}<p>Questions: ${unit.ismsManager.name} &lt;${unit.ismsManager.email}&gt;, ISMS manager.</p></body></html>`
      .value,
    text: `${lines.join('\n\n')}\n\nReview and decide:\n${url}\n\nQuestions: ${unit.ismsManager.name} <${unit.ismsManager.email}>, ISMS manager.\n`,
  };
}
