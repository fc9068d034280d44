// Comments cite the design decisions by link to a section of docs/architecture.md: every cited section must exist, so
// a heading renamed without its citations (or a citation mistyped) fails here, and no comment cites a bare number.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const DOC = 'docs/architecture.md';
const SKIP = new Set(['node_modules', 'cdk.out']);
const TEXT = /\.(ts|mjs|js|json|md)$/;

function files(dir = ''): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.name.startsWith('.') || SKIP.has(e.name) || rel === 'package-lock.json') return [];
    if (e.isDirectory()) return files(rel);
    return TEXT.test(e.name) ? [rel] : [];
  });
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

const doc = readFileSync(path.join(ROOT, DOC), 'utf8');
const anchors = new Set([...doc.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1])));
const sources = files().map((file) => ({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }));

describe('citations of docs/architecture.md', () => {
  it('every cited section exists', () => {
    const cited = sources.flatMap(({ file, text }) => {
      const inDoc = file === DOC ? [...text.matchAll(/\]\(#([\w-]+)\)/g)] : [];
      return [...text.matchAll(/architecture\.md#([\w-]+)/g), ...inDoc].map((m) => ({ file, anchor: m[1] }));
    });
    expect(cited.length).toBeGreaterThan(20);
    expect(cited.filter((c) => !anchors.has(c.anchor)).map((c) => `${c.file}: #${c.anchor}`)).toEqual([]);
  });

  it('no comment cites a decision by number (the list they counted is not in the repository)', () => {
    const numbered = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/\(decisions? \d+|\bdecision \d+:/gi)].map((m) => `${file}: ${m[0]}`),
    );
    expect(numbered).toEqual([]);
  });
});
