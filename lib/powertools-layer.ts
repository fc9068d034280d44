// The stack's Powertools layer: Logger, Metrics and Tracer (with aws-xray-sdk-core), bundled and minified as ES modules
// that share one chunk for what they have in common (Powertools commons).
//
// Why a layer: every function uses the three; bundled into each, Logger and Metrics add about 31 KB to every bundle
// and the Tracer about 125 KB and 30 ms of import (issue 14's budget, `npm run bench -- bundles`); the public Powertools
// layer is an unbundled npm install, about 70 ms to import. These files import fast, are built from our package-lock
// (what was tested is what runs) and work in every partition. Lambda resolves an ES module's bare import from
// /opt/nodejs/node_modules (Node.js 18 and later), so a function bundle keeps `import ... from
// '@aws-lambda-powertools/logger'` (lib/isms-function.ts BUNDLING marks the three external); locally and in tests the
// same imports resolve from the repository's node_modules.
import { AssetHashType, DockerImage, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TRACER_PACKAGE = '@aws-lambda-powertools/tracer';
/** What the layer holds and every function bundle leaves external. */
export const POWERTOOLS_PACKAGES = ['@aws-lambda-powertools/logger', '@aws-lambda-powertools/metrics', TRACER_PACKAGE] as const;

/**
 * Gives the CJS modules inside an ESM bundle (aws-xray-sdk-core and its dependencies call `require`) a `require`;
 * the function bundles need it for the same reason.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);";

const ROOT = path.join(import.meta.dirname, '..');
const POWERTOOLS_DIR = path.join(ROOT, 'node_modules', '@aws-lambda-powertools');
const versionOf = (pkg: string): string => JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;

/**
 * Writes the layer's content into `outDir`: nodejs/node_modules/@aws-lambda-powertools/{logger,metrics,tracer}, each an
 * index.mjs with a package.json that points to it, and their shared chunk in nodejs/node_modules/@aws-lambda-powertools/
 * _chunks (no source maps: Node would read them at every cold start with --enable-source-maps, for stack frames inside
 * Powertools only). Synchronous, for CDK's local bundling; also used by the benches and the tests. Returns the files.
 */
export function buildPowertoolsLayer(outDir: string): string[] {
  const modules = path.join(outDir, 'nodejs', 'node_modules');
  // esbuild splits only between entry files: one per package, re-exporting it.
  const entries = mkdtempSync(path.join(os.tmpdir(), 'isms-powertools-layer-'));
  try {
    const entryPoints = POWERTOOLS_PACKAGES.map((pkg) => {
      const file = path.join(entries, `${pkg.split('/')[1]}.mjs`);
      writeFileSync(file, `export * from '${pkg}';\n`);
      return { in: file, out: `${pkg}/index` };
    });
    buildSync({
      entryPoints,
      absWorkingDir: ROOT,
      nodePaths: [path.join(ROOT, 'node_modules')],
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      minify: true,
      mainFields: ['module', 'main'],
      banner: { js: ESM_REQUIRE_BANNER },
      outdir: modules,
      outExtension: { '.js': '.mjs' },
      chunkNames: '@aws-lambda-powertools/_chunks/[name]-[hash]',
      logLevel: 'warning',
    });
  } finally {
    rmSync(entries, { recursive: true, force: true });
  }
  for (const pkg of POWERTOOLS_PACKAGES) {
    const manifest = { name: pkg, version: versionOf(pkg), type: 'module', main: './index.mjs', exports: { '.': './index.mjs' } };
    writeFileSync(path.join(modules, pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  const base = path.join(modules, '@aws-lambda-powertools');
  return (readdirSync(base, { recursive: true }) as string[]).map((f) => path.join(base, f)).filter((f) => f.endsWith('.mjs'));
}

/** The bytes of the layer's code (its .mjs files). */
export const layerBytes = (files: readonly string[]): number => files.reduce((n, f) => n + statSync(f).size, 0);

export interface PowertoolsLayerProps {
  runtime: lambda.Runtime;
  architecture: lambda.Architecture;
}

/** One per stack, shared by all its functions: get it with PowertoolsLayer.of(scope). */
export class PowertoolsLayer extends lambda.LayerVersion {
  /** The stack's layer, created by the first function that asks for it. */
  static of(scope: Construct, props: PowertoolsLayerProps): PowertoolsLayer {
    const stack = Stack.of(scope);
    return (
      (stack.node.tryFindChild('PowertoolsLayer') as PowertoolsLayer | undefined) ?? new PowertoolsLayer(stack, 'PowertoolsLayer', props)
    );
  }

  private constructor(scope: Construct, id: string, props: PowertoolsLayerProps) {
    super(scope, id, {
      description: `Powertools for AWS Lambda ${versionOf(TRACER_PACKAGE)} (Logger, Metrics, Tracer), bundled as ES modules (lib/powertools-layer.ts)`,
      compatibleRuntimes: [props.runtime],
      compatibleArchitectures: [props.architecture],
      license: 'MIT-0',
      // Hashed by what is built, so the units' stacks share one asset; built with the local esbuild (no Docker), offline.
      code: lambda.Code.fromAsset(POWERTOOLS_DIR, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('scratch'),
          local: {
            tryBundle(outputDir: string) {
              buildPowertoolsLayer(outputDir);
              return true;
            },
          },
        },
      }),
    });
  }
}
