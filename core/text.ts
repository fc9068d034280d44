// What text a stored field may hold: no control characters or bidi overrides (they rewrite email headers and terminals).
//
// A CR/LF in a title becomes a second line of an email subject (header injection where a mailer is lax), an ESC
// starts a terminal escape sequence (rewrites what an operator sees, or the window title), and a bidi override
// (U+202E) shows "txt.exe" as "exe.txt". Single-line fields refuse them all; multi-line fields allow newline and tab.

/** C0 and C1 controls, DEL, bidi embeddings/overrides (U+202A-U+202E) and isolates (U+2066-U+2069). */
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const UNSAFE_MULTI_LINE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export type TextKind = 'single-line' | 'multi-line';

/** "U+001B" */
export const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

const ALLOWED: Record<TextKind, string> = {
  'single-line': 'one line of printable text (no control characters, line breaks or bidi overrides)',
  'multi-line': 'printable text, line breaks and tabs (no other control characters or bidi overrides)',
};

/**
 * Why `value` may not be stored as a field of this kind, or undefined when it may. The message names the first
 * offending character by code point and position, never echoing it (it would act on the terminal that shows it).
 */
export function textProblem(value: string, kind: TextKind): string | undefined {
  const pattern = kind === 'single-line' ? UNSAFE : UNSAFE_MULTI_LINE;
  pattern.lastIndex = 0;
  const found = pattern.exec(value);
  pattern.lastIndex = 0;
  if (!found) return undefined;
  return `contains the control character ${codePoint(found[0])} at position ${found.index + 1}; allowed is ${ALLOWED[kind]}`;
}

/** Browsers and Windows files send CRLF: a multi-line field stores LF only, so CR never reaches a stored value. */
export const normaliseLineBreaks = (value: string) => value.replace(/\r\n?/g, '\n');

/**
 * Makes a line safe to print to a terminal: every control character and bidi override becomes a visible `\u001b`
 * escape. Newline and tab survive only where the output is multi-line by design (`keepLineBreaks`); a stored
 * value printed inside a line gets them escaped too, so it cannot fake a line of its own.
 */
export function terminalSafe(value: string, keepLineBreaks = false): string {
  const pattern = keepLineBreaks ? UNSAFE_MULTI_LINE : UNSAFE;
  return value.replace(pattern, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** An email subject is one header line: any line break or control character left becomes a space. */
export const subjectLine = (value: string) => value.replace(UNSAFE, ' ').replace(/ {2,}/g, ' ').trim();

/** A zod superRefine check (structurally typed, so this module needs no zod): `z.string().superRefine(checkText('single-line'))`. */
export function checkText(kind: TextKind) {
  return (value: string, ctx: { addIssue(issue: { code: 'custom'; message: string }): void }) => {
    const problem = textProblem(value, kind);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}
