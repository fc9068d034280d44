// `npm start` as a user runs it: spawn to the JSON ready line, SIGTERM to exit; and with reviews opened, spawn to the
// review pack emails in the inbox. Each run, then the median of 5.
// Run: npx tsx bench/startup.ts   (about a minute; writes and removes .isms-local/runtime.json like any `npm start`)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = path.join(import.meta.dirname, '..');
const RUNS = 5;
const FREE = ['--dynamodb-port', '0', '--ses-port', '0', '--sfn-port', '0', '--decisions-port', '0'];
/** The two example units' review invitations (2 + 3 top managers) in config/. */
const PACK_EMAILS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n: number) => `${Math.round(n)} ms`;

interface Run {
  /** spawn → the {"ready":true} line on stdout */
  readyMs: number;
  /** spawn → the inbox holds the pack emails (reviews opened only) */
  emailsMs?: number;
  /** SIGTERM to the runtime's pid → the spawned npm process has exited */
  exitMs: number;
  exitCode: number | null;
}

async function once(openReviews: boolean): Promise<Run> {
  const args = ['start', '--', '--json', ...(openReviews ? [] : ['--no-reviews']), ...FREE];
  const started = performance.now();
  const proc = spawn('npm', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  try {
    const ready = await new Promise<{ pid: number; urls: { ses: string }; at: number }>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        const at = performance.now();
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{') && l.includes('"ready":true'));
        if (line) resolve({ ...JSON.parse(line), at });
      });
      exit.then(({ code, signal }) => reject(new Error(`npm start exited ${code ?? signal} before ready: ${stderr}`)));
    });
    let emailsMs: number | undefined;
    if (openReviews) {
      for (;;) {
        const { emails } = (await (await fetch(`${ready.urls.ses}/store`)).json()) as { emails: unknown[] };
        if (emails.length >= PACK_EMAILS) {
          emailsMs = performance.now() - started;
          if (emails.length !== PACK_EMAILS) throw new Error(`expected ${PACK_EMAILS} emails, the inbox has ${emails.length}`);
          break;
        }
        if (performance.now() - started > 60_000) throw new Error(`only ${emails.length} of ${PACK_EMAILS} emails after 60 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    // With reviews, this is right after the emails: the workflows may still be running a step (SIGTERM aborts them).
    const stopping = performance.now();
    process.kill(ready.pid, 'SIGTERM'); // the runtime itself (npm and tsx sit between it and us), as the npm start test does
    const { code, at } = await exit;
    return { readyMs: ready.at - started, emailsMs, exitMs: at - stopping, exitCode: code };
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) process.kill(-proc.pid!, 'SIGKILL');
  }
}

async function series(label: string, openReviews: boolean): Promise<void> {
  const runs: Run[] = [];
  console.log(`\n${label}`);
  for (let i = 1; i <= RUNS; i++) {
    let r: Run | undefined;
    for (let attempt = 1; !r; attempt++) {
      try {
        r = await once(openReviews);
      } catch (err) {
        // Other work on this machine has killed a starting runtime now and then; say so and start that run again.
        if (attempt === 3 || !/exited SIG/.test((err as Error).message)) throw err;
        console.log(`  run ${i}: ${(err as Error).message.split(':')[0]}; not counted, run again`);
      }
    }
    runs.push(r);
    console.log(
      `  run ${i}: ready ${ms(r.readyMs)}${r.emailsMs === undefined ? '' : `, ${PACK_EMAILS} pack emails ${ms(r.emailsMs)}`}, exit after SIGTERM ${ms(r.exitMs)} (code ${r.exitCode})`,
    );
  }
  const emails = runs.flatMap((r) => (r.emailsMs === undefined ? [] : [r.emailsMs]));
  console.log(
    `  median: ready ${ms(median(runs.map((r) => r.readyMs)))}${emails.length ? `, ${PACK_EMAILS} pack emails ${ms(median(emails))}` : ''}, exit ${ms(median(runs.map((r) => r.exitMs)))}`,
  );
}

await series(`npm start -- --json --no-reviews ${FREE.join(' ')}`, false);
await series(`npm start -- --json ${FREE.join(' ')}   (opens the current review of both example units)`, true);
