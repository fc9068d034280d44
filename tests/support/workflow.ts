// Helpers for tests on the local runtime: free ports, polling, and a CLI context bound to a running runtime.
import type { CliContext } from '../../lib/cli/context';
import type { LocalRuntime, LocalUnit } from '../../lib/local/runtime';

export const FREE_PORTS = { dynamodb: 0, ses: 0, stepFunctions: 0, decisions: 0 } as const;

/** Polls `probe` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface CliLines {
  out: string[];
  err: string[];
}

/** What `--local` gives a command, pointed at this runtime instead of the one `npm start` recorded. */
export function localCliContext(lr: LocalRuntime, lines: CliLines = { out: [], err: [] }): CliContext {
  const unitOf = (id: string): LocalUnit => {
    const u = lr.units.find((x) => x.unit.id === id);
    if (!u) throw new Error(`Unknown business unit "${id}". Known units: ${lr.units.map((x) => x.unit.id).join(', ')}`);
    return u;
  };
  return {
    unit: (id) => unitOf(id).unit,
    local: true,
    sfn: () => lr.sfn,
    stateMachineArn: async (id, workflow) => unitOf(id).stateMachineArns[workflow],
    runtime: (id) => unitOf(id).runtime,
    out: (l) => lines.out.push(l),
    err: (l) => lines.err.push(l),
  };
}
