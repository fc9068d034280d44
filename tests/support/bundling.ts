// The esbuild build NodejsFunction runs for every function (aws-lambda-nodejs/lib/bundling.js with lib/isms-function.ts
// BUNDLING), as esbuild's API takes it: the bundle bench and the bundle-contents test build exactly what is deployed.
import type { BuildOptions } from 'esbuild';
import { BUNDLING, REPO_ROOT } from '../../lib/isms-function';

export function functionBuildOptions(root = REPO_ROOT): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    absWorkingDir: root,
    format: BUNDLING.format,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    mainFields: BUNDLING.mainFields,
    external: BUNDLING.externalModules,
    banner: { js: BUNDLING.banner },
    metafile: true,
    logLevel: 'warning',
  };
}
