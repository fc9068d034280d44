// Markdown to HTML for a policy document, kept out of core/policy-render.ts so that the public decision endpoint carries
// no Markdown parser: policy-open renders the document once, when the submission opens, and stores the result as
// evidence beside it (keys.policyDocumentHtml); the endpoint only serves that stored HTML under its CSP.
import MarkdownIt from 'markdown-it';
import { html, SafeHtml } from './html';
import type { Objective, PolicyDocumentItem } from './policy';
import { objectivesHtml } from './policy-render';

/**
 * html: false escapes every tag a document holds (a <script> is shown as text); linkify off, so only links the author
 * wrote become links; markdown-it's own validateLink stays, which refuses javascript:, vbscript:, file: and data: (but
 * images) URLs. The page's CSP forbids script anyway: this is the second line.
 */
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

export function renderMarkdown(text: string): SafeHtml {
  return new SafeHtml(md.render(text));
}

/** The document as HTML: Markdown rendered, objectives as a table; a PDF has no HTML form (it is downloaded). */
export function documentHtml(doc: Pick<PolicyDocumentItem, 'format' | 'contentBase64'>, objectives?: readonly Objective[]): SafeHtml {
  if (doc.format === 'json' && objectives) return objectivesHtml(objectives);
  if (doc.format === 'markdown') return renderMarkdown(Buffer.from(doc.contentBase64, 'base64').toString('utf8'));
  return html`<p>The document is a PDF.</p>`;
}
