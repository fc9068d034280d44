// Helpers for tests on the local runtime: free ports, polling, a CLI context bound to a running runtime, the people of the
// example unit, what a browser does on a decision confirmation page, and reading a partition of a unit's table.
import { readFileSync } from 'node:fs';
import { localCaller, type CliCommand, type CliContext } from '../../cli/context';
import { RESOURCE_CATEGORIES, type ResourceCategory } from '../../core/config';
import type { LocalRuntime, LocalUnit, StoredEmail } from '../../local/runtime';
import type { Runtime } from '../../lambdas/shared/runtime';
import { queryAll } from '../../lambdas/shared/store';
import { getLink } from '../../lambdas/shared/links';
import { decisionRecordOf } from '../../core/decisions';
import { recordDecision } from '../../lambdas/shared/decision-store';
import { auditDecision } from '../../lambdas/shared/decision-follow-up';
import { taskTokenOf } from '../../lambdas/shared/task-tokens';

export const FREE_PORTS = { dynamodb: 0, ses: 0, stepFunctions: 0, decisions: 0 } as const;

/**
 * startLocalRuntime's retryIntervalOverrides for tests that drive a step into its retries: every state of both workflows
 * that has a Retry pauses 50 ms between attempts instead of its backoff (AwaitDecision's 2 s then 4 s). The attempts,
 * their errors and MaxAttempts stay the definitions' own; only the waiting goes.
 */
export const QUICK_RETRIES: Record<string, number> = Object.fromEntries(
  ['management-review', 'resource-approval'].flatMap((workflow) => {
    const definition = JSON.parse(readFileSync(new URL(`../../statemachines/${workflow}.asl.json`, import.meta.url), 'utf8'));
    return Object.entries(definition.States as Record<string, { Retry?: unknown[] }>)
      .filter(([, state]) => state.Retry?.length)
      .map(([name]) => [name, 50]);
  }),
);

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
    units: () => lr.units.map((u) => u.unit),
    local: true,
    sfn: () => lr.sfn,
    stateMachineArn: async (id, workflow) => unitOf(id).stateMachineArns[workflow],
    stackOutputs: async () => {
      throw new Error('The local runtime has no stack outputs.');
    },
    runtime: (id) => unitOf(id).runtime,
    caller: async () => localCaller(),
    localSeal: (id) => ({ ...unitOf(id).seal, s3Url: lr.urls.s3, kmsUrl: lr.urls.kms }),
    out: (l) => lines.out.push(l),
    err: (l) => lines.err.push(l),
  };
}

export interface CliResult extends CliLines {
  code: number;
}

/** Runs the command called `name` from `commands` against this runtime, with `--local` appended unless `local` is false. */
export async function runCli(
  lr: LocalRuntime,
  commands: readonly CliCommand[],
  name: string,
  args: string[],
  /** `caller`: who the command says runs it (an AWS principal ARN), instead of the local runtime's `local:<user>`. */
  { local = true, caller }: { local?: boolean; caller?: string } = {},
): Promise<CliResult> {
  const command = commands.find((c) => c.name === name);
  if (!command) throw new Error(`No CLI command "${name}" among: ${commands.map((c) => c.name).join(', ')}`);
  const lines: CliLines = { out: [], err: [] };
  const ctx = localCliContext(lr, lines);
  const code = await command.run(local ? [...args, '--local'] : args, caller ? { ...ctx, caller: async () => caller } : ctx);
  return { code, ...lines };
}

// The people of config/business-units/example-emea.json, which testUnit() builds on.
/** Managing Director and review chair; approves requests from 100 000 (escalation: Board Office). */
export const CLARA = 'clara.weber@example.com';
/** Chief Financial Officer; approves requests from 10 000 (escalation: Clara). */
export const FARID = 'farid.haddad@example.com';
/** Chief Operating Officer and ISMS sponsor: the first level of every request, from 0 (escalation: Clara). */
export const OONA = 'oona.byrne@example.com';
/** The ISMS manager. */
export const IRENE = 'irene.schulz@example.com';
/** The unit's escalation contact for reviews, and for requests at Clara's level. */
export const BOARD = 'board-office-emea@example.com';

export type Adequacy = Partial<Record<ResourceCategory, 'adequate' | 'inadequate'>>;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The decision link (http://…/<unit>/decisions/<id>?k=…) in an email's text; with `unitId`, a link of that unit only. */
export function decisionLink(email: StoredEmail, unitId?: string): URL {
  const m = new RegExp(`(http://\\S+${unitId ? `/${escapeRegExp(unitId)}` : ''}/decisions/\\S+)`).exec(email.body.text ?? '');
  if (!m) throw new Error(`No decision link${unitId ? ` of unit ${unitId}` : ''} in "${email.subject}"`);
  return new URL(m[1]);
}

/** The fields of a review's confirmation page: the choice, the comment and every resource category, adequate unless `adequacy` says not. */
export function reviewForm(choice: 'approve' | 'request-changes', comment = '', adequacy: Adequacy = {}): Record<string, string> {
  return { choice, comment, ...Object.fromEntries(RESOURCE_CATEGORIES.map((c) => [`adequacy-${c}`, adequacy[c] ?? 'adequate'])) };
}

/**
 * What a browser does on the confirmation page: POST the form, with the link's secret `k` in the body, to the page's own path,
 * without following the redirect; returns the status. `origin` posts to another server than the link names (the path is
 * kept), e.g. a restarted local runtime on a new port. The Origin header is always the origin posted to, as a browser sends.
 */
export async function postDecision(
  email: StoredEmail,
  fields: Record<string, string>,
  opts: { unitId?: string; origin?: string } = {},
): Promise<number> {
  const link = decisionLink(email, opts.unitId);
  const k = link.searchParams.get('k');
  if (!k) throw new Error(`The decision link in "${email.subject}" has no secret (k): ${link.href}`);
  const origin = new URL(opts.origin ?? link.origin).origin;
  const res = await fetch(`${origin}${link.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ k, ...fields }).toString(),
    redirect: 'manual',
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Polls until the subject (`REVIEW#…`, `REQUEST#…`) waits: its await step stored a task token in the links table, and
 * one other than `previous` (a token stays until the next wait replaces it, so a restarted wait must differ).
 */
export function waitingToken(rt: Runtime, subjectPk: string, what: string, previous?: string, timeoutMs?: number): Promise<string> {
  return until(
    what,
    async () => {
      const token = await taskTokenOf(rt, subjectPk);
      return token && token !== previous ? token : undefined;
    },
    timeoutMs,
  );
}

/** Every item of partition `pk` whose sort key starts with `skPrefix`, read consistently: e.g. a subject's audit events (`prefixes.event`). */
export function partitionItems<T = Record<string, any>>(rt: Runtime, pk: string, skPrefix = ''): Promise<T[]> {
  return queryAll<T>(rt, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
    ExpressionAttributeValues: { ':pk': pk, ':p': skPrefix },
    ConsistentRead: true,
  });
}

/**
 * The task token a waiting workflow stored for its review or request (readable only by the resumers in production):
 * what a token holder could send SendTaskSuccess with, so tests can forge a resume. One place to change if it moves.
 */
export async function storedTaskToken(rt: Runtime, key: { pk: string; sk: string }): Promise<string | undefined> {
  // Where only the resuming functions may read it (the links table), not on the review or request item.
  return taskTokenOf(rt, key.pk);
}

/**
 * What the decision endpoint stores for a click (the decision item and its decision.recorded event), without the
 * resume that follows: as when the endpoint's resume of the workflow fails. The decision counts from the table alone.
 */
export async function recordDecisionWithoutResume(
  rt: Runtime,
  decisionId: string,
  choice: 'approve' | 'reject' | 'request-changes',
): Promise<void> {
  const link = await getLink(rt, decisionId);
  if (!link) throw new Error(`No link ${decisionId}`);
  const record = decisionRecordOf(link, {
    choice,
    comment: 'recorded while the resume failed',
    ...(link.subjectType === 'review' ? { resourceAdequacy: Object.fromEntries(RESOURCE_CATEGORIES.map((c) => [c, 'adequate'])) } : {}),
    decidedAt: new Date().toISOString(),
    sourceIp: '127.0.0.1',
    userAgent: 'test',
  });
  if (!(await recordDecision(rt, record))) throw new Error(`Decision ${decisionId} was already recorded`);
  await auditDecision(rt, link, record);
}
