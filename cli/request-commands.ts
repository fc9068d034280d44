// `isms request submit` and `isms request status`: resource requests from the command line, validated before anything starts.
import { randomBytes } from 'node:crypto';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliCommand, CliContext } from './context';
import { keys } from '../core/keys';
import { newRequestId, parseRequest, REQUEST_ID_PATTERN } from '../core/request';
import { formatLocalTime, formatMoney, formatTime } from '../core/format';
import type { StoredRequest } from '../lambdas/shared/request-store';
import { getItem } from '../lambdas/shared/store';
import { requestsSince } from '../lambdas/shared/review-store';
import { z } from 'zod';
import { terminalSafe } from '../core/text';
import { bu, flagCommand } from './flags';
import { MAX_RESTART_NAMES, startRestart } from './restart';
import { deliveryEvents } from '../lambdas/shared/delivery-store';
import { deliveryStatus } from '../core/email-delivery';
import { optionsOf, usageOf } from './manifest';
import { amountProblem, readCategory, readPeriod, resolvePeriod } from './inputs';

const SUBMIT_USAGE = usageOf('request submit');
const STATUS_USAGE = usageOf('request status');

/** Options that take a value are all strings until the shared request schema has checked them. */
const SUBMIT_OPTIONS = optionsOf('request submit');

/** parseArgs in strict mode, with its error as one line naming the flag; undefined when the arguments are unusable. */
function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>, name: string, ctx: CliContext) {
  // "--amount -5" would read as an ambiguous option; join it so the schema can say what is wrong with -5.
  const fixed: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = args[i + 1];
    if (/^--[a-z]+$/.test(a) && options[a.slice(2)]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      fixed.push(`${a}=${next}`);
      i++;
    } else fixed.push(a);
  }
  try {
    return parseArgs({ args: fixed, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (err) {
    ctx.err(`isms ${name}: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function unitOrFail(ctx: CliContext, name: string, bu: unknown) {
  if (typeof bu !== 'string' || bu === '') {
    ctx.err(`isms ${name}: --bu: is required (a business unit id)`);
    return undefined;
  }
  try {
    return ctx.unit(bu);
  } catch (err) {
    ctx.err(`isms ${name}: --bu: ${(err as Error).message}`);
    return undefined;
  }
}

const randomSuffix = () => randomBytes(8).toString('hex').slice(0, 10);

export const submitCommand: CliCommand = {
  name: 'request submit',
  usage: SUBMIT_USAGE,
  async run(args, ctx) {
    const name = 'request submit';
    const values = parse(args, SUBMIT_OPTIONS, name, ctx);
    if (!values) return 2;
    const unit = unitOrFail(ctx, name, values.bu);
    if (!unit) return 2;
    // People's spellings (cli/inputs.ts): "Equipment" is the category; "25,000" and "Q3 2026" get the form to use.
    const early: string[] = [];
    const amountIssue = typeof values.amount === 'string' ? amountProblem(values.amount) : undefined;
    if (amountIssue) early.push(amountIssue);
    if (typeof values.review === 'string') {
      const read = readPeriod('--review', values.review);
      if ('value' in read) values.review = resolvePeriod(read.value, unit.timeZone);
      else early.push(read.problem);
    }
    if (early.length) {
      for (const p of early) ctx.err(`isms ${name}: ${p}`);
      ctx.err(`Usage: isms ${SUBMIT_USAGE}`);
      return 2;
    }
    const raw: Record<string, unknown> = {
      bu: values.bu,
      category: readCategory(values.category),
      title: values.title,
      justification: values.justification,
      amount: values.amount,
      currency: values.currency,
      requester: values.requester,
    };
    if (values.review !== undefined) raw.reviewPeriod = values.review;
    const { request, problems } = parseRequest(raw, unit, 'cli');
    if (!request) {
      for (const p of problems) ctx.err(`isms ${name}: ${p}`);
      ctx.err(`Usage: isms ${SUBMIT_USAGE}`);
      return 2;
    }
    const now = new Date();
    const requestId = newRequestId(now, randomSuffix);
    const stateMachineArn = await ctx.stateMachineArn(unit.id, 'resource-approval');
    // The requester is an address anyone may type; who ran this is evidence too (issue 9): read before anything starts.
    const submittedBy = await ctx.caller(unit.id);
    // Loaded on use: `requests list` and `request status` share this module and only read the table.
    const { StartExecutionCommand } = await import('./sdk-sfn');
    // The execution is named after the request, so the id is the handle on both, and a repeated start is refused.
    const started = await ctx.sfn(unit.id).send(
      new StartExecutionCommand({
        stateMachineArn,
        name: requestId,
        input: JSON.stringify({ ...request, requestId, submittedAt: now.toISOString(), submittedBy }),
      }),
    );
    ctx.out(requestId);
    ctx.err(
      `Submitted ${request.category} request "${request.title}" for ${formatMoney(request.amount, request.currency)} to ${unit.id}; execution ${started.executionArn}`,
    );
    // On stderr like the line above: stdout is the request id alone, for scripts.
    ctx.err(
      `The first approver gets an email with a decision link now${ctx.inboxUrl ? `; open ${ctx.inboxUrl} to decide` : ''}. Follow it with: isms request status --bu ${unit.id} --id ${requestId}${ctx.local ? ' --local' : ''}`,
    );
    return 0;
  },
};

export const statusCommand: CliCommand = {
  name: 'request status',
  usage: STATUS_USAGE,
  async run(args, ctx) {
    const name = 'request status';
    const values = parse(args, optionsOf(name), name, ctx);
    if (!values) return 2;
    const unit = unitOrFail(ctx, name, values.bu);
    if (!unit) return 2;
    const id = values.id;
    if (typeof id !== 'string' || !REQUEST_ID_PATTERN.test(id)) {
      ctx.err(
        `isms ${name}: --id: ${id === undefined ? 'is required' : `${JSON.stringify(id)} is not a request id`} (as printed by request submit)`,
      );
      return 2;
    }
    const rt = ctx.runtime(unit.id);
    const item = await getItem<StoredRequest>(rt, keys.request(id));
    if (!item) {
      ctx.err(`isms ${name}: --id: no request ${id} in unit ${unit.id}`);
      return 1;
    }
    ctx.out(
      terminalSafe(
        `${item.requestId}: ${item.status}${item.closedAt ? ` at ${formatTime(item.closedAt, unit.timeZone)}` : ''}${item.outcomeReason ? ` (${item.outcomeReason})` : ''}`,
      ),
    );
    ctx.out(
      terminalSafe(
        `  ${item.category}, ${formatMoney(item.amount, item.currency)}: ${item.title} (by ${item.requester}, ${formatTime(item.submittedAt, unit.timeZone)}${item.submittedBy ? `, submitted by ${item.submittedBy}` : ''})`,
      ),
    );
    if (item.workflowFailedAt) {
      ctx.out(`  workflow ended without an outcome at ${formatTime(item.workflowFailedAt, unit.timeZone)}: ${item.workflowError ?? ''}`);
      ctx.out(`  carry it on with: isms request restart --bu ${unit.id} --id ${item.requestId}`);
    }
    if (item.restarts)
      ctx.out(`  restarted ${item.restarts} time(s), last at ${item.restartedAt ? formatTime(item.restartedAt, unit.timeZone) : '?'}`);
    const deliveries = await deliveryEvents(rt, item.pk);
    for (const l of item.levels) {
      const state =
        l.outcome ??
        (item.status === 'pending' && l.index === item.currentLevel ? 'waiting' : item.status === 'pending' ? 'not yet' : 'not decided');
      ctx.out(
        terminalSafe(`  level ${l.index + 1} ${l.name}: ${l.approver.email}: ${state}${l.reroutedReason ? ` (${l.reroutedReason})` : ''}`),
      );
      // Each person the level was sent to: its approver, and the approver it was escalated or rerouted from.
      for (const address of new Set([l.configuredApprover.email, l.approver.email])) {
        const delivery = deliveryStatus(deliveries, address);
        if (delivery) ctx.out(terminalSafe(`    ${address}: ${delivery}`));
      }
    }
    return 0;
  },
};

const LIST_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'all'] as const;

export const listCommand = flagCommand(
  'requests list',
  z.object({
    bu,
    status: z
      .enum(LIST_STATUSES, { error: (iss) => `--status: ${JSON.stringify(iss.input)} is not one of ${LIST_STATUSES.join(', ')}` })
      .optional(),
    since: z.iso.date({ error: (iss) => `--since: ${JSON.stringify(iss.input)} is not a date like "2026-10-01"` }).optional(),
    local: z.boolean().optional(),
  }),
  async (parsed, ctx) => {
    const { opts, unit } = parsed;
    const status = opts.status ?? 'all';
    // Submitted on or after the day (UTC); GSI1 REQUESTS is ordered by submission time.
    const all = (await requestsSince(ctx.runtime(unit.id), opts.since)) as StoredRequest[];
    const shown = all.filter((r) => status === 'all' || r.status === status).reverse();
    if (!shown.length) {
      ctx.out(`No ${status === 'all' ? '' : `${status} `}requests in ${unit.id}${opts.since ? ` since ${opts.since}` : ''}.`);
      return 0;
    }
    for (const r of shown) ctx.out(requestListLine(r, unit.timeZone));
    return 0;
  },
);

/** One line per request: what, how much, who asked, and where it stands (the level it waits at, or its outcome). */
export function requestListLine(r: StoredRequest, timeZone = 'UTC'): string {
  const waiting = r.levels.find((l) => l.index === r.currentLevel);
  const where =
    r.status === 'pending'
      ? waiting
        ? `waits at level ${waiting.index + 1} ${waiting.name} (${waiting.approver.email})`
        : 'waits'
      : `${r.status}${r.closedAt ? ` at ${formatLocalTime(r.closedAt, timeZone)}` : ''}`;
  const failed = r.workflowFailedAt ? `  WORKFLOW STOPPED ${formatLocalTime(r.workflowFailedAt, timeZone)}` : '';
  // One line, whatever the stored title holds (a line break in it would fake a line of its own).
  return terminalSafe(
    `${r.requestId}  ${where}${failed}  ${r.category} ${formatMoney(r.amount, r.currency)}  by ${r.requester} ${formatLocalTime(r.submittedAt, timeZone)}  ${r.title}`,
  );
}

/** Room for "-restart-<n>" within the 80 characters of an execution name. */
const restartName = (requestId: string, n: number) => `${requestId.slice(0, 64)}-restart-${n}`;

export const restartCommand = flagCommand(
  'request restart',
  z.object({
    bu,
    id: z
      .string({ error: '--id: is required (a request id as printed by request submit or requests list)' })
      .regex(REQUEST_ID_PATTERN, { error: (iss) => `--id: ${JSON.stringify(iss.input)} is not a request id` }),
    local: z.boolean().optional(),
  }),
  async (parsed, ctx) => {
    const { opts, unit } = parsed;
    const rt = ctx.runtime(unit.id);
    const item = await getItem<StoredRequest>(rt, keys.request(opts.id));
    if (!item) {
      ctx.err(`--id: no request ${opts.id} in unit ${unit.id}`);
      return 1;
    }
    if (item.status !== 'pending' || !item.workflowFailedExecution) {
      ctx.err(
        `${opts.id} is ${item.status}${item.status === 'pending' ? ' and its workflow is running' : ''}; only a pending request whose workflow failed can be restarted.`,
      );
      return 1;
    }
    const input = JSON.stringify({ requestId: opts.id, restartOf: item.workflowFailedExecution });
    const r = await startRestart(ctx, unit.id, 'resource-approval', item.restarts ?? 0, (n) => ({ name: restartName(opts.id, n), input }));
    if (r.outcome === 'started') {
      ctx.out(
        `Restarted ${opts.id} at level ${item.currentLevel + 1} (${item.levels[item.currentLevel]?.name}): execution ${r.executionArn}`,
      );
      return 0;
    }
    if (r.outcome === 'running') {
      ctx.out(`${opts.id} is already being restarted: execution ${r.executionArn}, ${r.status}. Nothing started.`);
      return 0;
    }
    ctx.err(
      `${opts.id} could not be restarted: ${MAX_RESTART_NAMES} restart executions after the last recorded one have closed without taking it over. See "isms request status --bu ${unit.id} --id ${opts.id}".`,
    );
    return 1;
  },
);

export const commands: CliCommand[] = [submitCommand, statusCommand, listCommand, restartCommand];
