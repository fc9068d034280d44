// The whole test suite as `npm test` runs it (issue 14's goal: under 60 s on 2 cores): wall time, and CPU time of every
// process the run starts, Chromium's too (its processes are not all reaped by the run, so /usr/bin/time misses them),
// read from /proc every 0.1 s (a process shorter than that is missed). Then the CPU by kind of process and where the
// files' time goes, by layer. SUITE_ROUNDS=3 runs it three times and prints medians; SUITE_ARGS adds vitest options
// (SUITE_ARGS=--maxWorkers=2). Linux only. About two minutes a round on 2 cores.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.SUITE_ROUNDS ?? 1);
const EXTRA = (process.env.SUITE_ARGS ?? '').split(' ').filter(Boolean);
const TICK = 100; // USER_HZ: clock ticks per second in /proc, 100 on Linux
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** utime + stime (seconds), start time (ticks since boot) and command of a process, or undefined once it is gone. */
function stat(pid: string): { cpu: number; start: number; kind: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { cpu: (Number(f[11]) + Number(f[12])) / TICK, start: Number(f[19]), kind: kindOf(cmd) };
  } catch {
    return undefined;
  }
}

/** What a process is, for the CPU table: a test worker, vitest itself, Chromium, esbuild, npm start, anything else. */
function kindOf(cmd: string[]): string {
  const line = cmd.join(' ');
  if (/chromium|chrome_crashpad|--type=(renderer|gpu-process|utility|zygote)/.test(line)) return 'chromium';
  if (line.includes('vitest/dist/workers') || line.includes('--experimental-import-meta-resolve')) return 'vitest workers';
  if (line.includes('.bin/vitest') || line.includes('npm exec vitest') || line.includes('npx')) return 'vitest';
  if (line.includes('esbuild')) return 'esbuild';
  if (line.includes('scripts/start.mjs') || line.includes('npm start')) return 'npm start';
  if (line.includes('isms-cli/isms.mjs')) return 'isms CLI';
  return path.basename(cmd[0] ?? '?') || '?';
}

function bootTicksNow(): number {
  return Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * TICK);
}

interface Round {
  wall: number;
  cpu: Map<string, number>;
  layers: Map<string, number>;
  files: Array<[string, number]>;
  failed: number;
  passed: number;
}

async function round(): Promise<Round> {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'isms-suite-')), 'results.json');
  const startedAfter = bootTicksNow() - 1;
  const seen = new Map<string, { cpu: number; kind: string }>();
  const sample = () => {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
      const s = stat(pid);
      if (!s || s.start < startedAfter) continue;
      // A process that has exited but is not yet reaped has no command line: keep what it was when last seen running.
      const key = `${pid}@${s.start}`;
      const kind = s.kind === '?' ? (seen.get(key)?.kind ?? '?') : s.kind;
      seen.set(key, { cpu: s.cpu, kind });
    }
  };
  const t0 = performance.now();
  const timer = setInterval(sample, 100);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('npx', ['vitest', 'run', '--reporter=json', `--outputFile=${out}`, ...EXTRA], { cwd: ROOT, stdio: 'ignore' });
    child.on('exit', resolve);
  });
  clearInterval(timer);
  const wall = (performance.now() - t0) / 1000;
  if (code === null) throw new Error('vitest was killed');
  const cpu = new Map<string, number>();
  for (const { cpu: c, kind } of seen.values()) cpu.set(kind, (cpu.get(kind) ?? 0) + c);
  const results = JSON.parse(readFileSync(out, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults: Array<{ name: string; startTime: number; endTime: number }>;
  };
  const layers = new Map<string, number>();
  const files: Array<[string, number]> = [];
  for (const r of results.testResults) {
    const rel = path.relative(path.join(ROOT, 'tests'), r.name);
    const seconds = (r.endTime - r.startTime) / 1000;
    layers.set(rel.split(path.sep)[0], (layers.get(rel.split(path.sep)[0]) ?? 0) + seconds);
    files.push([rel, seconds]);
  }
  return { wall, cpu, layers, files, failed: results.numFailedTests, passed: results.numPassedTests };
}

const rounds: Round[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const r = await round();
  rounds.push(r);
  const total = [...r.cpu.values()].reduce((a, b) => a + b, 0);
  console.log(
    `round ${i + 1}: ${r.wall.toFixed(1)} s wall, ${total.toFixed(0)} s CPU (${(total / r.wall).toFixed(2)} cores busy), ${r.passed} passed, ${r.failed} failed`,
  );
}
const kinds = [...new Set(rounds.flatMap((r) => [...r.cpu.keys()]))];
const cpuOf = (k: string) => median(rounds.map((r) => r.cpu.get(k) ?? 0));
console.log(`\nnpx vitest run ${EXTRA.join(' ')}: median of ${ROUNDS} round(s)`);
console.log(`wall ${median(rounds.map((r) => r.wall)).toFixed(1)} s`);
console.log('CPU seconds by process:');
for (const k of kinds.sort((a, b) => cpuOf(b) - cpuOf(a)).filter((k) => cpuOf(k) >= 0.5))
  console.log(`  ${cpuOf(k).toFixed(1).padStart(6)}  ${k}`);
console.log('seconds in test files, by layer (files run side by side, so these add up to more than the wall time):');
const layerNames = [...new Set(rounds.flatMap((r) => [...r.layers.keys()]))];
for (const l of layerNames)
  console.log(
    `  ${median(rounds.map((r) => r.layers.get(l) ?? 0))
      .toFixed(1)
      .padStart(6)}  ${l}`,
  );
console.log('longest files (last round):');
for (const [f, s] of rounds
  .at(-1)!
  .files.sort((a, b) => b[1] - a[1])
  .slice(0, 8))
  console.log(`  ${s.toFixed(1).padStart(6)}  ${f}`);
if (rounds.some((r) => r.failed > 0)) process.exit(1);
