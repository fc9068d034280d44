// The README's walk-through, run as written: the commands between <!-- walkthrough:start --> and <!-- walkthrough:end -->
// in order, with the built CLI, against the local runtime `npm start` runs, each printing what its `#>` lines say. So the
// README cannot drift from the code, on any date (it names quarters as current/next, and `YYYY-Qn` in an expected line
// stands for any quarter).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const STATE = path.join(mkdtempSync(path.join(tmpdir(), 'isms-walkthrough-')), 'runtime.json');
const FREE = ['--dynamodb-port', '0', '--ses-port', '0', '--sfn-port', '0', '--decisions-port', '0', '--console-port', '0'];
/** The pack emails npm start sends for the two example units' current reviews (2 + 3 top managers). */
const PACK_EMAILS = 5;
/** Commands that only read: a person runs them seconds after the step before; here they may be asked again until then. */
const READS = ['review status', 'requests list', 'request status', 'actions list'];

interface Step {
  argv: string[];
  expected: string[];
}

/** The walk-through's commands and their `#>` lines; a trailing `\` continues a command on the next line. */
function walkthrough(readme: string): Step[] {
  const block = /<!-- walkthrough:start -->\n```sh\n([\s\S]*?)\n```\n<!-- walkthrough:end -->/.exec(readme);
  if (!block) throw new Error('README.md has no ```sh block between <!-- walkthrough:start --> and <!-- walkthrough:end -->');
  const steps: Step[] = [];
  for (const line of block[1].replace(/\\\n\s*/g, '').split('\n')) {
    if (line.startsWith('#>')) steps.at(-1)?.expected.push(line.slice(2).trim());
    else if (line.startsWith('npx isms ')) steps.push({ argv: shellWords(line.slice('npx isms '.length)), expected: [] });
    else if (line.trim() && !line.startsWith('#')) throw new Error(`walk-through line is neither a command nor a comment: ${line}`);
  }
  return steps;
}

/** Words as sh splits them, for the quoting the README uses ("…" and '…'). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** An expected line as a pattern: `…` is anything, YYYY-Qn any quarter, a loopback URL any port (the test picks free ones). */
function pattern(expected: string): RegExp {
  const escaped = expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    escaped
      .replaceAll('…', '.*')
      .replaceAll('YYYY-Qn', '\\d{4}-Q[1-4]')
      .replace(/127\\\.0\\\.0\\\.1:\d+/g, '127\\.0\\.0\\.1:\\d+'),
  );
}

function isms(argv: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // The built CLI through its launcher: what `npx isms` runs (node_modules/.bin/isms links to it).
    const child = spawn(process.execPath, ['bin/isms-cli/isms.mjs', ...argv], {
      cwd: ROOT,
      env: { ...process.env, ISMS_LOCAL_STATE: STATE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

let runtime: ChildProcess;

beforeAll(async () => {
  runtime = spawn(process.execPath, ['scripts/start.mjs', '--json', ...FREE], {
    cwd: ROOT,
    env: { ...process.env, ISMS_LOCAL_STATE: STATE },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  runtime.stderr!.on('data', (d) => (stderr += d));
  const ready = await new Promise<{ urls: { ses: string } }>((resolve, reject) => {
    let out = '';
    runtime.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    runtime.on('exit', (code) => reject(new Error(`npm start exited ${code} before ready: ${stderr}`)));
  });
  // Where a person starts: the review emails in the inbox (the reviews are open by then).
  for (const started = Date.now(); Date.now() - started < 30_000; await new Promise((r) => setTimeout(r, 100))) {
    const { emails } = (await (await fetch(`${ready.urls.ses}/store`)).json()) as { emails: unknown[] };
    if (emails.length >= PACK_EMAILS) return;
  }
  throw new Error('the review emails did not reach the inbox within 30 s');
});

afterAll(() => {
  if (runtime?.exitCode === null) process.kill(-runtime.pid!, 'SIGTERM');
});

describe('README walk-through', () => {
  const steps = walkthrough(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

  it('is found, and every command has what it prints', () => {
    expect(steps.length).toBeGreaterThanOrEqual(6);
    for (const s of steps) expect(s.expected, s.argv.join(' ')).not.toEqual([]);
  });

  it('runs in order against npm start, each command exiting 0 and printing its #> lines', async () => {
    for (const step of steps) {
      const read = READS.includes(step.argv.slice(0, 2).join(' '));
      let result = await isms(step.argv);
      for (let tries = 1; read && tries < 50 && !step.expected.every((e) => pattern(e).test(result.output)); tries++) {
        await new Promise((r) => setTimeout(r, 200));
        result = await isms(step.argv);
      }
      expect(result.code, `npx isms ${step.argv.join(' ')}\n${result.output}`).toBe(0);
      for (const e of step.expected) expect(result.output, `npx isms ${step.argv.join(' ')}`).toMatch(pattern(e));
    }
  });
});
