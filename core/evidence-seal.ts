// Sealed evidence, the pure part: which items are sealed, how a record is hashed, how digests are built, chained and
// windowed, and how a set of digests and records is checked. The format is docs/evidence-sealing.md; the sealer
// (lambdas/evidence-seal.ts), the CLI and the local runtime only move bytes to and from here.
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { CanonicalJsonError, canonicalJson } from './canonical-json';

/** The evidence table's index the sealer queries: one unit's sealed records by the time they were written. */
export const SEAL_INDEX = { indexName: 'sealing', partitionKey: 'sealPk', sortKey: 'writtenAt' } as const;
export const sealPartition = (unitId: string) => `SEAL#${unitId}`;

/**
 * Every kind of evidence item that is sealed, by its sort key (core/keys.ts): written once, never updated.
 * `exact`: the sort key is this; otherwise it starts with it.
 */
export const SEALED_RECORD_TYPES = [
  { type: 'audit event', sk: 'EVENT#', exact: false },
  { type: 'decision', sk: 'DECISION#', exact: false },
  { type: 'review inputs', sk: 'INPUTS#', exact: false },
  { type: 'review pack', sk: 'PACK', exact: true },
  { type: 'review minutes', sk: 'MINUTES', exact: true },
  { type: 'email sent mark', sk: 'SENT#', exact: false },
  { type: 'undeliverable mark', sk: 'UNDELIVERABLE#', exact: false },
  { type: 'policy document', sk: 'DOCUMENT', exact: true },
  { type: 'policy document as rendered', sk: 'DOCUMENT#HTML', exact: true },
  { type: 'objective progress', sk: 'PROGRESS#', exact: false },
] as const;

/** Items whose state changes (each change is also an audit event, which is sealed): never sealed. */
export const MUTABLE_ITEM_TYPES = [
  { type: 'review', sk: 'REVIEW', exact: true },
  { type: 'resource request', sk: 'REQUEST', exact: true },
  { type: 'action', sk: 'ACTION', exact: true },
  { type: 'policy submission', sk: 'POLICY', exact: true },
  // The data's schema version and the migration lock (core/schema-version.ts): operations state, not evidence.
  { type: 'schema version', sk: 'VERSION', exact: true },
  { type: 'migration lock', sk: 'LOCK', exact: true },
  // Links moved to the links table; old link items left in the evidence table get updated hashes, never evidence.
  { type: 'decision link (legacy)', sk: 'LINK', exact: true },
] as const;

const matches = (sk: string, t: { sk: string; exact: boolean }) => (t.exact ? sk === t.sk : sk.startsWith(t.sk));

/** The sealed record type of an item's sort key, or undefined for a mutable item (and for a sort key nobody writes). */
export function sealedRecordType(sk: string): string | undefined {
  return SEALED_RECORD_TYPES.find((t) => matches(sk, t))?.type;
}

export interface RecordKey {
  pk: string;
  sk: string;
}

/**
 * What the write path adds to an item that will be sealed: the time it was written (the writer's clock, ISO ms) and
 * the index partition, so that the sealer finds it by time. A mutable item gets neither and stays out of the index.
 */
export function sealingAttributes(item: RecordKey, unitId: string, writtenAt: Date): { writtenAt: string; sealPk: string } | undefined {
  if (!sealedRecordType(item.sk)) return undefined;
  return { writtenAt: writtenAt.toISOString(), sealPk: sealPartition(unitId) };
}

// ---------------------------------------------------------------- records

/**
 * The item as plain JSON, exactly as stored (all attributes, the index keys included). DynamoDB sets become arrays sorted
 * by their canonical form and binary values base64 strings; no item written today holds either (docs/evidence-sealing.md).
 */
export function plainRecord(value: unknown): unknown {
  if (value instanceof Set) {
    return [...value].map(plainRecord).sort((a, b) => {
      const x = canonicalJson(a);
      const y = canonicalJson(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(plainRecord);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, plainRecord(v)]));
  }
  return value;
}

/** The bytes that are hashed and exported: the record's RFC 8785 canonical JSON (one line: JCS escapes every line break). */
export const recordLine = (item: object): string => canonicalJson(plainRecord(item));
export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
export const recordHash = (item: object): string => sha256Hex(recordLine(item));
export const keyId = (key: RecordKey): string => `${key.pk}\u0000${key.sk}`;
export const showKey = (key: RecordKey): string => `${key.pk} / ${key.sk}`;

// ---------------------------------------------------------------- digests

export interface DigestRecord {
  key: RecordKey;
  sha256: string;
}

export interface Digest {
  unit: string;
  sequence: number;
  /** True only for the first digest: it has no previous and seals every record already in the table. */
  chainStart: boolean;
  /** The window [start, end) of writtenAt; the chain start's is from the epoch (it seals what was there before `end`). */
  start: string;
  end: string;
  previous: { sha256: string; signature: string } | null;
  records: DigestRecord[];
}

/** Where the chain-start digest begins: it covers everything written before its end. */
export const CHAIN_EPOCH = '1970-01-01T00:00:00.000Z';

/**
 * How long a write can commit after its `writtenAt`: the stamp is taken just before PutItem, and a Lambda writer lives at
 * most 15 minutes (its SDK retries included); 5 more minutes cover a CLI writer's retries and a clock a little behind.
 */
export const SEAL_LOOKBACK_MS = 20 * 60_000;

/** The digest file: its canonical JSON, the exact bytes that are hashed, signed and stored. */
export const digestBytes = (digest: Digest): string => canonicalJson(digest);

const compareKeys = (a: DigestRecord, b: DigestRecord) => {
  const x = keyId(a.key);
  const y = keyId(b.key);
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * The records a digest seals, sorted by key: the sealed items written before `end` whose keys no earlier digest sealed.
 * Items of the window's lookback that an earlier digest has are left out (a late record is sealed once, where it arrives).
 */
export function selectRecords(
  items: ReadonlyArray<Record<string, unknown>>,
  window: { end: string },
  alreadySealed: ReadonlySet<string>,
  /** An item canonical JSON cannot hold (a number beyond 2^53 read as a bigint): told here and left out, not halting the sealer. */
  unsealable?: (key: RecordKey, problem: string) => void,
): DigestRecord[] {
  const seen = new Set<string>();
  const records: DigestRecord[] = [];
  for (const item of items) {
    const key = { pk: String(item.pk), sk: String(item.sk) };
    if (!sealedRecordType(key.sk)) continue;
    // An item stamped at or after the end belongs to a later window (items from before stamping have no writtenAt).
    if (typeof item.writtenAt === 'string' && item.writtenAt >= window.end) continue;
    const id = keyId(key);
    if (alreadySealed.has(id) || seen.has(id)) continue;
    seen.add(id);
    let sha256: string;
    try {
      sha256 = recordHash(item);
    } catch (err) {
      if (!unsealable || !(err instanceof CanonicalJsonError)) throw err;
      unsealable(key, err.message);
      continue;
    }
    records.push({ key, sha256 });
  }
  return records.sort(compareKeys);
}

export function buildDigest(args: {
  unit: string;
  sequence: number;
  start: string;
  end: string;
  previous: { bytes: string; signature: Uint8Array } | null;
  records: DigestRecord[];
}): Digest {
  return {
    unit: args.unit,
    sequence: args.sequence,
    chainStart: args.previous === null,
    start: args.start,
    end: args.end,
    previous: args.previous
      ? { sha256: sha256Hex(args.previous.bytes), signature: Buffer.from(args.previous.signature).toString('base64') }
      : null,
    records: [...args.records].sort(compareKeys),
  };
}

/** Window ends are multiples of the interval since the epoch: the end of the last whole window at `now`. */
export function windowEndAt(now: Date, intervalSeconds: number): string {
  const ms = intervalSeconds * 1000;
  return new Date(Math.floor(now.getTime() / ms) * ms).toISOString();
}

/** The window after a digest: consecutive, no gap; due once its end has passed. */
export function nextWindow(previous: Pick<Digest, 'end'>, intervalSeconds: number, now: Date): { start: string; end: string } | undefined {
  const start = previous.end;
  // Aligned to the interval (a changed interval realigns at the next boundary instead of drifting).
  const ms = intervalSeconds * 1000;
  const startMs = Date.parse(start);
  const endMs = (Math.floor(startMs / ms) + 1) * ms;
  if (endMs > now.getTime()) return undefined;
  return { start, end: new Date(endMs).toISOString() };
}

/** Where the query of a window begins: its start less the lookback, so that late records are found. */
export const queryFrom = (window: { start: string }): string => new Date(Date.parse(window.start) - SEAL_LOOKBACK_MS).toISOString();

/** Digests whose records may hold a late record of this window's lookback: every one that ends after the query starts. */
export const digestsToExclude = (digest: Pick<Digest, 'end'>, window: { start: string }): boolean => digest.end > queryFrom(window);

/** The digest object key in the bucket (and the bundle): zero-padded, so that names sort by sequence. */
export const digestName = (sequence: number): string => String(sequence).padStart(10, '0');

// ---------------------------------------------------------------- verification

export interface DigestFile {
  sequence: number;
  /** The file's bytes as found, undefined when the .json is missing. */
  json?: string;
  /** The .sig's bytes, undefined when missing. */
  signature?: Uint8Array;
}

export interface Finding {
  /** The digest it is about (its sequence), or undefined for the bundle as a whole. */
  sequence?: number;
  problem:
    | 'record changed'
    | 'record missing'
    | 'record not sealed'
    | 'digest altered'
    | 'digest missing'
    | 'signature missing'
    | 'bad signature'
    | 'broken chain'
    | 'gap in time'
    | 'bad record line'
    | 'record sealed twice'
    | 'record line repeated';
  detail: string;
}

export interface VerifyResult {
  findings: Finding[];
  /** Per digest: its sequence, window and record count when it could be read. */
  digests: Array<{ sequence: number; start?: string; end?: string; records?: number; anchor: boolean }>;
  records: number;
  ok: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The digest parsed and checked for shape; a message when it is not a digest file of this format. */
export function parseDigest(json: string): Digest | string {
  let d: Digest;
  try {
    d = JSON.parse(json);
  } catch {
    return 'is not JSON';
  }
  const keys = d && typeof d === 'object' ? Object.keys(d).sort().join(',') : '';
  if (keys !== 'chainStart,end,previous,records,sequence,start,unit')
    return `has fields ${keys || 'none'}; expected unit, sequence, chainStart, start, end, previous, records`;
  if (!Number.isInteger(d.sequence) || d.sequence < 1) return 'has no whole sequence number';
  if (!ISO_MS.test(d.start) || !ISO_MS.test(d.end) || !(d.start < d.end)) return 'has no window start < end';
  if (d.chainStart !== (d.previous === null)) return 'says chainStart but has a previous digest (or neither)';
  if (d.previous && !(HEX64.test(d.previous.sha256) && typeof d.previous.signature === 'string')) return 'has a malformed previous';
  if (
    !Array.isArray(d.records) ||
    !d.records.every((r) => r?.key && typeof r.key.pk === 'string' && typeof r.key.sk === 'string' && HEX64.test(r.sha256))
  )
    return 'has malformed records';
  if (canonicalJson(d) !== json) return 'is not in canonical form';
  return d;
}

/**
 * Checks digests (consecutive sequences, windows without gap, chained, each signature) and, for the digests whose
 * records are given, every record against its seal. `anchor`: the first digest only anchors the chain (its records are
 * not given; a bundle carries the digest before its range for that). `sealedBefore`: records with a writtenAt at or
 * after it are not expected in the digests yet (the live table's newest records).
 */
export function verifyEvidence(args: {
  unit?: string;
  digests: DigestFile[];
  publicKeyPem: string;
  /** Each record as its line: the exact bytes (a bundle's records.jsonl), or lines made from the live items. */
  recordLines: string[];
  anchor: boolean;
  sealedBefore?: string;
  /** With sealedBefore: a writtenAt after this (the verifier's clock and a margin) is no record on its way, but a forged stamp. */
  notAfter?: string;
}): VerifyResult {
  const findings: Finding[] = [];
  const out: VerifyResult['digests'] = [];
  const key = createPublicKey(args.publicKeyPem);
  const files = [...args.digests].sort((a, b) => a.sequence - b.sequence);
  const sealed = new Map<string, { sha256: string; sequence: number; key: RecordKey }>();
  let previous: { file: DigestFile; digest?: Digest } | undefined;
  for (const [i, file] of files.entries()) {
    const anchor = args.anchor && i === 0;
    if (previous && file.sequence !== previous.file.sequence + 1) {
      for (let s = previous.file.sequence + 1; s < file.sequence; s++)
        findings.push({
          sequence: s,
          problem: 'digest missing',
          detail: `digest ${s} is not there (between ${previous.file.sequence} and ${file.sequence})`,
        });
    }
    if (file.json === undefined) {
      findings.push({ sequence: file.sequence, problem: 'digest missing', detail: `digest ${file.sequence}: its .json is not there` });
      out.push({ sequence: file.sequence, anchor });
      previous = { file };
      continue;
    }
    if (!file.signature)
      findings.push({ sequence: file.sequence, problem: 'signature missing', detail: `digest ${file.sequence}: its .sig is not there` });
    else if (!verifySignature('sha256', Buffer.from(file.json, 'utf8'), key, Buffer.from(file.signature)))
      findings.push({
        sequence: file.sequence,
        problem: 'bad signature',
        detail: `digest ${file.sequence}: the signature does not verify with the public key (digest altered, or signature swapped)`,
      });
    const parsed = parseDigest(file.json);
    if (typeof parsed === 'string') {
      findings.push({ sequence: file.sequence, problem: 'digest altered', detail: `digest ${file.sequence} ${parsed}` });
      out.push({ sequence: file.sequence, anchor });
      previous = { file };
      continue;
    }
    const d = parsed;
    if (d.sequence !== file.sequence)
      findings.push({
        sequence: file.sequence,
        problem: 'digest altered',
        detail: `digest file ${file.sequence} says sequence ${d.sequence}`,
      });
    if (args.unit && d.unit !== args.unit)
      findings.push({
        sequence: file.sequence,
        problem: 'digest altered',
        detail: `digest ${file.sequence} is of unit "${d.unit}", not "${args.unit}"`,
      });
    if (i === 0 && d.chainStart && d.start !== CHAIN_EPOCH)
      findings.push({
        sequence: d.sequence,
        problem: 'digest altered',
        detail: `chain start ${d.sequence} does not begin at ${CHAIN_EPOCH}`,
      });
    if (previous && previous.file.sequence === file.sequence - 1) {
      if (!d.previous) {
        findings.push({
          sequence: d.sequence,
          problem: 'broken chain',
          detail: `digest ${d.sequence} says it starts the chain, but digest ${previous.file.sequence} is before it`,
        });
      } else if (previous.file.json !== undefined) {
        const sha = sha256Hex(previous.file.json);
        if (d.previous.sha256 !== sha)
          findings.push({
            sequence: d.sequence,
            problem: 'broken chain',
            detail: `digest ${d.sequence} names a previous digest with SHA-256 ${d.previous.sha256}; digest ${previous.file.sequence} has ${sha}`,
          });
        if (previous.file.signature && d.previous.signature !== Buffer.from(previous.file.signature).toString('base64'))
          findings.push({
            sequence: d.sequence,
            problem: 'broken chain',
            detail: `digest ${d.sequence} names another signature of digest ${previous.file.sequence} than its .sig`,
          });
      }
      if (previous.digest && previous.digest.end !== d.start)
        findings.push({
          sequence: d.sequence,
          problem: 'gap in time',
          detail: `digest ${d.sequence} starts at ${d.start}, digest ${previous.digest.sequence} ended at ${previous.digest.end}`,
        });
    } else if (i === 0 && !anchor && !d.chainStart) {
      findings.push({
        sequence: d.sequence,
        problem: 'broken chain',
        detail: `digest ${d.sequence} is the first one but does not start the chain, and the digest before it is not there`,
      });
    }
    out.push({ sequence: d.sequence, start: d.start, end: d.end, records: d.records.length, anchor });
    if (!anchor)
      for (const r of d.records) {
        const id = keyId(r.key);
        const earlier = sealed.get(id);
        // Evidence is written once (putOnce): a key sealed again was written again after it was sealed. The first seal stays
        // the one records are checked against, so the rewritten line also shows as changed.
        if (earlier)
          findings.push({
            sequence: d.sequence,
            problem: 'record sealed twice',
            detail: `record ${showKey(r.key)} is sealed in digest ${earlier.sequence} and again in digest ${d.sequence}: it was written again after it was sealed`,
          });
        else sealed.set(id, { sha256: r.sha256, sequence: d.sequence, key: r.key });
      }
    previous = { file, digest: d };
  }

  const seenKeys = new Set<string>();
  for (const [n, line] of args.recordLines.entries()) {
    let item: Record<string, unknown>;
    try {
      item = JSON.parse(line);
    } catch {
      findings.push({ problem: 'bad record line', detail: `record line ${n + 1} is not JSON (changed)` });
      continue;
    }
    const k = { pk: String(item?.pk), sk: String(item?.sk) };
    const id = keyId(k);
    if (seenKeys.has(id))
      findings.push({ problem: 'record line repeated', detail: `record ${showKey(k)} is on more than one line (line ${n + 1})` });
    seenKeys.add(id);
    const seal = sealed.get(id);
    if (!seal) {
      // Not sealed yet: only a record stamped with a real time since the last digest's lookback and not in the future
      // (a stamp the sealer will never reach, or not a time at all, would hide a forged record for ever).
      const writtenAt = typeof item.writtenAt === 'string' && ISO_MS.test(item.writtenAt) ? item.writtenAt : undefined;
      if (args.sealedBefore && writtenAt && writtenAt >= args.sealedBefore && (!args.notAfter || writtenAt <= args.notAfter)) continue;
      findings.push({
        problem: 'record not sealed',
        detail: `record ${showKey(k)} (line ${n + 1}) is in no digest${
          args.sealedBefore && typeof item.writtenAt === 'string' && !writtenAt
            ? ` (its writtenAt ${JSON.stringify(item.writtenAt).slice(0, 40)} is not a time)`
            : ''
        }${writtenAt && args.notAfter && writtenAt > args.notAfter ? ` (its writtenAt ${writtenAt} is in the future)` : ''}`,
      });
      continue;
    }
    if (sha256Hex(line) !== seal.sha256)
      findings.push({
        sequence: seal.sequence,
        problem: 'record changed',
        detail: `record ${showKey(k)} differs from what digest ${seal.sequence} sealed`,
      });
  }
  for (const [id, seal] of sealed) {
    if (!seenKeys.has(id))
      findings.push({
        sequence: seal.sequence,
        problem: 'record missing',
        detail: `record ${showKey(seal.key)} sealed in digest ${seal.sequence} is not there`,
      });
  }
  return { findings, digests: out, records: args.recordLines.length, ok: findings.length === 0 };
}

// ---------------------------------------------------------------- names and environment

/** The unit's signing key's alias (on AWS and locally). */
export const sealKeyAlias = (unitId: string) => `alias/isms-${unitId}-evidence-seal`;
/** The local bucket's name (on AWS CloudFormation names the bucket: bucket names are global). */
export const localSealBucketName = (unitId: string) => `isms-${unitId}-evidence-seal`;

/** The seal interval of the unit's config, in seconds. */
export function sealIntervalSeconds(unit: { sealInterval?: string }): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(unit.sealInterval ?? '1h');
  if (!match) throw new Error(`sealInterval: "${unit.sealInterval}" is not a duration`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's']!;
}

/** What the sealer gets beside the catalogue's environment: the same keys on AWS (lib/evidence-seal.ts) and locally. */
export function sealEnvironment(args: {
  bucket: string;
  keyId: string;
  intervalSeconds: number;
  lagMetric: boolean;
}): Record<string, string> {
  return {
    SEAL_BUCKET: args.bucket,
    SEAL_KEY_ID: args.keyId,
    SEAL_INTERVAL_SECONDS: String(args.intervalSeconds),
    ...(args.lagMetric ? { SEAL_LAG_METRIC: 'on' } : {}),
  };
}
