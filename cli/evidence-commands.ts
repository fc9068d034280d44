// `isms evidence export`: what an auditor asks for, as one JSON document per unit and time range.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exportEvidence } from '../lambdas/shared/evidence';
import { readMonthRange } from './inputs';
import type { CliCommand } from './context';
import { renderEvidenceHtml, type SealStatus } from './evidence-report';
import { exportBundle, verifyLive } from './seal-bundle';
import { sealTargetFor } from './seal-commands';
import { optionsOf, usageOf } from './manifest';

const usage = usageOf('evidence export');
const FORMATS = ['json', 'html', 'bundle'];

/** The sealed-evidence line of a page (this export's, `isms report`'s): the live table checked against the digests, or why it could not be. */
export async function sealStatus(ctx: Parameters<CliCommand['run']>[1], unitId: string): Promise<SealStatus> {
  try {
    const r = await verifyLive(ctx.runtime(unitId), await sealTargetFor(ctx, unitId));
    // No digest yet is no proof either way: "not checked", with why, rather than "verified" on nothing.
    if (!r.digests.length)
      return { summary: `not sealed yet: ${r.problems.join('; ') || 'no digests yet'}`, publicKeySha256: r.publicKeySha256 };
    const problems = r.findings.length + r.problems.length;
    return {
      ok: r.ok,
      summary: r.ok
        ? `${r.records} sealed records of the table match ${r.digests.length} signed, chained digests`
        : `${problems} problem(s): ${[...r.findings.map((f) => f.detail), ...r.problems].slice(0, 5).join('; ')} (isms evidence verify --bu ${unitId} lists them all)`,
      publicKeySha256: r.publicKeySha256,
    };
  } catch (err) {
    return { summary: `could not be checked: ${(err as Error).message}` };
  }
}

export const evidenceExport: CliCommand = {
  name: 'evidence export',
  usage,
  async run(args, ctx) {
    let values: { bu?: string; from?: string; to?: string; out?: string; format?: string };
    try {
      values = parseArgs({
        args,
        options: optionsOf('evidence export'),
        strict: true,
      }).values;
    } catch (err) {
      ctx.err((err as Error).message);
      ctx.err(`usage: ${usage}`);
      return 2;
    }
    const now = new Date();
    const { from, to, problems } = readMonthRange(values, now);
    if (!values.bu) problems.push('--bu: is required (a business-unit id)');
    const format = values.format ?? 'json';
    if (!FORMATS.includes(format)) problems.push(`--format: ${JSON.stringify(format)} is not one of ${FORMATS.join(', ')}`);
    if (format === 'bundle' && !values.out) problems.push('--out: is required with --format bundle (a folder to write the bundle to)');
    let unitId = '';
    if (values.bu) {
      try {
        unitId = ctx.unit(values.bu).id;
      } catch (err) {
        problems.push(`--bu: ${(err as Error).message}`);
      }
    }
    if (problems.length) {
      for (const p of problems) ctx.err(p);
      ctx.err(`usage: ${usage}`);
      return 2;
    }
    if (format === 'bundle') {
      const done = await exportBundle(ctx.runtime(unitId), await sealTargetFor(ctx, unitId), {
        fromMonth: from,
        toMonth: to,
        out: values.out!,
        now,
      });
      ctx.err(
        `${done.records} sealed records in ${done.digests} digests (${done.manifest.firstSequence}-${done.manifest.lastSequence}, sealed until ${done.sealedUntil}) of ${unitId}, ${from} to ${to}, written to ${values.out}; check it with \`isms evidence verify ${values.out}\` or its VERIFY.md`,
      );
      ctx.err(`public key SHA-256 ${done.manifest.publicKeySha256}`);
      return 0;
    }
    const evidence = await exportEvidence(ctx.runtime(unitId), { from, to });
    const json = format === 'html' ? renderEvidenceHtml(evidence, await sealStatus(ctx, unitId)) : JSON.stringify(evidence, null, 2);
    if (values.out) {
      // `--out out/evidence.json` works on a fresh clone: out/ is git-ignored and made here.
      mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
      writeFileSync(values.out, json);
      ctx.err(
        `${evidence.events.length} events and ${Object.keys(evidence.subjects).length} reviews/requests/actions of ${unitId}, ${from} to ${to}, written to ${values.out}`,
      );
    } else {
      ctx.out(json);
    }
    return 0;
  },
};

export const commands: CliCommand[] = [evidenceExport];
