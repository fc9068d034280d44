// Dependencies point one way (docs/architecture.md#dependencies-point-one-way): every import of the product folders is checked
// against the rule of the folder it is in, and a break names the file, the import and the rule.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const CHECKED = ['core', 'lambdas', 'lib', 'cli', 'local', 'bin'];
/** Besides bin/, tests/ and bench/, the only file that may start the CLI or the local runtime: `npm start`'s entry. */
const LOCAL_ENTRY = 'local/start.ts';

interface Import {
  file: string;
  specifier: string;
  /** `import type` / `export type`, or every named item marked `type`: erased at compile time, never loaded. */
  typeOnly: boolean;
}

/**
 * Static `import … from`, side-effect `import '…'`, `export … from` (each at the start of a line, so JSDoc and
 * comments do not count), and dynamic `import('…')` / `require('…')` anywhere.
 */
function importsOf(file: string, source: string): Import[] {
  const found: Import[] = [];
  const add = (specifier: string, typeOnly = false) => found.push({ file, specifier, typeOnly });
  const named = (typeKeyword: string | undefined, clause: string) => {
    const items = /^\{([^}]*)\}$/
      .exec(clause.trim())?.[1]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return Boolean(typeKeyword) || Boolean(items?.length && items.every((i) => i.startsWith('type ')));
  };
  for (const m of source.matchAll(/^[ \t]*import(\s+type)?\s+([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm)) add(m[3], named(m[1], m[2]));
  for (const m of source.matchAll(/^[ \t]*import\s*['"]([^'"]+)['"]/gm)) add(m[1]);
  for (const m of source.matchAll(/^[ \t]*export(\s+type)?\s*(\*(?:\s+as\s+\w+)?|\{[^}]*\})\s*from\s*['"]([^'"]+)['"]/gm))
    add(m[3], named(m[1], m[2]));
  for (const m of source.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1]);
  return found;
}

/** The repository path a relative specifier names (without extension), or the package a bare one names. */
function target(imp: Import): { path?: string; pkg?: string } {
  if (imp.specifier.startsWith('.')) return { path: path.posix.normalize(path.posix.join(path.posix.dirname(imp.file), imp.specifier)) };
  const parts = imp.specifier.split('/');
  return { pkg: imp.specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] };
}

const folderOf = (p: string) => p.split('/')[0];

interface Rule {
  name: string;
  appliesTo(file: string): boolean;
  /** Whether the import breaks the rule. */
  breaks(imp: Import, to: { path?: string; pkg?: string }): boolean;
}

// markdown-it: the policy document rendered with raw HTML off (core/policy-render.ts); pure, no I/O.
const CORE_PACKAGES = ['zod', 'croner', 'node:crypto', 'markdown-it'];

const RULES: Rule[] = [
  {
    name: 'core/ imports only core/ and zod, croner, node:crypto (aws-lambda as `import type` only): no AWS SDK, CDK, fs, Powertools',
    appliesTo: (f) => folderOf(f) === 'core',
    breaks: (imp, to) =>
      to.path !== undefined
        ? folderOf(to.path) !== 'core'
        : !(CORE_PACKAGES.includes(to.pkg!) || (to.pkg === 'aws-lambda' && imp.typeOnly)),
  },
  {
    name: 'lambdas/ imports only lambdas/ and core/, and no CDK (aws-cdk-lib, constructs)',
    appliesTo: (f) => folderOf(f) === 'lambdas',
    breaks: (_imp, to) =>
      to.path !== undefined ? !['lambdas', 'core'].includes(folderOf(to.path)) : ['aws-cdk-lib', 'constructs'].includes(to.pkg!),
  },
  {
    name: 'lib/ (CDK) imports neither cli/ nor local/',
    appliesTo: (f) => folderOf(f) === 'lib',
    breaks: (_imp, to) => to.path !== undefined && ['cli', 'local'].includes(folderOf(to.path)),
  },
  {
    name: `only bin/, tests/, bench/ and ${LOCAL_ENTRY} import cli/ or local/ (each may import its own folder)`,
    appliesTo: (f) => folderOf(f) !== 'bin' && f !== LOCAL_ENTRY,
    breaks: (imp, to) => to.path !== undefined && ['cli', 'local'].includes(folderOf(to.path)) && folderOf(to.path) !== folderOf(imp.file),
  },
];

/** Every break of the rules in these files, one line each: "file: imports 'specifier': rule". */
function violations(files: Array<{ file: string; source: string }>): string[] {
  const out: string[] = [];
  for (const { file, source } of files) {
    for (const imp of importsOf(file, source)) {
      const to = target(imp);
      for (const rule of RULES) {
        if (rule.appliesTo(file) && rule.breaks(imp, to)) out.push(`${file}: imports '${imp.specifier}': ${rule.name}`);
      }
    }
  }
  return out;
}

function productFiles(): Array<{ file: string; source: string }> {
  return CHECKED.flatMap((dir) =>
    (readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `${dir}/${f.split(path.sep).join('/')}`)
      .map((file) => ({ file, source: readFileSync(path.join(ROOT, file), 'utf8') })),
  );
}

describe('the dependency rule', () => {
  it('holds for every import of core/, lambdas/, lib/, cli/, local/ and bin/', () => {
    const files = productFiles();
    // The scan sees the imports it must judge (a scan that finds nothing would pass anything).
    expect(files.length).toBeGreaterThan(80);
    const specifiers = (file: string) => importsOf(file, files.find((f) => f.file === file)!.source).map((i) => i.specifier);
    expect([...specifiers('core/review-start.ts'), ...specifiers('core/review-render.ts')]).toEqual(
      expect.arrayContaining(['./zod', './period', './html']),
    );
    expect(violations(files)).toEqual([]);
  });

  it('names the file, the import and the rule of each break', () => {
    const src = (lines: string[]) => lines.join('\n');
    expect(
      violations([
        {
          file: 'core/tally.ts',
          source: src(["import { Stack } from 'aws-cdk-lib';", "import type { Runtime } from '../lambdas/shared/runtime';"]),
        },
        {
          file: 'core/page.ts',
          source: src(["import type { APIGatewayProxyResultV2 } from 'aws-lambda';", "import { readFileSync } from 'node:fs';"]),
        },
        {
          file: 'lambdas/x.ts',
          source: src([
            "export { FUNCTIONS } from '../core/functions';",
            "import { App } from 'aws-cdk-lib';",
            "import { IsmsLeadershipStack } from '../lib/stack';",
          ]),
        },
        { file: 'lib/y.ts', source: "  const { startLocalRuntime } = await import('../local/runtime');" },
        { file: 'cli/z.ts', source: "import {\n  startLocalRuntime,\n} from '../local/runtime';" },
        { file: 'local/start.ts', source: "import { LOCAL_STATE_FILE } from '../cli/context';" },
        {
          file: 'local/w.ts',
          source: "/**\n * import { x } from '../cli/context' in a comment is no import\n */\nimport { y } from './runtime';",
        },
      ]),
    ).toEqual([
      `core/tally.ts: imports 'aws-cdk-lib': ${RULES[0].name}`,
      `core/tally.ts: imports '../lambdas/shared/runtime': ${RULES[0].name}`,
      `core/page.ts: imports 'node:fs': ${RULES[0].name}`,
      `lambdas/x.ts: imports 'aws-cdk-lib': ${RULES[1].name}`,
      `lambdas/x.ts: imports '../lib/stack': ${RULES[1].name}`,
      `lib/y.ts: imports '../local/runtime': ${RULES[2].name}`,
      `lib/y.ts: imports '../local/runtime': ${RULES[3].name}`,
      `cli/z.ts: imports '../local/runtime': ${RULES[3].name}`,
    ]);
  });
});
