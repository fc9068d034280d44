// An email as the templates build it (HTML and plain text), its recipients, and the decision button; sending is lambdas/shared/email.ts.
import { html, type SafeHtml } from './html';

export interface Email {
  to: string[];
  cc?: string[];
  subject: string;
  html: string;
  text: string;
}

/** Every recipient once (To and Cc together, compared without case). */
export function recipients(email: Pick<Email, 'to' | 'cc'>): string[] {
  const all = [...email.to, ...(email.cc ?? [])];
  return all.filter((e, i) => all.findIndex((x) => x.toLowerCase() === e.toLowerCase()) === i);
}

/**
 * The one call to action of a decision email. It opens a new tab: mail clients do so anyway, and the
 * decision page refuses to be framed (frame-ancestors 'none'), so it must not open inside a web inbox's frame.
 */
export function decisionButton(url: string, label = 'Review and decide'): SafeHtml {
  return html`<p><a href="${url}" target="_blank" rel="noopener noreferrer" style="display: inline-block; background: #0b5cad; color: #fff; padding: 10px 18px; border-radius: 4px; text-decoration: none">${label}</a></p>`;
}
