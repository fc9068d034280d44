// Sealed evidence: sealing time per 1 000 records on the local runtime, list-price cost per unit-year at hourly sealing,
// and the time to verify 10 000 records. Run: npm run bench -- seal   (about 30 s)
import { generateKeyPairSync, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { businessUnitSchema } from '../core/config';
import { buildDigest, CHAIN_EPOCH, type DigestFile, digestBytes, recordLine, selectRecords, verifyEvidence } from '../core/evidence-seal';
import { recordEvent } from '../lambdas/shared/audit';
import { startLocalRuntime } from '../local/runtime';
import { testUnit } from '../tests/support/units';

const ROUNDS = 3;
const RECORDS = 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sealingTime(): Promise<{ msPer1000: number; requestsPerRun: string }> {
  const unit = businessUnitSchema.parse(testUnit());
  const lr = await startLocalRuntime({
    units: [unit],
    ports: { dynamodb: 0, ses: 0, stepFunctions: 0, decisions: 0 },
    sealIntervalSeconds: 1,
    sealTimer: false,
  });
  try {
    const rt = lr.units[0].runtime;
    await lr.seal(unit.id); // the chain start, on an empty table
    // The window of the chain start ends at a whole second: what the runtime wrote at start within that second (its schema
    // migration record) falls in the next window. Seal it now, so that each round's digest holds the round's records only.
    await pause(1100);
    await lr.seal(unit.id);
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < RECORDS; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            recordEvent(rt, {
              type: 'bench.record',
              subjectPk: `BENCH#${round}`,
              actor: 'system',
              detail: { n: i + j, text: 'x'.repeat(200) },
            }),
          ),
        );
      }
      await pause(1100);
      const started = performance.now();
      const result = await lr.seal(unit.id);
      times.push(performance.now() - started);
      const sealed = result.sealed.reduce((n, d) => n + d.records, 0);
      if (sealed !== RECORDS) throw new Error(`round ${round}: sealed ${sealed} records, expected ${RECORDS}`);
    }
    return { msPer1000: median(times), requestsPerRun: '' };
  } finally {
    await lr.close();
  }
}

function verifyTime(): number {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const lines: string[] = [];
  const files: DigestFile[] = [];
  let previous: { bytes: string; signature: Uint8Array } | null = null;
  for (let d = 0; d < 10; d++) {
    const end = new Date(Date.UTC(2026, 11, 1, d + 1)).toISOString();
    const items = Array.from({ length: 1000 }, (_, i) => ({
      pk: `REVIEW#bench#${d}`,
      sk: `EVENT#${end}#${i}`,
      kind: 'event',
      type: 'bench.record',
      at: end,
      writtenAt: new Date(Date.parse(end) - 1000).toISOString(),
      detail: { n: i, text: 'x'.repeat(200) },
    }));
    lines.push(...items.map(recordLine));
    const digest = buildDigest({
      unit: 'bench',
      sequence: d + 1,
      start: d === 0 ? CHAIN_EPOCH : new Date(Date.UTC(2026, 11, 1, d)).toISOString(),
      end,
      previous,
      records: selectRecords(items, { end }, new Set()),
    });
    const json = digestBytes(digest);
    const signature = sign('sha256', Buffer.from(json), privateKey);
    files.push({ sequence: d + 1, json, signature });
    previous = { bytes: json, signature };
  }
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const result = verifyEvidence({ unit: 'bench', digests: files, publicKeyPem: pem, recordLines: lines, anchor: false });
    times.push(performance.now() - started);
    if (!result.ok) throw new Error('the bench chain does not verify');
  }
  return median(times);
}

/** List prices, us-east-1, checked 2026-12-01 (aws.amazon.com/{kms,s3,lambda,cloudwatch,dynamodb}/pricing). */
const PRICE = {
  kmsKeyMonth: 1.0,
  kmsAsymmetricPer10k: 0.15,
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  s3ListPer1000: 0.005,
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerMillion: 0.2,
  cloudwatchMetricMonth: 0.3,
  cloudwatchAlarmMonth: 0.1,
  dynamoReadPerMillion: 0.125,
};

function costPerUnitYear(runSeconds: number) {
  const runs = 365 * 24;
  // Per run: 2 puts (digest, signature), 2 reads before them, 2 reads of the last digest and 2 of one lookback digest;
  // about 2·log2(n) lists to find the last sequence (n grows to 8 760 in a year: ~26 lists at its end, ~20 on average).
  const perRun = { sign: 1, put: 2, get: 6, list: 20, readUnits: 2 };
  const lines = {
    'KMS key (USD 1 a month)': 12 * PRICE.kmsKeyMonth,
    'KMS Sign': ((runs * perRun.sign) / 10_000) * PRICE.kmsAsymmetricPer10k,
    'S3 PUT': ((runs * perRun.put) / 1000) * PRICE.s3PutPer1000,
    'S3 GET': ((runs * perRun.get) / 1000) * PRICE.s3GetPer1000,
    'S3 LIST': ((runs * perRun.list) / 1000) * PRICE.s3ListPer1000,
    'Lambda (512 MB, measured run time)': runs * runSeconds * 0.5 * PRICE.lambdaArmGbSecond + (runs / 1e6) * PRICE.lambdaPerMillion,
    'DynamoDB index query': ((runs * perRun.readUnits) / 1e6) * PRICE.dynamoReadPerMillion,
    'CloudWatch lag metric + alarm': 12 * (PRICE.cloudwatchMetricMonth + PRICE.cloudwatchAlarmMonth),
  };
  return { lines, total: Object.values(lines).reduce((a, b) => a + b, 0) };
}

const seal = await sealingTime();
const verify = verifyTime();
const cost = costPerUnitYear(seal.msPer1000 / 1000);
console.log(
  `sealing ${RECORDS} records in one window, local runtime (query, hash, digest, sign, 2 puts): ${Math.round(seal.msPer1000)} ms (median of ${ROUNDS})`,
);
console.log(
  `verify 10 000 records in 10 signed digests (hash each line, check 10 signatures and the chain): ${Math.round(verify)} ms (median of ${ROUNDS})`,
);
console.log('list price per unit-year at hourly sealing (8 760 digests):');
for (const [what, usd] of Object.entries(cost.lines)) console.log(`  ${what.padEnd(38)} USD ${usd.toFixed(2)}`);
console.log(
  `  ${'total'.padEnd(38)} USD ${cost.total.toFixed(2)}   (without the fixed key, metric and alarm: USD ${(cost.total - cost.lines['KMS key (USD 1 a month)'] - cost.lines['CloudWatch lag metric + alarm']).toFixed(2)})`,
);
