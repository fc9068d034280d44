// Local stand-in for the daily policy re-confirmation schedule (lib/policy-check-schedule.ts): the same function, run once at
// start and then every day, so a policy that fell due while the runtime was down is reminded about at once.
import type { LocalRuntime } from './runtime';

const DAY_MS = 86_400_000;

export function startLocalPolicyCheck(runtime: LocalRuntime, log: (l: string) => void, everyMs = DAY_MS): () => Promise<void> {
  const run = async () => {
    for (const u of runtime.units) {
      try {
        const out = (await runtime.invoke(u.unit.id, 'policy-check-due', { trigger: 'local-schedule' })) as {
          checked: Array<{ documentKind: string; version?: string; state: string }>;
        };
        for (const c of out.checked.filter((x) => x.state === 'due' || x.state === 'overdue')) {
          log(`${c.documentKind} ${c.version} of ${u.unit.id} is ${c.state} for re-confirmation; the ISMS manager is reminded`);
        }
      } catch (err) {
        log(`policy check of ${u.unit.id} failed: ${(err as Error).message}`);
      }
    }
  };
  const first = run();
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await first.catch(() => {});
  };
}
