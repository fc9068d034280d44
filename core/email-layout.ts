// The one layout of every email the product sends: a phone-first HTML document and a plain-text part that says the same.
import { html, SafeHtml } from './html';

/** The product's name, as the header of every email shows it beside the unit's name. */
export const PRODUCT_NAME = 'ISMS leadership';

/**
 * A subject that starts with what is asked of the reader ("Decision needed: ..."), then what it is about, then the
 * unit, so a list of subjects on a phone reads as a to-do list and sorts by what to do.
 */
export function emailSubject(ask: string, about: string, unitName: string): string {
  return `${ask}: ${about} (${unitName})`;
}

/**
 * Inline styles, because many mail clients drop <style>; the few rules below only refine what the inline styles already
 * make readable. Tables never force a phone to scroll sideways: cells wrap long words (addresses) where they must.
 */
const HEAD_STYLE =
  'body{margin:0;padding:0}table{border-collapse:collapse;max-width:100%}th,td{text-align:left;vertical-align:top;padding:2px 12px 2px 0;overflow-wrap:break-word;word-break:break-word}' +
  'img{max-width:100%}@media (max-width:480px){.isms-wrap{padding:12px !important}}';

const FONT = "-apple-system, 'Segoe UI', Roboto, Arial, sans-serif";

export interface LayoutArgs {
  unitName: string;
  /** The document title: the subject. */
  subject: string;
  /** One line at the top that says what is asked (or what happened), as the subject does. */
  heading: string;
  body: SafeHtml;
  /** Small print: who to ask, why the email came. */
  footer?: string;
}

/** The HTML part: viewport meta (phones lay out at their width, not at 980 px), one column of at most 640 px. */
export function layoutHtml(args: LayoutArgs): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${args.subject}</title>
<style>${new SafeHtml(HEAD_STYLE)}</style></head>
<body style="margin: 0; padding: 0; background: #f4f5f7">
<div class="isms-wrap" style="max-width: 640px; margin: 0 auto; padding: 16px; box-sizing: border-box; background: #ffffff; font-family: ${new SafeHtml(FONT)}; font-size: 16px; line-height: 1.5; color: #1a1a1a; overflow-wrap: break-word; word-wrap: break-word">
<p style="margin: 0 0 16px; padding-bottom: 8px; border-bottom: 2px solid #0b5cad; font-size: 14px; color: #555555"><strong style="color: #0b5cad">${PRODUCT_NAME}</strong> · ${args.unitName}</p>
<h1 style="font-size: 20px; line-height: 1.3; margin: 0 0 16px">${args.heading}</h1>
${args.body}
${args.footer ? html`<p style="margin-top: 24px; padding-top: 8px; border-top: 1px solid #dddddd; font-size: 13px; color: #555555">${args.footer}</p>` : ''}
</div>
</body></html>`.value;
}

/** The plain-text part: the same header, heading and footer around the text body. */
export function layoutText(args: { unitName: string; heading: string; body: string; footer?: string }): string {
  const body = args.body.replace(/\n+$/, '');
  return [`${PRODUCT_NAME} · ${args.unitName}`, '', args.heading, '', body, ...(args.footer ? ['', '--', args.footer] : []), ''].join('\n');
}

/** Both parts from one description, so they cannot say different things in their frame. */
export function layoutEmail(args: LayoutArgs & { text: string }): { html: string; text: string } {
  return {
    html: layoutHtml(args),
    text: layoutText({ unitName: args.unitName, heading: args.heading, body: args.text, footer: args.footer }),
  };
}
