// Flag parsing shared by the CLI commands: strict flags, zod rules, one line per problem naming the flag.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { reviewIdOf } from '../core/period';
import { readPeriod, resolvePeriod } from './inputs';
import type { BusinessUnitConfig } from '../core/config';
import type { CliCommand, CliContext } from './context';
import { optionsOf, usageOf } from './manifest';

/** `--period`: "2026-Q4" in any case, or current/next/previous (resolvePeriod); "Q4 2026" is answered with the form to use. */
export const period = z.string().transform((input, ctx) => {
  const read = readPeriod('--period', input);
  if ('value' in read) return read.value;
  ctx.addIssue({ code: 'custom', message: read.problem, input });
  return z.NEVER;
});
export const bu = z.string({ error: '--bu: is required (a business-unit id)' }).min(1, { error: '--bu: must not be empty' });

/**
 * Parses flags strictly and checks the unit id, printing every problem as one line naming the flag
 * (a bad unit and a bad period are both reported). Returns the options and the unit, or undefined.
 */
export function parseFlags<T extends z.ZodType>(
  args: string[],
  options: Record<string, { type: 'string' | 'boolean' }>,
  schema: T,
  ctx: CliContext,
  usage: string,
): { opts: z.output<T>; unit: BusinessUnitConfig } | undefined {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    ctx.err((err as Error).message.replace(/\. To specify .*$/s, ''));
    ctx.err(`usage: ${usage}`);
    return undefined;
  }
  const problems: string[] = [];
  let unit: BusinessUnitConfig | undefined;
  if (typeof values.bu === 'string' && values.bu !== '') {
    try {
      unit = ctx.unit(values.bu);
    } catch (err) {
      problems.push(`--bu: ${(err as Error).message}`);
    }
  }
  const result = schema.safeParse(values);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(issue.message.startsWith('--') ? issue.message : `--${String(issue.path[0] ?? '')}: ${issue.message}`);
    }
  }
  if (problems.length || !result.success || !unit) {
    for (const p of problems) ctx.err(p);
    ctx.err(`usage: ${usage}`);
    return undefined;
  }
  return { opts: result.data, unit };
}

/** `--bu <id> [--period YYYY-Qn] [--local]`, the period defaulting to the current quarter in the unit's time zone. */
export function parseReviewTarget(
  args: string[],
  ctx: CliContext,
  usage: string,
): { unit: BusinessUnitConfig; period: string; reviewId: string } | undefined {
  const parsed = parseFlags(
    args,
    { bu: { type: 'string' }, period: { type: 'string' }, local: { type: 'boolean' } },
    z.object({ bu, period: period.optional(), local: z.boolean().optional() }),
    ctx,
    usage,
  );
  if (!parsed) return undefined;
  const p = resolvePeriod(parsed.opts.period ?? 'CURRENT', parsed.unit.timeZone);
  return { unit: parsed.unit, period: p, reviewId: reviewIdOf(parsed.unit.id, p) };
}

/**
 * A command whose flags are its manifest entry's (cli/manifest.ts), checked by `schema` with parseFlags(): `run` gets
 * the options and the unit, or the command prints each problem and its usage and exits 2, running nothing.
 */
export function flagCommand<T extends z.ZodType>(
  name: string,
  schema: T,
  run: (parsed: { opts: z.output<T>; unit: BusinessUnitConfig }, ctx: CliContext) => Promise<number>,
): CliCommand {
  const usage = usageOf(name);
  return {
    name,
    usage,
    async run(args, ctx) {
      const parsed = parseFlags(args, optionsOf(name), schema, ctx, usage);
      return parsed ? run(parsed, ctx) : 2;
    },
  };
}
