// Sealed evidence, the pure rules: which items are sealed, record hashes, digests, chain, windows, late records, verification.
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/canonical-json';
import {
  buildDigest,
  CHAIN_EPOCH,
  type Digest,
  digestBytes,
  type DigestFile,
  keyId,
  MUTABLE_ITEM_TYPES,
  nextWindow,
  queryFrom,
  recordHash,
  recordLine,
  SEAL_LOOKBACK_MS,
  SEALED_RECORD_TYPES,
  sealedRecordType,
  sealingAttributes,
  selectRecords,
  sha256Hex,
  verifyEvidence,
  windowEndAt,
} from '../../core/evidence-seal';
import { keys } from '../../core/keys';
import { schemaKeys } from '../../core/schema-version';

const HOUR = 3600;
const item = (sk: string, writtenAt?: string, extra: object = {}) => ({
  pk: 'REVIEW#u#2026-Q4',
  sk,
  ...(writtenAt ? { writtenAt } : {}),
  ...extra,
});

describe('which items are sealed', () => {
  it('every key core/keys.ts builds is either sealed (written once) or mutable (state that changes), never both, never neither', () => {
    const built = [
      keys.review('r'),
      keys.reviewInputs('r', '2026-12-01T00:00:00.000Z'),
      keys.reviewPack('r'),
      keys.reviewMinutes('r'),
      keys.request('q'),
      keys.action('a'),
      keys.link('d'),
      keys.decision('REVIEW#r', 'd'),
      keys.event('REVIEW#r', '2026-12-01T00:00:00.000Z', 'e'),
      keys.sent('REVIEW#r', 'minutes', 'A@example.com'),
      keys.undeliverable('REQUEST#q', 'd'),
      keys.policy('p'),
      keys.policyDocument('p'),
      keys.policyDocumentHtml('p'),
      keys.objectiveProgress('o', '2026-12-01T00:00:00.000Z'),
      schemaKeys.version,
      schemaKeys.lock,
    ];
    const mutable = (sk: string) => MUTABLE_ITEM_TYPES.some((t) => (t.exact ? sk === t.sk : sk.startsWith(t.sk)));
    for (const k of built) expect({ sk: k.sk, sealed: Boolean(sealedRecordType(k.sk)) }).toEqual({ sk: k.sk, sealed: !mutable(k.sk) });
    expect(SEALED_RECORD_TYPES.map((t) => t.type)).toEqual([
      'audit event',
      'decision',
      'review inputs',
      'review pack',
      'review minutes',
      'email sent mark',
      'undeliverable mark',
      'policy document',
      'policy document as rendered',
      'objective progress',
    ]);
    expect(built.filter((k) => sealedRecordType(k.sk)).length).toBe(10);
  });

  it('the write path stamps only sealed items with writtenAt and the sealing partition', () => {
    const at = new Date('2026-12-01T10:00:00.123Z');
    expect(sealingAttributes(keys.event('REVIEW#r', 'x', 'e'), 'u', at)).toEqual({
      writtenAt: '2026-12-01T10:00:00.123Z',
      sealPk: 'SEAL#u',
    });
    expect(sealingAttributes(keys.review('r'), 'u', at)).toBeUndefined();
    expect(sealingAttributes(keys.action('a'), 'u', at)).toBeUndefined();
  });
});

describe('record hash', () => {
  it('is the SHA-256 of the canonical JSON of every attribute as stored; any change of any attribute changes it', () => {
    const r = item('EVENT#1', '2026-12-01T10:00:00.000Z', { detail: { b: 1, a: [1, 2] } });
    expect(recordLine(r)).toBe(canonicalJson(r));
    expect(recordHash(r)).toBe(sha256Hex(canonicalJson(r)));
    expect(recordHash({ ...r, detail: { a: [1, 2], b: 1 } })).toBe(recordHash(r));
    expect(recordHash({ ...r, detail: { b: 1, a: [2, 1] } })).not.toBe(recordHash(r));
    expect(recordHash({ ...r, writtenAt: '2026-12-01T10:00:00.001Z' })).not.toBe(recordHash(r));
  });

  it('writes DynamoDB sets as sorted arrays and binary as base64, so every stored item has one form', () => {
    expect(recordLine({ pk: 'p', sk: 's', set: new Set(['b', 'a']), bin: new Uint8Array([1, 2]) })).toBe(
      '{"bin":"AQI=","pk":"p","set":["a","b"],"sk":"s"}',
    );
  });
});

describe('windows', () => {
  it('end on multiples of the interval; the next window starts where the last ended and is due only once it is over', () => {
    expect(windowEndAt(new Date('2026-12-01T10:59:59.999Z'), HOUR)).toBe('2026-12-01T10:00:00.000Z');
    expect(nextWindow({ end: '2026-12-01T10:00:00.000Z' }, HOUR, new Date('2026-12-01T10:59:59.999Z'))).toBeUndefined();
    expect(nextWindow({ end: '2026-12-01T10:00:00.000Z' }, HOUR, new Date('2026-12-01T11:00:00.000Z'))).toEqual({
      start: '2026-12-01T10:00:00.000Z',
      end: '2026-12-01T11:00:00.000Z',
    });
    // A changed interval realigns at the next boundary: still no gap.
    expect(nextWindow({ end: '2026-12-01T10:00:00.000Z' }, 7 * HOUR, new Date('2026-12-02T00:00:00.000Z'))?.start).toBe(
      '2026-12-01T10:00:00.000Z',
    );
  });

  it('query from the window start less the lookback (20 minutes: a Lambda writer lives at most 15)', () => {
    expect(SEAL_LOOKBACK_MS).toBe(20 * 60_000);
    expect(queryFrom({ start: '2026-12-01T10:00:00.000Z' })).toBe('2026-12-01T09:40:00.000Z');
  });
});

describe('records of a digest, late records', () => {
  it('the chain start takes everything already there (with or without writtenAt) written before its end, nothing mutable', () => {
    const items = [
      item('EVENT#old'),
      item('DECISION#d', '2026-12-01T09:59:00.000Z'),
      item('REVIEW'),
      item('EVENT#new', '2026-12-01T10:00:00.000Z'),
    ];
    const records = selectRecords(items, { end: '2026-12-01T10:00:00.000Z' }, new Set());
    expect(records.map((r) => r.key.sk)).toEqual(['DECISION#d', 'EVENT#old']);
  });

  it('a record that commits after its window was sealed lands in the next digest once, never twice, never dropped', () => {
    // Window 1 [10:00, 11:00) was sealed at 11:00:05; a slow Lambda stamped a record at 10:59:30 and committed it at 11:03.
    const sealedFirst = selectRecords([item('EVENT#a', '2026-12-01T10:10:00.000Z')], { end: '2026-12-01T11:00:00.000Z' }, new Set());
    const late = item('EVENT#late', '2026-12-01T10:59:30.000Z');
    const window2 = nextWindow({ end: '2026-12-01T11:00:00.000Z' }, HOUR, new Date('2026-12-01T12:00:05.000Z'))!;
    // The sealing index query of window 2 reaches back by the lookback, so it sees the late record and the sealed one again.
    const queried = [item('EVENT#a', '2026-12-01T10:10:00.000Z'), late, item('EVENT#b', '2026-12-01T11:30:00.000Z')].filter(
      (i) => i.writtenAt! >= queryFrom(window2),
    );
    expect(queried.map((i) => i.sk)).toEqual(['EVENT#late', 'EVENT#b']);
    const already = new Set(sealedFirst.map((r) => keyId(r.key)));
    const second = selectRecords([item('EVENT#a', '2026-12-01T10:10:00.000Z'), ...queried], window2, already);
    expect(second.map((r) => r.key.sk)).toEqual(['EVENT#b', 'EVENT#late']);
    // Window 3 sees the late record again in its lookback only if it lies within 20 minutes of 12:00: here not; and were it, the
    // exclusion set of window 2's keys leaves it out.
    const third = selectRecords([late], { end: '2026-12-01T13:00:00.000Z' }, new Set(second.map((r) => keyId(r.key))));
    expect(third).toEqual([]);
  });

  it('a record stamped in the future (its writer clock ahead) waits for the window its stamp falls in', () => {
    expect(selectRecords([item('EVENT#x', '2026-12-01T11:00:00.000Z')], { end: '2026-12-01T11:00:00.000Z' }, new Set())).toEqual([]);
  });
});

describe('digests, chain and verification', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const sig = (bytes: string) => sign('sha256', Buffer.from(bytes), privateKey);
  const r1 = item('EVENT#1', '2026-12-01T09:00:00.000Z');
  const r2 = item('EVENT#2', '2026-12-01T10:30:00.000Z');

  /** A chain of three: the chain start with r1, a window with r2, an empty window. */
  function chain() {
    const d1 = buildDigest({
      unit: 'u',
      sequence: 1,
      start: CHAIN_EPOCH,
      end: '2026-12-01T10:00:00.000Z',
      previous: null,
      records: selectRecords([r1], { end: '2026-12-01T10:00:00.000Z' }, new Set()),
    });
    const j1 = digestBytes(d1);
    const s1 = sig(j1);
    const d2 = buildDigest({
      unit: 'u',
      sequence: 2,
      start: d1.end,
      end: '2026-12-01T11:00:00.000Z',
      previous: { bytes: j1, signature: s1 },
      records: selectRecords([r2], { end: '2026-12-01T11:00:00.000Z' }, new Set()),
    });
    const j2 = digestBytes(d2);
    const s2 = sig(j2);
    const d3 = buildDigest({
      unit: 'u',
      sequence: 3,
      start: d2.end,
      end: '2026-12-01T12:00:00.000Z',
      previous: { bytes: j2, signature: s2 },
      records: [],
    });
    const j3 = digestBytes(d3);
    const files: DigestFile[] = [
      { sequence: 1, json: j1, signature: s1 },
      { sequence: 2, json: j2, signature: s2 },
      { sequence: 3, json: j3, signature: sig(j3) },
    ];
    return { files, digests: [d1, d2, d3] };
  }
  const verify = (files: DigestFile[], lines = [recordLine(r1), recordLine(r2)], anchor = false) =>
    verifyEvidence({ unit: 'u', digests: files, publicKeyPem: pem, recordLines: lines, anchor });
  const problems = (res: ReturnType<typeof verify>) => res.findings.map((f) => `${f.sequence ?? '-'} ${f.problem}`);

  it('the digest file is exactly { unit, sequence, chainStart, start, end, previous, records } in canonical JSON', () => {
    const { digests } = chain();
    const d: Digest = digests[1];
    expect(Object.keys(JSON.parse(digestBytes(d))).sort()).toEqual([
      'chainStart',
      'end',
      'previous',
      'records',
      'sequence',
      'start',
      'unit',
    ]);
    expect(digests[0]).toMatchObject({ chainStart: true, previous: null, start: CHAIN_EPOCH });
    expect(d).toMatchObject({ chainStart: false, previous: { sha256: sha256Hex(digestBytes(digests[0])) } });
    expect(digests[2].records).toEqual([]);
  });

  it('a whole chain verifies; each kind of tampering is named', () => {
    const { files } = chain();
    expect(verify(files)).toMatchObject({ ok: true, findings: [] });
    expect(problems(verify(files, [recordLine({ ...r1, actor: 'mallory' }), recordLine(r2)]))).toEqual(['1 record changed']);
    expect(problems(verify(files, [recordLine(r2)]))).toEqual(['1 record missing']);
    expect(problems(verify(files, [recordLine(r1), recordLine(r2), recordLine(item('EVENT#3'))]))).toEqual(['- record not sealed']);
    expect(problems(verify([files[0], files[2]]))).toEqual(['2 digest missing', '- record not sealed']);
    const edited = { ...files[1], json: files[1].json!.replace('"end":"2026-12-01T11', '"end":"2026-12-01T12') };
    expect(problems(verify([files[0], edited, files[2]]))).toEqual(['2 bad signature', '3 broken chain', '3 gap in time']);
    const swapped = [files[0], { ...files[1], signature: files[2].signature }, { ...files[2], signature: files[1].signature }];
    expect(problems(verify(swapped))).toEqual(['2 bad signature', '3 bad signature', '3 broken chain']);
  });

  it('a gap in time between signed digests is named even when every signature holds', () => {
    const { files, digests } = chain();
    const d3 = buildDigest({
      unit: 'u',
      sequence: 3,
      start: '2026-12-01T11:30:00.000Z',
      end: '2026-12-01T12:00:00.000Z',
      previous: { bytes: files[1].json!, signature: files[1].signature! },
      records: [],
    });
    const j3 = digestBytes(d3);
    expect(digests.length).toBe(3);
    expect(problems(verify([files[0], files[1], { sequence: 3, json: j3, signature: sig(j3) }]))).toEqual(['3 gap in time']);
  });

  it('with an anchor, the first digest only anchors the chain: its records are not expected', () => {
    const { files } = chain();
    expect(verify(files.slice(0), [recordLine(r2)], true).ok).toBe(true);
    // Without the digest before, a digest that does not start the chain is not anchored.
    expect(problems(verify(files.slice(1), [recordLine(r2)]))).toEqual(['2 broken chain']);
  });

  it('a record written again after it was sealed, and sealed again, is named, as is a line given twice', () => {
    const { files } = chain();
    // r1 (sealed in digest 1) put again with other content and a stamp in digest 3's window, and sealed there.
    const again = { ...r1, actor: 'mallory', writtenAt: '2026-12-01T11:30:00.000Z' };
    const d3 = buildDigest({
      unit: 'u',
      sequence: 3,
      start: '2026-12-01T11:00:00.000Z',
      end: '2026-12-01T12:00:00.000Z',
      previous: { bytes: files[1].json!, signature: files[1].signature! },
      records: selectRecords([again], { end: '2026-12-01T12:00:00.000Z' }, new Set()),
    });
    const j3 = digestBytes(d3);
    const resealed = [files[0], files[1], { sequence: 3, json: j3, signature: sig(j3) }];
    expect(problems(verify(resealed, [recordLine(again), recordLine(r2)]))).toEqual(['3 record sealed twice', '1 record changed']);
    expect(problems(verify(files, [recordLine(r1), recordLine(r2), recordLine(r2)]))).toEqual(['- record line repeated']);
  });

  it('a record not sealed yet is excused only with a real stamp since the last lookback and not in the future', () => {
    const { files } = chain();
    const live = (extra: Record<string, unknown>) =>
      verifyEvidence({
        unit: 'u',
        digests: files,
        publicKeyPem: pem,
        recordLines: [recordLine(r1), recordLine(r2), recordLine(item('EVENT#9', undefined, extra))],
        anchor: false,
        sealedBefore: '2026-12-01T11:40:00.000Z',
        notAfter: '2026-12-01T12:15:00.000Z',
      });
    expect(live({ writtenAt: '2026-12-01T12:05:00.000Z' }).ok).toBe(true); // on its way into the next digest
    expect(live({ writtenAt: '9999-01-01T00:00:00.000Z' }).findings).toEqual([
      expect.objectContaining({ problem: 'record not sealed', detail: expect.stringContaining('is in the future') }),
    ]);
    expect(live({ writtenAt: 'zzz' }).findings).toEqual([
      expect.objectContaining({ problem: 'record not sealed', detail: expect.stringContaining('is not a time') }),
    ]);
    expect(live({ writtenAt: '2026-12-01T11:00:00.000Z' }).findings.map((f) => f.problem)).toEqual(['record not sealed']);
  });
});
