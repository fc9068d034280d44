// CLI commands of the management review: `isms review start` (which also restarts a review whose workflow failed) and `isms inputs submit`.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { reviewIdOf } from '../core/period';
import { restartReviewInput, startReviewInput, TERMINAL_STATUSES } from '../core/review-start';
import { parseReviewInputs, ReviewInputsError } from '../core/review-inputs';
import { getPack, getReview, submitInputs } from '../lambdas/shared/review-store';
import type { BusinessUnitConfig } from '../core/config';
import { MAX_RESTART_NAMES, startRestart } from './restart';
import type { CliCommand, CliContext } from './context';
import { bu, flagCommand, parseReviewTarget, period } from './flags';
import { executionArnOf } from '../core/names';
import { formatTime } from '../core/format';
import { usageOf } from './manifest';
import { resolvePeriod } from './inputs';

const startUsage = usageOf('review start');

const reviewStart: CliCommand = {
  name: 'review start',
  usage: startUsage,
  async run(args, ctx) {
    const target = parseReviewTarget(args, ctx, startUsage);
    if (!target) return 2;
    const { unit, period: p, reviewId: id } = target;
    const rt = ctx.runtime(unit.id);
    const existing = await getReview(rt, id);
    if (existing?.workflowFailedExecution && !TERMINAL_STATUSES.includes(existing.status)) {
      return restart(ctx, unit, p, existing.workflowFailedExecution, existing.restarts ?? 0);
    }
    if (existing) {
      ctx.out(
        `The review ${id} already exists: status ${existing.status}, opened at ${formatTime(existing.openedAt, unit.timeZone)}. Nothing started.`,
      );
      return 0;
    }
    const stateMachineArn = await ctx.stateMachineArn(unit.id, 'management-review');
    const { name, input } = startReviewInput(unit, p, 'cli');
    // Loaded here, not with the module: `inputs submit` shares the module and never starts a workflow.
    const { DescribeExecutionCommand, StartExecutionCommand } = await import('./sdk-sfn');
    try {
      const out = await ctx.sfn(unit.id).send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      ctx.out(`Started the management review ${id}: execution ${out.executionArn}`);
      ctx.out(nextForReview(ctx, unit, p));
      return 0;
    } catch (err) {
      if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
      const executionArn = executionArnOf(stateMachineArn, name!); // a period always gives the name
      const d = await ctx.sfn(unit.id).send(new DescribeExecutionCommand({ executionArn }));
      ctx.out(
        `The review ${id} was already started: execution ${executionArn}, ${d.status}, started at ${d.startDate ? formatTime(d.startDate.toISOString(), unit.timeZone) : '?'}. Nothing started.`,
      );
      return 0;
    }
  },
};

/** What happens now and what to do: who gets the pack, where to decide, how to follow it. */
function nextForReview(ctx: CliContext, unit: BusinessUnitConfig, p: string): string {
  const members = unit.topManagement.length;
  const where = ctx.inboxUrl ? `open ${ctx.inboxUrl} to decide` : 'each decides from the email';
  return `${members} invitation${members === 1 ? '' : 's'} with the pack go out now, one personal decision link each; ${where}. Follow it with: isms review status --bu ${unit.id} --period ${p}${ctx.local ? ' --local' : ''}`;
}

/**
 * The review's workflow failed for good: a new execution `<bu>-<period>-restart-<n>` takes it over (review-open checks
 * that the review is still marked failed by `failed`). n follows the stored restart count, so a second start before the
 * takeover finds the same execution and starts nothing; a restart that closed before taking over is skipped.
 */
async function restart(ctx: CliContext, unit: BusinessUnitConfig, p: string, failed: string, restarts: number): Promise<number> {
  const id = reviewIdOf(unit.id, p);
  const r = await startRestart(ctx, unit.id, 'management-review', restarts, (n) => {
    const { name, input } = restartReviewInput(unit, p, failed, n, 'cli');
    return { name, input: JSON.stringify(input) };
  });
  if (r.outcome === 'started') {
    ctx.out(`The workflow of the review ${id} ended without an outcome (${failed}). Restarted it: execution ${r.executionArn}`);
    return 0;
  }
  if (r.outcome === 'running') {
    ctx.out(
      `The review ${id} is already being restarted: execution ${r.executionArn}, ${r.status}, started at ${r.startDate ? formatTime(r.startDate.toISOString(), unit.timeZone) : '?'}. Nothing started.`,
    );
    return 0;
  }
  ctx.err(
    `The review ${id} could not be restarted: ${MAX_RESTART_NAMES} restart executions after the last recorded one have closed without taking it over. See "isms review status --bu ${unit.id} --period ${p}".`,
  );
  return 1;
}

const inputsSubmit = flagCommand(
  'inputs submit',
  z.object({
    bu,
    period: z.string({ error: '--period: is required (a period like "2026-Q4")' }).pipe(period),
    file: z.string({ error: '--file: is required (a JSON file like config/examples/review-inputs.json)' }).min(1),
    by: z.email({ error: (iss) => `--by: ${JSON.stringify(iss.input)} is not an email address` }).optional(),
    local: z.boolean().optional(),
  }),
  async (parsed, ctx) => {
    const { opts, unit } = parsed;
    const forPeriod = resolvePeriod(opts.period, unit.timeZone);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(opts.file, 'utf8'));
    } catch (err) {
      ctx.err(
        `--file: ${opts.file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `is not valid JSON (${(err as Error).message})`}`,
      );
      return 2;
    }
    let inputs: ReturnType<typeof parseReviewInputs>;
    try {
      inputs = parseReviewInputs(raw);
    } catch (err) {
      if (!(err instanceof ReviewInputsError)) throw err;
      for (const problem of err.problems) ctx.err(`${opts.file}: ${problem}`);
      ctx.err('Nothing was stored.');
      return 2;
    }
    const rt = ctx.runtime(unit.id);
    const item = await submitInputs(rt, { period: forPeriod, inputs, submittedBy: opts.by ?? unit.ismsManager.email });
    ctx.out(
      `Stored the review inputs of ${unit.id} for ${forPeriod}, submitted at ${formatTime(item.submittedAt, unit.timeZone)} by ${item.submittedBy}.`,
    );
    const pack = await getPack(rt, item.reviewId);
    if (pack) {
      ctx.out(
        `Note: the pack of this review was compiled at ${formatTime(pack.compiledAt, unit.timeZone)}, before this submission; these inputs are kept as evidence but are not in its pack.`,
      );
    } else {
      ctx.out(
        `They go into the pack when the review opens: isms review start --bu ${unit.id} --period ${forPeriod}${ctx.local ? ' --local' : ''}`,
      );
    }
    return 0;
  },
);

export const commands: CliCommand[] = [reviewStart, inputsSubmit];
