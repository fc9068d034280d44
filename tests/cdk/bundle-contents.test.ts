// Each function bundles only what it uses (issue 14): the SDK clients its catalogue entry lets it call, zod/mini and not
// the full zod, croner only where a schedule is computed. Sizes and import times are measured by `npm run bench -- bundles`.
import { build, type Metafile } from 'esbuild';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../core/functions';
import { REPO_ROOT } from '../../lib/isms-function';
import { functionBuildOptions } from '../support/bundling';
import { POWERTOOLS_PACKAGES } from '../../lib/powertools-layer';

// review-open stores the next scheduled reviews on the review, so that review-close dates the actions without croner.
const COMPUTES_SCHEDULE = new Set(['review-open']);
// policy-open renders the Markdown once and stores it; the decision endpoint and policy-close send that stored HTML.
const RENDERS_MARKDOWN = new Set(['policy-open']);

/** Per function id, the node_modules files in its bundle. */
const packages = new Map<string, string[]>();
/** Per function id, what its bundle still imports at run time (Node built-ins and externals). */
const externals = new Map<string, string[]>();

/**
 * The files of node_modules with code in the bundle, as "package/path" ("zod/v4/mini/schemas.js", "@aws-sdk/client-ses/…").
 * A module imported but not called keeps a few top-level statements esbuild cannot prove pure (croner: 172 bytes of its
 * 32 KB), so a file counts from 1 KB.
 */
function moduleFiles(output: Metafile['outputs'][string]): string[] {
  return Object.entries(output.inputs).flatMap(([input, { bytesInOutput }]) => {
    const m = /node_modules\/(.+)$/.exec(input);
    return m && bytesInOutput >= 1024 ? [m[1]] : [];
  });
}

describe('what each function bundles', () => {
  beforeAll(async () => {
    // One build of every entry, in memory: esbuild parses the shared modules once (a few seconds, not one build each).
    // Without the source maps, which change no input's bytes in the output: 2.2-2.4 s against 4.3-6.9 s (2 runs each).
    const result = await build({
      ...functionBuildOptions(),
      sourcemap: false,
      entryPoints: FUNCTIONS.map((f) => ({ in: path.join(REPO_ROOT, f.entry), out: `${f.id}/index` })),
      outExtension: { '.js': '.mjs' },
      outdir: 'bundles',
      write: false,
    });
    for (const [file, output] of Object.entries(result.metafile!.outputs)) {
      if (!file.endsWith('.mjs')) continue;
      const id = path.basename(path.dirname(file));
      packages.set(id, moduleFiles(output));
      externals.set(
        id,
        output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path),
      );
    }
    expect([...packages.keys()].sort()).toEqual(FUNCTIONS.map((f) => f.id).sort());
  }, 60_000);

  it.each(FUNCTIONS.map((f) => [f.id, f] as const))(
    '%s: the SDK clients its catalogue entry allows, zod/mini, croner and markdown-it only where used',
    (id, spec) => {
      const files = packages.get(id)!;
      const has = (prefix: string) => files.some((f) => f.startsWith(prefix));
      expect(has('@aws-sdk/client-dynamodb/'), 'DynamoDB').toBe(true);
      expect(has('@aws-sdk/client-ses/'), 'SES client').toBe(Boolean(spec.access.sendEmail));
      expect(has('@aws-sdk/client-sfn/'), 'SFN client').toBe(Boolean(spec.access.resumes?.length || spec.access.failsWaits?.length));
      expect(has('croner/'), 'croner').toBe(COMPUTES_SCHEDULE.has(id));
      expect(has('markdown-it/'), 'markdown-it').toBe(RENDERS_MARKDOWN.has(id));
      // The full zod (its classic API) is about 90 KB and all its locales 258 KB; zod/mini with English is about 30.
      expect(
        files.filter((f) => f.startsWith('zod/v4/classic/')),
        'full zod',
      ).toEqual([]);
      expect(
        files.filter((f) => f.startsWith('zod/v4/locales/') && !f.endsWith('/en.js')),
        'locales other than English',
      ).toEqual([]);
    },
  );

  it.each(FUNCTIONS.map((f) => [f.id] as const))(
    '%s: imports Powertools from the layer, with no Powertools or X-Ray SDK of its own',
    (id) => {
      const files = packages.get(id)!;
      expect(files.filter((f) => f.startsWith('aws-xray-sdk-core/') || f.startsWith('@aws-lambda-powertools/'))).toEqual([]);
      // Only Powertools is left to Lambda to resolve (from /opt/nodejs/node_modules, lib/powertools-layer.ts): the Logger
      // everywhere, Metrics where a metric is counted, the Tracer wherever the handler runs on Lambda.
      expect(externals.get(id)!.filter((e) => !POWERTOOLS_PACKAGES.includes(e as never))).toEqual([]);
      expect(externals.get(id)).toEqual(expect.arrayContaining(['@aws-lambda-powertools/logger', '@aws-lambda-powertools/tracer']));
    },
  );
});
