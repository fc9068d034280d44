#!/usr/bin/env node
// `isms`, `npx isms`, `npm run isms`: runs the CLI built into dist/cli (bin/isms.ts and what it imports, bundled by
// scripts/build.mjs), building it first when a source changed, so that no call pays for compiling TypeScript.
// Plain JavaScript on purpose: it must run from a fresh clone after `npm ci`, which runs no build of ours.
import module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, ROOT } from '../../scripts/build.mjs';

// V8's compiled code of the bundle, kept between calls (Node 22.1+): the second call skips most of the parsing.
module.enableCompileCache?.(path.join(ROOT, 'dist', 'compile-cache'));

let entry;
try {
  entry = await ensureBuilt('cli', { log: (line) => process.stderr.write(`${line}\n`) });
} catch (err) {
  console.error(`isms: ${err.message}`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
const code = await main(process.argv.slice(2));
// The SDK's keep-alive sockets would hold the process open for seconds after the answer.
process.exit(code);
