// Markdown to HTML for a policy document, kept out of core/policy-render.ts so that the public decision endpoint carries
// no Markdown parser: policy-open renders the document once, when the submission opens, and stores the result as
// evidence beside it (keys.policyDocumentHtml); the endpoint serves that stored HTML under its CSP and policy-close
// sends it to the audience (core/policy-render.ts communicatedDocumentHtml).
import MarkdownIt from 'markdown-it';
import { SafeHtml } from './html';

/**
 * html: false escapes every tag a document holds (a <script> is shown as text); linkify off, so only links the author
 * wrote become links; markdown-it's own validateLink stays, which refuses javascript:, vbscript:, file: and data: (but
 * images) URLs. The page's CSP forbids script anyway: this is the second line.
 */
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

export function renderMarkdown(text: string): SafeHtml {
  return new SafeHtml(md.render(text));
}
