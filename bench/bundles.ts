// Every function's bundle beside a floor built in the same run: size, cold import time and what fills each bundle.
// The floor is a handler that creates the three SDK clients (DynamoDB document client, SES, SFN) at module scope and
// does nothing; issue 14's goal is every bundle within 1.3× of it in size and import time.
// Run: npm run bench -- bundles   (about a minute; builds in a temporary directory and removes it)
//      BUNDLES_BASELINE=main npm run bench -- bundles   also bundles the functions of that git revision (its tree, with
//      today's node_modules, its own external modules) and measures them in the same rounds: before and after, side by
//      side (five minutes).
//
// Bundles are built with the deployed settings (lib/isms-function.ts BUNDLING through tests/support/bundling.ts, so the
// two cannot drift): ESM, minified, target node24, the banner, and an external source map as NodejsFunction writes it. Size is index.mjs
// alone (the map is a separate file Lambda only reads on an error trace). Import time is a whole process,
// `node -e "await import(...)"` with the Node 22 of node_modules/.bin, median of 10 (30 for the floor); each round runs
// the floor three times and every bundle once in one shuffled order so that they share the machine's noise. "cpu" is the CPU time of those runs up to
// the end of the import (steadier than wall time on a loaded machine); "+maps" and its cpu are the same with
// --enable-source-maps, as the deployed functions run (NODE_OPTIONS in lib/isms-function.ts: Node then reads the
// map, whose size grows with the bundle's). The goal column checks size and import (wall), as issue 14 states it.
//
// Powertools (Logger, Metrics, Tracer) is not in the function bundles but in the stack's layer (lib/powertools-layer.ts),
// built here by the same function CDK runs and put where Node resolves the bundles' bare imports as Lambda does from
// /opt/nodejs/node_modules:
// bundles are <work>/fn/<id>/index.mjs and the layer's node_modules is <work>/node_modules (never the repository's). Each
// import runs with AWS_EXECUTION_ENV and LAMBDA_TASK_ROOT set, so the function loads the Tracer from the layer and
// starts it, as on Lambda. "size" is the function's own bundle (the goal); "+layer" adds the layer, one per stack and
// shared by all its functions, for transparency.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { FUNCTIONS } from '../core/functions';
import { REPO_ROOT } from '../lib/isms-function';
import { buildPowertoolsLayer, layerBytes, POWERTOOLS_PACKAGES } from '../lib/powertools-layer';
import { functionBuildOptions } from '../tests/support/bundling';

// BENCH_ROUNDS=0 prints sizes and contributors only (a quick look while changing imports).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const BASELINE = process.env.BUNDLES_BASELINE;
const TOP = 6;
const GOAL = 1.3;
const NODE = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');

const FLOOR = `// The floor: the three SDK clients every function used to create, and nothing else.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const ses = new SESClient({});
const sfn = new SFNClient({});
export const handler = async () => ({ clients: [ddb, ses, sfn].length });
`;

interface Bundle {
  id: string;
  file: string;
  bytes: number;
  metafile: Metafile;
  /** It imports Powertools from the layer (a baseline revision from before the layer does not). */
  usesLayer: boolean;
  plainMs: number[];
  /** CPU time (user + system) of the same runs: less shaken than wall time when other work shares the cores. */
  cpuMs: number[];
  mapsMs: number[];
  mapsCpuMs: number[];
}

const work = mkdtempSync(path.join(os.tmpdir(), 'isms-bundles-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Bundles a handler file, or the floor's source (resolved from the repository, as if it were a file there). */
async function bundle(id: string, entry: string | { source: string }, root = REPO_ROOT, external?: string[]): Promise<Bundle> {
  const file = path.join(work, 'fn', id, 'index.mjs');
  const result = await build({
    ...functionBuildOptions(root),
    ...(external ? { external } : {}),
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.source, resolveDir: REPO_ROOT, sourcefile: 'floor.ts', loader: 'ts' as const } }),
    outfile: file,
  });
  const metafile = result.metafile!;
  const layered = new Set<string>(POWERTOOLS_PACKAGES);
  const usesLayer = Object.values(metafile.outputs).some((o) => o.imports.some((i) => i.external && layered.has(i.path)));
  return { id, file, bytes: statSync(file).size, metafile, usesLayer, plainMs: [], cpuMs: [], mapsMs: [], mapsCpuMs: [] };
}

/**
 * Whole-process time of importing the bundle: node start, module load and evaluation, exit; and the process's CPU time
 * up to the end of the import, which it prints.
 */
function importMs(file: string, sourceMaps: boolean): { wall: number; cpu: number } {
  const script = `await import(${JSON.stringify(pathToFileURL(file).href)}); const u = process.resourceUsage(); process.stdout.write(String(u.userCPUTime + u.systemCPUTime));`;
  const args = [...(sourceMaps ? ['--enable-source-maps'] : []), '-e', script];
  const started = performance.now();
  // What Lambda sets that the Tracer and the X-Ray SDK read at import: the runtime (the Tracer loads and enables itself)
  // and the task root (the X-Ray SDK's Lambda mode).
  const env = { PATH: process.env.PATH, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', LAMBDA_TASK_ROOT: path.dirname(file) };
  const run = spawnSync(NODE, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const wall = performance.now() - started;
  if (run.status !== 0) throw new Error(`importing ${file} failed: ${run.stderr}`);
  return { wall, cpu: Number(run.stdout.toString()) / 1000 };
}

/** Bytes in the output by package (node_modules/<pkg>, zod's locales apart), or "project" for our own source. */
function contributors(meta: Metafile): [string, number][] {
  const by = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(input);
      let name = m ? m[1] : 'project';
      if (name === 'zod' && m?.[2]?.includes('/locales/')) name = 'zod (locales)';
      by.set(name, (by.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...by].sort((a, b) => b[1] - a[1]);
}

const msOf = (n: number) => (Number.isNaN(n) ? '-' : `${n.toFixed(0)} ms`);
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
const ratio = (n: number, floor: number) => `${(n / floor).toFixed(2)}×`;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

try {
  const layerSize = layerBytes(buildPowertoolsLayer(path.join(work, 'layer')));
  symlinkSync(path.join(work, 'layer', 'nodejs', 'node_modules'), path.join(work, 'node_modules'));
  const floor = await bundle('floor', { source: FLOOR });
  const bundles: Bundle[] = [];
  for (const spec of FUNCTIONS) bundles.push(await bundle(spec.id, path.join(REPO_ROOT, spec.entry)));
  if (BASELINE) {
    // The revision's source beside today's dependencies; the same FUNCTIONS entries (a function it lacks is skipped).
    const root = path.join(work, 'baseline');
    execFileSync('mkdir', ['-p', root]);
    execFileSync('bash', ['-c', 'git -C "$0" archive "$1" | tar -x -C "$2"', REPO_ROOT, BASELINE, root]);
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    // What that revision left external (its Powertools layer held less, or nothing): built as it deployed them.
    const baselineExternal: string[] = [
      ...((await import(pathToFileURL(path.join(root, 'lib', 'isms-function.ts')).href)).BUNDLING?.externalModules ?? []),
    ];
    for (const spec of FUNCTIONS) {
      const entry = path.join(root, spec.entry);
      if (existsSync(entry)) bundles.push(await bundle(`${spec.id} @${BASELINE}`, entry, root, baselineExternal));
    }
  }

  const all = [floor, ...bundles];
  for (let round = 0; round < ROUNDS; round++) {
    // The floor three times a round: every ratio divides by its median, so it gets 30 samples, not 10.
    const order = [floor, floor, ...all].sort(() => Math.random() - 0.5);
    for (const b of order) {
      const plain = importMs(b.file, false);
      b.plainMs.push(plain.wall);
      b.cpuMs.push(plain.cpu);
      const maps = importMs(b.file, true);
      b.mapsMs.push(maps.wall);
      b.mapsCpuMs.push(maps.cpu);
    }
  }

  const floorPlain = median(floor.plainMs);
  const floorCpu = median(floor.cpuMs);
  const floorMaps = median(floor.mapsMs);
  const floorMapsCpu = median(floor.mapsCpuMs);
  console.log(`Node ${spawnSync(NODE, ['--version']).stdout.toString().trim()}, ${ROUNDS} rounds; goal: within ${GOAL}× of the floor`);
  console.log(`Powertools layer (lib/powertools-layer.ts, one per stack, shared by its functions): ${kb(layerSize)}\n`);
  console.log(
    `${pad('function', 30)}${lpad('size', 10)}${lpad('×floor', 8)}${lpad('+layer', 9)}${lpad('×floor', 8)}${lpad('import', 10)}${lpad('×floor', 8)}${lpad('cpu', 9)}${lpad('×floor', 8)}${lpad('+maps', 9)}${lpad('×floor', 8)}${lpad('cpu', 9)}${lpad('×floor', 8)}  goal`,
  );
  for (const b of all) {
    const plain = median(b.plainMs);
    const cpu = median(b.cpuMs);
    const maps = median(b.mapsMs);
    const mapsCpu = median(b.mapsCpuMs);
    const ok = b.bytes <= GOAL * floor.bytes && (!ROUNDS || plain <= GOAL * floorPlain);
    console.log(
      `${pad(b.id, 30)}${lpad(kb(b.bytes), 10)}${lpad(ratio(b.bytes, floor.bytes), 8)}` +
        (!b.usesLayer
          ? `${lpad('', 9)}${lpad('', 8)}`
          : `${lpad(kb(b.bytes + layerSize), 9)}${lpad(ratio(b.bytes + layerSize, floor.bytes), 8)}`) +
        `${lpad(msOf(plain), 10)}${lpad(ratio(plain, floorPlain), 8)}` +
        `${lpad(msOf(cpu), 9)}${lpad(ratio(cpu, floorCpu), 8)}` +
        `${lpad(msOf(maps), 9)}${lpad(ratio(maps, floorMaps), 8)}${lpad(msOf(mapsCpu), 9)}${lpad(ratio(mapsCpu, floorMapsCpu), 8)}  ${b === floor ? '' : ok ? 'ok' : 'OVER'}`,
    );
  }
  console.log(`\nTop ${TOP} contributors per bundle (bytes in the minified output):`);
  for (const b of all) {
    console.log(
      `  ${pad(b.id, 30)}${contributors(b.metafile)
        .slice(0, TOP)
        .map(([name, n]) => `${name} ${kb(n)}`)
        .join(', ')}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
