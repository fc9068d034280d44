// What Powertools Metrics and Tracer cost the decision endpoint as deployed: bundle size, cold import and a warm
// invocation, against the same handler without the Tracer and without either, side by side, medians.
// Run: npm run bench -- powertools   (about a minute; builds in a temporary directory and removes it)
//
// Builds of lambdas/decision-endpoint.ts with the deployed settings (tests/support/bundling.ts), and the stack's Powertools
// layer (lib/powertools-layer.ts) where Node resolves the bundle's imports of it, as Lambda does from /opt/nodejs/node_modules:
// - deployed:   Logger, Metrics and Tracer from the layer, run with what Lambda sets (AWS_EXECUTION_ENV, the task root,
//               a sampled trace header): the Tracer loads, annotates a subsegment per invocation and sends it (to a UDP
//               port nobody reads, as the X-Ray daemon would get it);
// - no tracer:  the same bundle without AWS_EXECUTION_ENV: the Tracer is not loaded (as locally), Metrics as deployed;
// - without:    lambdas/shared/observability.ts replaced by no-ops: neither Metrics nor Tracer (the Logger from the layer).
// Cold import: a whole `node -e "await import(...)"` process, median of ROUNDS, the variants interleaved per round.
// Warm invocation: one process per variant imports the bundle, invokes the handler once (cold), then INVOCATIONS
// times; median per invocation. The request is a GET of a malformed decision link (a 404 page, no SDK call), so what is
// measured is the handler's own work plus publishing its metrics (AWS_LAMBDA_FUNCTION_NAME is set, so EMF is written,
// to a discarded stdout, as on Lambda) and its trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { REPO_ROOT } from '../lib/isms-function';
import { buildPowertoolsLayer, layerBytes } from '../lib/powertools-layer';
import { functionBuildOptions } from '../tests/support/bundling';
import { testUnit } from '../tests/support/units';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const INVOCATIONS = Number(process.env.BENCH_INVOCATIONS ?? 2000);
const NODE = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
const work = mkdtempSync(path.join(os.tmpdir(), 'isms-powertools-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const NO_METRICS = `
const none = { addMetric() {}, hasStoredMetrics: () => false, clearMetrics() {}, publishStoredMetrics() {}, singleMetric() { return none; }, addDimension() {}, setDefaultDimensions() {} };
export const createMetrics = () => none;
export const count = () => {};
export const countBy = () => {};
export const flushMetrics = () => {};
export const withMetrics = (_rt, handler) => handler;
export const tracer = undefined;
export const traced = (client) => client;
export const withTracing = (_rt, handler) => handler;
`;

/** Replaces lambdas/shared/observability.ts by no-ops. */
const withoutObservability: Plugin = {
  name: 'observability-without',
  setup(b) {
    b.onLoad({ filter: /lambdas[/\\]shared[/\\]observability\.ts$/ }, () => ({ contents: NO_METRICS, loader: 'js' }));
  },
};

const VARIANTS = ['without', 'no tracer', 'deployed'] as const;
type Variant = (typeof VARIANTS)[number];

/** Bundles the endpoint into <work>/fn/<name>/index.mjs; the layer's node_modules is <work>/node_modules. */
async function bundle(name: string, plugins: Plugin[]): Promise<string> {
  const outfile = path.join(work, 'fn', name, 'index.mjs');
  await build({
    ...functionBuildOptions(),
    entryPoints: [path.join(REPO_ROOT, 'lambdas/decision-endpoint.ts')],
    outfile,
    metafile: false,
    plugins,
  });
  return outfile;
}

const unit = testUnit({ id: 'bench-unit' });
const ENV = {
  ...process.env,
  TABLE_NAME: 'bench-evidence',
  LINKS_TABLE_NAME: 'bench-links',
  BU_CONFIG: JSON.stringify(unit),
  POWERTOOLS_SERVICE_NAME: 'isms-decision-endpoint',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_LAMBDA_FUNCTION_NAME: 'isms-bench-unit-decision-endpoint',
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
};
/** What Lambda sets beside the function's environment, which the Tracer and the X-Ray SDK read. */
const onLambda = (file: string) => ({
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  LAMBDA_TASK_ROOT: path.dirname(file),
  _HANDLER: 'index.handler',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
});
const envOf = (v: Variant, file: string) => (v === 'deployed' ? { ...ENV, ...onLambda(file) } : ENV);

function coldImportMs(file: string, env: NodeJS.ProcessEnv): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stderr.write(String(performance.now() - t));`;
  const run = spawnSync(NODE, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stderr);
}

function warmInvocationUs(file: string, env: NodeJS.ProcessEnv): { coldMs: number; warmUs: number } {
  const event = {
    version: '2.0',
    routeKey: 'GET /decisions/{proxy+}',
    rawPath: '/decisions/not-a-decision',
    rawQueryString: '',
    headers: { host: 'bench.example.com' },
    requestContext: {
      domainName: 'bench.example.com',
      http: { method: 'GET', path: '/decisions/not-a-decision' },
      requestId: 'r',
      stage: '$default',
    },
    isBase64Encoded: false,
  };
  const script = `
const { handler } = await import(${JSON.stringify(file)});
const event = ${JSON.stringify(event)};
let t = performance.now();
const first = await handler(event);
const coldMs = performance.now() - t;
const times = [];
for (let i = 0; i < ${INVOCATIONS}; i++) { t = performance.now(); await handler(event); times.push(performance.now() - t); }
times.sort((a, b) => a - b);
process.stderr.write(JSON.stringify({ status: first.statusCode, coldMs, warmUs: times[Math.floor(times.length / 2)] * 1000 }));`;
  const run = spawnSync(NODE, ['--input-type=module', '-e', script], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (run.status !== 0) throw new Error(run.stderr);
  const out = JSON.parse(run.stderr.slice(run.stderr.lastIndexOf('{')));
  if (out.status !== 404) throw new Error(`expected the 404 page, got ${out.status}`);
  return out;
}

try {
  const layerSize = layerBytes(buildPowertoolsLayer(path.join(work, 'layer')));
  symlinkSync(path.join(work, 'layer', 'nodejs', 'node_modules'), path.join(work, 'node_modules'));
  const deployed = await bundle('deployed', []);
  const files: Record<Variant, string> = { without: await bundle('without', [withoutObservability]), 'no tracer': deployed, deployed };
  const cold: Record<Variant, number[]> = { without: [], 'no tracer': [], deployed: [] };
  for (let r = 0; r < ROUNDS; r++) for (const v of VARIANTS) cold[v].push(coldImportMs(files[v], envOf(v, files[v])));
  const warm = Object.fromEntries(VARIANTS.map((v) => [v, warmInvocationUs(files[v], envOf(v, files[v]))])) as Record<
    Variant,
    { coldMs: number; warmUs: number }
  >;
  const base = { size: statSync(files.without).size, cold: median(cold.without), warm: warm.without.warmUs };
  console.log(
    `decision endpoint, Node ${spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim()}; cold import: median of ${ROUNDS}; warm: median of ${INVOCATIONS} invocations`,
  );
  console.log(
    `Powertools layer (shared by the stack's functions; its Tracer loaded by "deployed" only): ${Math.round(layerSize / 1024)} KB`,
  );
  console.log(
    `${'variant'.padEnd(10)} ${'bundle'.padStart(9)} ${'×'.padStart(6)} ${'import ms'.padStart(10)} ${'×'.padStart(6)} ${'1st call ms'.padStart(12)} ${'warm µs'.padStart(9)} ${'×'.padStart(6)}`,
  );
  for (const v of VARIANTS) {
    const size = statSync(files[v]).size;
    const c = median(cold[v]);
    console.log(
      `${v.padEnd(10)} ${`${Math.round(size / 1024)} KB`.padStart(9)} ${(size / base.size).toFixed(2).padStart(6)} ${c.toFixed(1).padStart(10)} ${(c / base.cold).toFixed(2).padStart(6)} ${warm[v].coldMs.toFixed(2).padStart(12)} ${warm[v].warmUs.toFixed(1).padStart(9)} ${(warm[v].warmUs / base.warm).toFixed(2).padStart(6)}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
