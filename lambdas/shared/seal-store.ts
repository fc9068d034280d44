// The sealer's adapters and its run (docs/evidence-sealing.md): find the last digest in the bucket, query the records written
// since, write the next digest and its signature, once per window. The bucket is the only state: the sealer never writes
// the evidence table, so what is sealed is what the digests say.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import {
  buildDigest,
  type Digest,
  digestBytes,
  digestName,
  digestsToExclude,
  keyId,
  nextWindow,
  parseDigest,
  queryFrom,
  SEAL_INDEX,
  sealPartition,
  selectRecords,
  windowEndAt,
  CHAIN_EPOCH,
} from '../../core/evidence-seal';
import { traced } from './observability';
import { clientConfig, type Runtime } from './runtime';
import { queryAll } from './store';

/** The environment the sealer gets beside the usual one (core/functions.ts), on AWS and locally. */
export interface SealEnv {
  SEAL_BUCKET?: string;
  SEAL_KEY_ID?: string;
  SEAL_INTERVAL_SECONDS?: string;
  AWS_ENDPOINT_URL_S3?: string;
  AWS_ENDPOINT_URL_KMS?: string;
}

export interface SealTarget {
  bucket: string;
  keyId: string;
  s3: S3Client;
  kms: KMSClient;
  /**
   * What a warm sealer remembers between runs: signed digests (immutable once signed) and the last sequence, so that a
   * run reads and lists only what is new (locally every 10 s, the lookback spans 120 digests).
   */
  memory?: { digests: Map<number, StoredDigest>; latest?: number };
}

/** S3 and KMS clients for the seal bucket and key: AWS in the unit's region, or the local endpoints (path-style for s3rver). */
export function sealClients(env: SealEnv & { AWS_REGION?: string }): { s3: S3Client; kms: KMSClient } {
  return {
    s3: traced(new S3Client({ ...clientConfig(env, env.AWS_ENDPOINT_URL_S3), forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) })),
    kms: traced(new KMSClient(clientConfig(env, env.AWS_ENDPOINT_URL_KMS))),
  };
}

/** The sealer's bucket, key and interval from its environment, with a memory that lives as long as the warm function. */
export function sealTargetFrom(rt: Runtime): SealTarget & { intervalSeconds: number } {
  const env = rt.env;
  if (!env.SEAL_BUCKET || !env.SEAL_KEY_ID) throw new Error('SEAL_BUCKET and SEAL_KEY_ID must be set in the sealer environment');
  const intervalSeconds = Number(env.SEAL_INTERVAL_SECONDS ?? 3600);
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1)
    throw new Error(`SEAL_INTERVAL_SECONDS: "${env.SEAL_INTERVAL_SECONDS}" is not whole seconds`);
  return { bucket: env.SEAL_BUCKET, keyId: env.SEAL_KEY_ID, intervalSeconds, ...sealClients(env), memory: { digests: new Map() } };
}

export const digestKey = (sequence: number, ext: 'json' | 'sig') => `digests/${digestName(sequence)}.${ext}`;

const isMissing = (err: unknown) => ['NoSuchKey', 'NotFound'].includes((err as Error)?.name);

async function getBytes(t: SealTarget, key: string): Promise<Uint8Array | undefined> {
  try {
    const out = await t.s3.send(new GetObjectCommand({ Bucket: t.bucket, Key: key }));
    return await out.Body!.transformToByteArray();
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

async function exists(t: SealTarget, sequence: number): Promise<boolean> {
  const key = digestKey(sequence, 'json');
  const out = await t.s3.send(new ListObjectsV2Command({ Bucket: t.bucket, Prefix: key, MaxKeys: 1 }));
  return (out.Contents ?? []).some((o) => o.Key === key);
}

/** The highest sequence with a digest file, 0 for none: sequences have no holes, so a doubling then halving search finds it. */
export async function latestSequence(t: SealTarget): Promise<number> {
  // The one this process wrote last, if nothing came after it (another run could have sealed meanwhile): two lists.
  const known = t.memory?.latest;
  if (known && (await exists(t, known)) && !(await exists(t, known + 1))) return known;
  if (!(await exists(t, 1))) return 0;
  let low = 1;
  let high = 2;
  while (await exists(t, high)) {
    low = high;
    high *= 2;
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await exists(t, mid)) low = mid;
    else high = mid;
  }
  return low;
}

export interface StoredDigest {
  sequence: number;
  json: string;
  digest: Digest;
  signature?: Uint8Array;
}

export async function readDigest(t: SealTarget, sequence: number): Promise<StoredDigest | undefined> {
  const remembered = t.memory?.digests.get(sequence);
  if (remembered) return remembered;
  const bytes = await getBytes(t, digestKey(sequence, 'json'));
  if (!bytes) return undefined;
  const json = Buffer.from(bytes).toString('utf8');
  const digest = parseDigest(json);
  if (typeof digest === 'string')
    throw new Error(`${digestKey(sequence, 'json')} in ${t.bucket} ${digest}: sealing stops until someone looks`);
  return remember(t, { sequence, json, digest, signature: await getBytes(t, digestKey(sequence, 'sig')) });
}

/** Keeps a signed digest (the bytes in the bucket cannot change under object lock) and the highest sequence seen. */
function remember(t: SealTarget, d: StoredDigest): StoredDigest {
  if (!t.memory || !d.signature) return d;
  t.memory.digests.set(d.sequence, d);
  t.memory.latest = Math.max(t.memory.latest ?? 0, d.sequence);
  // A warm sealer needs the lookback's digests only: keep the newest few hundred.
  for (const k of t.memory.digests.keys()) if (t.memory.digests.size > MAX_WINDOWS_PER_RUN + 200) t.memory.digests.delete(k);
  return d;
}

/**
 * Writes the object unless the key has one (S3 conditional write): object lock keeps whatever is there, and a second,
 * different digest under the same sequence must never exist. Answers whether the object there now is `body`.
 */
async function putOnceS3(t: SealTarget, key: string, body: Uint8Array, contentType: string): Promise<boolean> {
  // A read first, for S3 stand-ins that ignore If-None-Match (s3rver); on S3 the condition settles a race between two runs.
  const before = await getBytes(t, key);
  if (before) return Buffer.compare(Buffer.from(before), Buffer.from(body)) === 0;
  try {
    await t.s3.send(new PutObjectCommand({ Bucket: t.bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: '*' }));
    return true;
  } catch (err) {
    const name = (err as Error)?.name;
    if (name !== 'PreconditionFailed' && name !== 'ConditionalRequestConflict') throw err;
    const there = await getBytes(t, key);
    return Boolean(there && Buffer.compare(Buffer.from(there), Buffer.from(body)) === 0);
  }
}

/** KMS Sign over the SHA-256 of the bytes (MessageType DIGEST: a digest file may exceed Sign's 4 KB raw message): DER ECDSA. */
export async function signBytes(t: SealTarget, bytes: string): Promise<Uint8Array> {
  const out = await t.kms.send(
    new SignCommand({
      KeyId: t.keyId,
      Message: createHash('sha256').update(bytes, 'utf8').digest(),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    }),
  );
  if (!out.Signature) throw new Error(`KMS Sign with ${t.keyId} answered without a signature`);
  return out.Signature;
}

/** The key's public half as PEM (KMS GetPublicKey answers SPKI DER). */
export async function publicKeyPem(t: Pick<SealTarget, 'kms' | 'keyId'>): Promise<string> {
  const out = await t.kms.send(new GetPublicKeyCommand({ KeyId: t.keyId }));
  if (!out.PublicKey) throw new Error(`KMS GetPublicKey of ${t.keyId} answered without a key`);
  const b64 = Buffer.from(out.PublicKey).toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/** Every item of the table (the chain-start digest: records from before the sealing index have no writtenAt). */
export async function scanAllItems(rt: Runtime): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await rt.ddb.send(new ScanCommand({ TableName: rt.tableName, ConsistentRead: true, ExclusiveStartKey }));
    items.push(...((out.Items ?? []) as Record<string, unknown>[]));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** The unit's sealed records written in [from, to] by the writers' clocks (the sealing index; the end is filtered later). */
export function recordsWrittenBetween(rt: Runtime, from: string, to: string): Promise<Record<string, unknown>[]> {
  return queryAll(rt, {
    IndexName: SEAL_INDEX.indexName,
    KeyConditionExpression: '#p = :p AND #w BETWEEN :from AND :to',
    ExpressionAttributeNames: { '#p': SEAL_INDEX.partitionKey, '#w': SEAL_INDEX.sortKey },
    ExpressionAttributeValues: { ':p': sealPartition(rt.config.id), ':from': from, ':to': to },
  });
}

export interface SealResult {
  /** Digests written by this run (sequence and record count). */
  sealed: Array<{ sequence: number; start: string; end: string; records: number }>;
  /** The end of the last sealed window after this run, if any. */
  sealedUntil?: string;
  /** More windows are due than one run seals; the next run carries on. */
  behind: boolean;
}

/** At most this many windows per run, so that a catch-up after an outage ends well inside the function's timeout. */
export const MAX_WINDOWS_PER_RUN = 200;

async function writeDigest(t: SealTarget, digest: Digest): Promise<StoredDigest> {
  const json = digestBytes(digest);
  if (!(await putOnceS3(t, digestKey(digest.sequence, 'json'), Buffer.from(json, 'utf8'), 'application/json'))) {
    throw new Error(
      `Digest ${digest.sequence} is in ${t.bucket} already with other content (another sealer run?); this run stops, the next one resumes from it`,
    );
  }
  return finishSignature(t, { sequence: digest.sequence, json, digest });
}

/** Signs a digest whose .sig is not there yet (a run that died between the two puts), keeping a .sig that is. */
async function finishSignature(t: SealTarget, stored: StoredDigest): Promise<StoredDigest> {
  if (stored.signature) return remember(t, stored);
  const signature = await signBytes(t, stored.json);
  if (!(await putOnceS3(t, digestKey(stored.sequence, 'sig'), signature, 'application/octet-stream'))) {
    // Another run signed it first: its signature is the one that counts (ECDSA signatures differ per signing).
    return remember(t, { ...stored, signature: await getBytes(t, digestKey(stored.sequence, 'sig')) });
  }
  return remember(t, { ...stored, signature });
}

/**
 * An item no digest can hold (canonical JSON refuses it: a number beyond 2^53) is logged as an ERROR (the unit's error
 * alarm counts it) and left out; the sealer goes on with the rest. `isms evidence verify --bu` names it as not sealed.
 */
const unsealable = (rt: Runtime) => (key: { pk: string; sk: string }, problem: string) =>
  rt.logger.error('record cannot be sealed: it is left out of the digest', { pk: key.pk, sk: key.sk, problem });

/**
 * Seals every window that is due at `now`: the chain start first if the bucket is empty (a scan of the table), then one
 * digest per interval, each with the records written in its window and the late ones of its lookback that no digest has.
 */
export async function sealDue(rt: Runtime, t: SealTarget, intervalSeconds: number, now: Date): Promise<SealResult> {
  const sealed: SealResult['sealed'] = [];
  let lastSeq = await latestSequence(t);
  let last: StoredDigest;
  if (lastSeq === 0) {
    const end = windowEndAt(now, intervalSeconds);
    const records = selectRecords(await scanAllItems(rt), { end }, new Set(), unsealable(rt));
    const digest = buildDigest({ unit: rt.config.id, sequence: 1, start: CHAIN_EPOCH, end, previous: null, records });
    last = await writeDigest(t, digest);
    sealed.push({ sequence: 1, start: digest.start, end, records: records.length });
    lastSeq = 1;
  } else {
    last = await finishSignature(t, (await readDigest(t, lastSeq))!);
    // A re-attached stack names its bucket in the config (sealBucketName): never continue another unit's chain with this
    // unit's records.
    if (last.digest.unit !== rt.config.id)
      throw new Error(
        `Digest ${lastSeq} in ${t.bucket} is of unit ${last.digest.unit}, not ${rt.config.id}: this is another unit's chain (check sealBucketName); sealing stops until someone looks`,
      );
  }
  // The digests that may hold a late record of the next window's lookback, newest last.
  const recent: StoredDigest[] = [last];
  for (let n = 0; n < MAX_WINDOWS_PER_RUN; n++) {
    const window = nextWindow(last.digest, intervalSeconds, now);
    if (!window) return { sealed, sealedUntil: last.digest.end, behind: false };
    while (recent[0].sequence > 1 && digestsToExclude(recent[0].digest, window)) {
      const before = await readDigest(t, recent[0].sequence - 1);
      if (!before)
        throw new Error(
          `Digest ${recent[0].sequence - 1} is missing from ${t.bucket}: the chain is broken; sealing stops until someone looks`,
        );
      recent.unshift(before);
    }
    while (recent.length > 1 && !digestsToExclude(recent[0].digest, window)) recent.shift();
    const already = new Set(
      recent.filter((d) => digestsToExclude(d.digest, window)).flatMap((d) => d.digest.records.map((r) => keyId(r.key))),
    );
    const items = await recordsWrittenBetween(rt, queryFrom(window), window.end);
    const records = selectRecords(items, window, already, unsealable(rt));
    const digest = buildDigest({
      unit: rt.config.id,
      sequence: last.sequence + 1,
      start: window.start,
      end: window.end,
      previous: { bytes: last.json, signature: last.signature! },
      records,
    });
    last = await writeDigest(t, digest);
    recent.push(last);
    sealed.push({ sequence: digest.sequence, start: digest.start, end: digest.end, records: records.length });
  }
  return { sealed, sealedUntil: last.digest.end, behind: Boolean(nextWindow(last.digest, intervalSeconds, now)) };
}
