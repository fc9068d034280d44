// The stack's Powertools Tracer layer: the package and aws-xray-sdk-core bundled and minified into one ESM file.
//
// Why a layer: bundled into each function the Tracer adds about 125 KB and 30 ms of import to every one of them (issue 14's
// budget, `npm run bench -- bundles`); the public Powertools layer is an unbundled npm install, about 70 ms to import.
// One file imports fast, is built from our package-lock (what was tested is what runs) and works in every partition.
// Lambda resolves an ES module's bare import from /opt/nodejs/node_modules (Node.js 18 and later), so a function
// bundle keeps `import ... from '@aws-lambda-powertools/tracer'` (lib/isms-function.ts BUNDLING marks it external).
import { AssetHashType, DockerImage, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const TRACER_PACKAGE = '@aws-lambda-powertools/tracer';

/**
 * Gives the CJS modules inside an ESM bundle (aws-xray-sdk-core and its dependencies call `require`) a `require`;
 * the function bundles need it for the same reason.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);";

const ROOT = path.join(import.meta.dirname, '..');
const TRACER_DIR = path.join(ROOT, 'node_modules', TRACER_PACKAGE);
const tracerVersion = (): string => JSON.parse(readFileSync(path.join(TRACER_DIR, 'package.json'), 'utf8')).version;

/**
 * Writes the layer's content into `outDir`: nodejs/node_modules/@aws-lambda-powertools/tracer with a package.json that
 * points to index.mjs, the bundle (no source map: Node would read it at every cold start with --enable-source-maps, for
 * stack frames inside the Tracer only). Synchronous, for CDK's local bundling; also used by the bench and the tests.
 * Returns the bundle's path.
 */
export function buildTracerLayer(outDir: string): string {
  const dir = path.join(outDir, 'nodejs', 'node_modules', TRACER_PACKAGE);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'index.mjs');
  buildSync({
    stdin: { contents: `export * from '${TRACER_PACKAGE}';`, resolveDir: ROOT, sourcefile: 'tracer-layer.mjs', loader: 'js' },
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    outfile: file,
    logLevel: 'warning',
  });
  const pkg = { name: TRACER_PACKAGE, version: tracerVersion(), type: 'module', main: './index.mjs', exports: { '.': './index.mjs' } };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  return file;
}

export interface TracerLayerProps {
  runtime: lambda.Runtime;
  architecture: lambda.Architecture;
}

/** One per stack, shared by all its functions: get it with TracerLayer.of(scope). */
export class TracerLayer extends lambda.LayerVersion {
  /** The stack's layer, created by the first function that asks for it. */
  static of(scope: Construct, props: TracerLayerProps): TracerLayer {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild('TracerLayer') as TracerLayer | undefined) ?? new TracerLayer(stack, 'TracerLayer', props);
  }

  private constructor(scope: Construct, id: string, props: TracerLayerProps) {
    super(scope, id, {
      description: `Powertools for AWS Lambda Tracer ${tracerVersion()}, bundled into one ESM file (lib/tracer-layer.ts)`,
      compatibleRuntimes: [props.runtime],
      compatibleArchitectures: [props.architecture],
      license: 'MIT-0',
      // Hashed by what is built, so the units' stacks share one asset; built with the local esbuild (no Docker), offline.
      code: lambda.Code.fromAsset(TRACER_DIR, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('scratch'),
          local: {
            tryBundle(outputDir: string) {
              buildTracerLayer(outputDir);
              return true;
            },
          },
        },
      }),
    });
  }
}
