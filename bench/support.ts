// What the transition benches share: units of n members and an execution's whole history (waiting: until() of
// tests/support/workflow.ts).
import { GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import type { LocalRuntime } from '../local/runtime';

/** n top managers, the first the chair. */
export const members = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `Member ${i + 1}`,
    email: `member${i + 1}@example.com`,
    role: `Director ${i + 1}`,
    ...(i === 0 ? { chair: true } : {}),
  }));

/** Every event of an execution, page by page. */
export async function history(lr: LocalRuntime, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await lr.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}
