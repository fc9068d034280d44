// One way a workflow task reads its event: validate it, or throw the named error the workflow's Retry/Catch match on.
import { WorkflowError } from './runtime';

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Anything with zod's `safeParse` (zod or zod/mini): the helper needs no more, so either kind of schema fits. */
export interface EventSchema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: { issues: readonly Issue[] } };
}

/**
 * The parsed event, or a WorkflowError (`InvalidEvent` unless named) whose message is `<source>: <path>: <message>; …`.
 * Only paths and the schema's messages go into it, never an input value: an event may carry a task token, and the
 * message lands in the execution history and the logs.
 */
export function parseEvent<T>(schema: EventSchema<T>, event: unknown, source: string, errorName = 'InvalidEvent'): T {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  throw new WorkflowError(errorName, `${source}: ${parsed.error.issues.map(issueText).join('; ')}`);
}

function issueText(issue: Issue): string {
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
  // A schema's own message may name its field already ("period: … is not a period"): say it once.
  if (!path || issue.message.startsWith(`${path}:`)) return issue.message;
  return `${path}: ${issue.message}`;
}
