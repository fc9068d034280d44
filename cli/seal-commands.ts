// `isms evidence verify`: checks a sealed-evidence bundle, or the live table against the unit's digests; and the seal target
// (bucket and key) the bundle export reads, locally or on AWS (docs/evidence-sealing.md).
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { digestName, type Finding, type VerifyResult } from '../core/evidence-seal';
import { sealClients, type SealTarget } from '../lambdas/shared/seal-store';
import type { CliCommand, CliContext } from './context';
import { optionsOf, usageOf } from './manifest';
import { verifyBundle, verifyLive } from './seal-bundle';

/** The unit's digest bucket and signing key: from `npm start`'s state file, or the deployed stack's outputs. */
export async function sealTargetFor(ctx: CliContext, unitId: string): Promise<SealTarget> {
  const unit = ctx.unit(unitId);
  if (ctx.local) {
    if (!ctx.localSeal) throw new Error('this CLI context has no local sealed evidence');
    const seal = ctx.localSeal(unit.id);
    return {
      bucket: seal.bucket,
      keyId: seal.keyId,
      ...sealClients({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: seal.s3Url, AWS_ENDPOINT_URL_KMS: seal.kmsUrl }),
    };
  }
  const outputs = await ctx.stackOutputs(unit.id);
  const bucket = outputs.EvidenceSealBucketName;
  const keyId = outputs.EvidenceSealKeyArn;
  if (!bucket || !keyId)
    throw new Error(`the stack of ${unit.id} has no EvidenceSealBucketName / EvidenceSealKeyArn output; deploy the current version`);
  return { bucket, keyId, ...sealClients({ AWS_REGION: unit.region }) };
}

const PROBLEM_ORDER: Finding['problem'][] = [
  'bad signature',
  'signature missing',
  'digest altered',
  'digest missing',
  'broken chain',
  'gap in time',
  'record changed',
  'record missing',
  'record not sealed',
  'bad record line',
];

/** One line per digest (OK or each problem), then the problems about no digest, then the verdict. */
export function printVerification(ctx: CliContext, result: VerifyResult & { problems: string[] }, fingerprint?: string): number {
  if (fingerprint) ctx.out(`public key SHA-256 ${fingerprint}`);
  const bySequence = new Map<number, Finding[]>();
  for (const f of result.findings) if (f.sequence !== undefined) bySequence.set(f.sequence, [...(bySequence.get(f.sequence) ?? []), f]);
  const listed = new Set<number>();
  for (const d of result.digests) {
    listed.add(d.sequence);
    const found = (bySequence.get(d.sequence) ?? []).sort((a, b) => PROBLEM_ORDER.indexOf(a.problem) - PROBLEM_ORDER.indexOf(b.problem));
    const what = d.start ? `${d.start} .. ${d.end}, ${d.records} records${d.anchor ? ', anchor only' : ''}` : '';
    if (!found.length) ctx.out(`digest ${digestName(d.sequence)} OK ${what}`);
    for (const f of found) ctx.out(`digest ${digestName(d.sequence)} ${f.problem.toUpperCase()}: ${f.detail}`);
  }
  for (const f of result.findings) {
    if (f.sequence === undefined) ctx.out(`${f.problem.toUpperCase()}: ${f.detail}`);
    else if (!listed.has(f.sequence)) ctx.out(`digest ${digestName(f.sequence)} ${f.problem.toUpperCase()}: ${f.detail}`);
  }
  for (const p of result.problems) ctx.out(`PROBLEM: ${p}`);
  const count = result.findings.length + result.problems.length;
  if (result.ok) ctx.out(`OK: ${result.digests.length} digests and ${result.records} records verified`);
  else ctx.out(`FAILED: ${count} problem${count === 1 ? '' : 's'} in ${result.digests.length} digests and ${result.records} records`);
  return result.ok ? 0 : 1;
}

const usage = usageOf('evidence verify');

export const evidenceVerify: CliCommand = {
  name: 'evidence verify',
  usage: usageOf('evidence verify'),
  async run(args, ctx) {
    let parsed: { values: { bu?: string; local?: boolean }; positionals: string[] };
    try {
      parsed = parseArgs({ args, options: optionsOf('evidence verify'), strict: true, allowPositionals: true });
    } catch (err) {
      ctx.err((err as Error).message);
      ctx.err(`usage: ${usage}`);
      return 2;
    }
    const { values, positionals } = parsed;
    if ((values.bu ? 1 : 0) + positionals.length !== 1) {
      ctx.err('give either a bundle folder (DIR) or --bu <id>, one of them');
      ctx.err(`usage: ${usage}`);
      return 2;
    }
    if (values.bu) {
      const unitId = ctx.unit(values.bu).id;
      const result = await verifyLive(ctx.runtime(unitId), await sealTargetFor(ctx, unitId));
      return printVerification(ctx, result, result.publicKeySha256);
    }
    const dir = positionals[0];
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      ctx.err(`DIR: "${dir}" is not a folder (an evidence bundle from \`isms evidence export --format bundle\`)`);
      return 2;
    }
    const result = verifyBundle(dir);
    return printVerification(ctx, result, result.manifest?.publicKeySha256);
  },
};

export const commands: CliCommand[] = [evidenceVerify];
