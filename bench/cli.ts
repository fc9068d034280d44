// How long a person waits for the `isms` CLI: each command spawned as a person types it, against a local runtime this
// bench starts, beside the floor of npx itself. The rows take turns (round-robin), so load on the machine falls on all
// of them alike; medians of 10 runs. Goals (issue 18): `npx isms --help` within 0.2 s of the floor, the two --local
// commands within 0.5 s of it.
// Run: npm run bench -- cli   (about a minute; builds the CLI first if a source changed)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = path.join(import.meta.dirname, '..');
const RUNS = 10;
const STATE = path.join(mkdtempSync(path.join(tmpdir(), 'isms-bench-cli-')), 'runtime.json');
const FREE = ['--dynamodb-port', '0', '--ses-port', '0', '--sfn-port', '0', '--decisions-port', '0'];
const env = { ...process.env, ISMS_LOCAL_STATE: STATE };

interface Row {
  label: string;
  argv: string[];
  /** Allowed distance from the floor's median, in ms; undefined for rows shown for context. */
  goalMs?: number;
  times: number[];
}

const rows: Row[] = [
  { label: 'npx --no-install esbuild --version   (the floor)', argv: ['npx', '--no-install', 'esbuild', '--version'], times: [] },
  { label: 'npx isms --help', argv: ['npx', 'isms', '--help'], goalMs: 200, times: [] },
  {
    label: 'npx isms requests list --bu example-emea --local',
    argv: ['npx', 'isms', 'requests', 'list', '--bu', 'example-emea', '--local'],
    goalMs: 500,
    times: [],
  },
  {
    label: 'npx isms review status --bu example-emea --local',
    argv: ['npx', 'isms', 'review', 'status', '--bu', 'example-emea', '--local'],
    goalMs: 500,
    times: [],
  },
  { label: 'node -e 0   (node alone)', argv: ['node', '-e', '0'], times: [] },
  { label: 'node bin/isms-cli/isms.mjs --help   (without npx)', argv: ['node', 'bin/isms-cli/isms.mjs', '--help'], times: [] },
  {
    label: 'node bin/isms-cli/isms.mjs requests list --bu example-emea --local',
    argv: ['node', 'bin/isms-cli/isms.mjs', 'requests', 'list', '--bu', 'example-emea', '--local'],
    times: [],
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function timed(argv: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

// `npx isms` finds node_modules/.bin/isms (the file:bin/isms-cli dependency); without it npx would look the name up in
// the registry. Stop instead.
if (!existsSync(path.join(ROOT, 'node_modules', '.bin', 'isms'))) {
  console.error('node_modules/.bin/isms is missing: run `npm install` (it links bin/isms-cli), then run this bench again.');
  process.exit(1);
}

// Built before timing: the first call after a change would build, which is not what a person waits for each time.
const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const runtime = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', '--json', ...FREE], {
  cwd: ROOT,
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
try {
  const ready = await new Promise<{ pid: number }>((resolve, reject) => {
    let out = '';
    runtime.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    runtime.on('exit', (code) => reject(new Error(`the local runtime exited ${code} before ready`)));
  });
  console.log(`local runtime ready (pid ${ready.pid}, state ${STATE}); the current review of example-emea is open`);
  // One request, so that `requests list` prints a line rather than "No requests".
  await timed([
    'node',
    'bin/isms-cli/isms.mjs',
    ...['request', 'submit', '--bu', 'example-emea', '--category', 'equipment', '--title', 'Bench laptops'],
    ...['--justification', 'bench', '--amount', '2500', '--currency', 'EUR', '--requester', 'irene.schulz@example.com', '--local'],
  ]);
  for (const row of rows) await timed(row.argv); // warm the disk cache and V8's compile cache once
  for (let i = 0; i < RUNS; i++) for (const row of rows) row.times.push(await timed(row.argv));

  const floor = median(rows[0].times);
  const width = Math.max(...rows.map((r) => r.label.length));
  console.log(`\nmedian of ${RUNS} (wall time, spawn to exit)   ${'above the floor'.padStart(16)}   goal`);
  let allMet = true;
  for (const row of rows) {
    const m = median(row.times);
    const above = row === rows[0] ? '' : `${m - floor >= 0 ? '+' : ''}${s(m - floor)}`;
    const goal = row.goalMs === undefined ? '' : `<= +${s(row.goalMs)} ${m - floor <= row.goalMs ? 'met' : 'NOT MET'}`;
    if (row.goalMs !== undefined && m - floor > row.goalMs) allMet = false;
    console.log(`  ${row.label.padEnd(width)}  ${s(m)}  ${above.padStart(8)}   ${goal}`);
  }
  console.log(
    `\n${allMet ? 'All goals met.' : 'Some goals not met.'} Load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
} finally {
  try {
    process.kill(-runtime.pid!, 'SIGTERM');
  } catch {
    // already gone
  }
}
