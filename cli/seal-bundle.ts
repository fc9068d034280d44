// The sealed-evidence bundle: `isms evidence export --format bundle` writes it, `isms evidence verify DIR` checks it, and
// its VERIFY.md tells an auditor how to check it with openssl and sha256sum alone (docs/evidence-sealing.md).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CanonicalJsonError, canonicalJson } from '../core/canonical-json';
import {
  digestName,
  type DigestFile,
  queryFrom,
  recordLine,
  sealedRecordType,
  sha256Hex,
  type VerifyResult,
  verifyEvidence,
} from '../core/evidence-seal';
import type { Runtime } from '../lambdas/shared/runtime';
import { latestSequence, publicKeyPem, readDigest, type SealTarget, scanAllItems, type StoredDigest } from '../lambdas/shared/seal-store';

export interface BundleManifest {
  format: 'isms-leadership/sealed-evidence@1';
  unit: string;
  /** The range asked for, [from, to) as times. */
  from: string;
  to: string;
  /** The digests whose records are in records.jsonl. */
  firstSequence: number;
  lastSequence: number;
  /** The digest before the first, only to anchor the chain (its records are not in the bundle); null at the chain start. */
  anchorSequence: number | null;
  publicKeySha256: string;
  exportedAt: string;
}

const monthStart = (month: string) => `${month}-01T00:00:00.000Z`;
const monthAfter = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 1)).toISOString();
};

/** The first digest whose window ends after `from` (windows are consecutive, so a binary search over sequences finds it). */
async function firstCovering(t: SealTarget, latest: number, from: string): Promise<number | undefined> {
  let low = 1;
  let high = latest;
  let found: number | undefined;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const d = await readDigest(t, mid);
    if (!d) throw new Error(`digest ${mid} is missing from the bucket ${t.bucket}: run \`isms evidence verify --bu\``);
    if (d.digest.end > from) {
      found = mid;
      high = mid - 1;
    } else low = mid + 1;
  }
  return found;
}

export async function exportBundle(
  rt: Runtime,
  t: SealTarget,
  args: { fromMonth: string; toMonth: string; out: string; now: Date },
): Promise<{ manifest: BundleManifest; records: number; digests: number; sealedUntil: string }> {
  const from = monthStart(args.fromMonth);
  const to = monthAfter(args.toMonth);
  const latest = await latestSequence(t);
  if (latest === 0)
    throw new Error(`nothing of ${rt.config.id} is sealed yet (no digest in ${t.bucket}); the sealer runs every seal interval`);
  const first = await firstCovering(t, latest, from);
  if (first === undefined)
    throw new Error(`the digests of ${rt.config.id} end before ${args.fromMonth}: nothing of that range is sealed yet`);
  const covered: StoredDigest[] = [];
  for (let s = first; s <= latest; s++) {
    const d = (await readDigest(t, s))!;
    if (d.digest.start >= to) break;
    covered.push(d);
  }
  const anchor = first > 1 ? await readDigest(t, first - 1) : undefined;
  mkdirSync(path.join(args.out, 'digests'), { recursive: true });
  for (const d of [...(anchor ? [anchor] : []), ...covered]) {
    writeFileSync(path.join(args.out, 'digests', `${digestName(d.sequence)}.json`), d.json);
    if (d.signature) writeFileSync(path.join(args.out, 'digests', `${digestName(d.sequence)}.sig`), d.signature);
  }
  // Each sealed record as it is in the table now: a record changed since it was sealed is exported changed, and verify says so.
  const lines: string[] = [];
  for (const d of covered) {
    for (const r of d.digest.records) {
      const out = await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: r.key, ConsistentRead: true }));
      if (out.Item) lines.push(recordLine(out.Item));
    }
  }
  writeFileSync(path.join(args.out, 'records.jsonl'), lines.map((l) => `${l}\n`).join(''));
  const pem = await publicKeyPem(t);
  writeFileSync(path.join(args.out, 'public-key.pem'), pem);
  const fingerprint = sha256Hex(pem);
  writeFileSync(path.join(args.out, 'public-key.pem.sha256'), `${fingerprint}  public-key.pem\n`);
  const manifest: BundleManifest = {
    format: 'isms-leadership/sealed-evidence@1',
    unit: rt.config.id,
    from,
    to,
    firstSequence: covered[0].sequence,
    lastSequence: covered[covered.length - 1].sequence,
    anchorSequence: anchor ? anchor.sequence : null,
    publicKeySha256: fingerprint,
    exportedAt: args.now.toISOString(),
  };
  writeFileSync(path.join(args.out, 'bundle.json'), `${canonicalJson(manifest)}\n`);
  writeFileSync(path.join(args.out, 'VERIFY.md'), verifyMarkdown(manifest));
  return { manifest, records: lines.length, digests: covered.length, sealedUntil: covered[covered.length - 1].digest.end };
}

/** The digest files of sequences a..b as names, for VERIFY.md's loops. */
const names = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => `digests/${digestName(a + i)}`);

/** VERIFY.md: what an auditor runs with a POSIX shell, openssl and sha256sum (plus grep, sed, sort, comm), and what it means. */
export function verifyMarkdown(m: BundleManifest): string {
  const all = names(m.anchorSequence ?? m.firstSequence, m.lastSequence);
  const covered = names(m.firstSequence, m.lastSequence);
  return `# Verifying this evidence bundle

Unit \`${m.unit}\`, records written from ${m.from} to before ${m.to}, sealed in digests ${m.firstSequence} to ${m.lastSequence}${
    m.anchorSequence
      ? ` (digest ${m.anchorSequence} is included only to anchor the chain: its records are not in this bundle)`
      : ' (digest 1 starts the chain)'
  }. Exported ${m.exportedAt}.

Each evidence record was hashed (SHA-256 of its RFC 8785 canonical JSON, the exact line in \`records.jsonl\`) and sealed
into a digest: \`{ unit, sequence, chainStart, start, end, previous, records: [{ key, sha256 }] }\`. Each digest names
the SHA-256 and the signature of the one before, covers the time window after it without a gap, and is signed with the
unit's KMS key (ECDSA P-256, SHA-256). You need a POSIX shell, \`openssl\` and \`sha256sum\` (and \`grep\`, \`sed\`,
\`sort\`, \`comm\`). Run the commands below in this folder; the format is described in docs/evidence-sealing.md of
isms-leadership.

## 1. The public key

\`\`\`sh
sha256sum -c public-key.pem.sha256
\`\`\`

\`public-key.pem: OK\` means the file is the key whose fingerprint is \`${m.publicKeySha256}\`. Compare that
fingerprint with one you obtained independently (from the organisation, or with
\`aws kms get-public-key --key-id alias/isms-${m.unit}-evidence-seal --output text --query PublicKey | base64 -d | openssl pkey -pubin -inform DER -outform PEM | sha256sum\`):
a key you cannot tie to the organisation proves nothing.

## 2. Every digest's signature

\`\`\`sh
for d in ${all.join(' ')}; do
  printf '%s: ' "$d"; openssl dgst -sha256 -verify public-key.pem -signature "$d.sig" "$d.json"
done
\`\`\`

Every line must end in \`Verified OK\`. \`Verification failure\` means that digest was changed after it was signed or its
signature is not the one made for it; a missing file means the digest or its signature was removed.

## 3. The chain and the windows

\`\`\`sh
prev=
for d in ${all.join(' ')}; do
  if [ -n "$prev" ]; then
    want="\\"previous\\":{\\"sha256\\":\\"$(sha256sum "$prev.json" | cut -d' ' -f1)\\",\\"signature\\":\\"$(openssl base64 -A -in "$prev.sig")\\"}"
    grep -qF "$want" "$d.json" && echo "OK chain $prev -> $d" || echo "FAIL chain $prev -> $d"
    end=$(sed -n 's/^{"chainStart":[a-z]*,"end":"\\([^"]*\\)".*/\\1/p' "$prev.json")
    start=$(sed -n 's/.*,"start":"\\([^"]*\\)","unit":"[^"]*"}$/\\1/p' "$d.json")
    [ -n "$end" ] && [ "$end" = "$start" ] && echo "OK time $prev ends $end = $d starts" || echo "FAIL time $prev ends $end, $d starts $start"
  fi
  prev=$d
done
\`\`\`

Each \`OK chain\` line means the digest names exactly the digest before it (its SHA-256 and signature): none was removed,
replaced or reordered between them. Each \`OK time\` line means its window starts where the one before ended: no gap in
time. The digests are numbered without a gap (${all[0]} to ${all[all.length - 1]}); every digest has a window, even one in which
nothing was written, so an empty digest proves that nothing was written then.${
    m.anchorSequence ? '' : ' Digest 1 starts the chain: it has `"chainStart":true` and `"previous":null`.'
  }

## 4. Every record: sealed, unchanged, none missing

\`\`\`sh
while IFS= read -r line || [ -n "$line" ]; do printf '%s' "$line" | sha256sum | cut -d' ' -f1; done < records.jsonl | sort > records.hashes
tr -d '\\000' < records.jsonl | cmp -s - records.jsonl || echo "FAIL records.jsonl holds NUL bytes (changed)"
for d in ${covered.join(' ')}; do
  grep -o '"sha256":"[0-9a-f]\\{64\\}"}' "$d.json" | sed 's/"sha256":"\\([0-9a-f]*\\)"}/\\1/'
done | sort > sealed.hashes
comm -3 sealed.hashes records.hashes | sed 's/^\\t/FAIL not sealed (or changed): /; t; s/^/FAIL missing (or changed): /'
[ "$(wc -l < records.hashes)" = "$(wc -l < sealed.hashes)" ] && cmp -s records.hashes sealed.hashes && echo "OK records $(wc -l < records.hashes)"
\`\`\`

\`OK records N\` means every line of \`records.jsonl\` is, byte for byte, a record sealed in digests ${m.firstSequence} to
${m.lastSequence}, and every record those digests sealed is there. A \`FAIL missing\` hash is sealed but no line has it: a
record was removed or changed. A \`FAIL not sealed\` hash is a line no digest sealed: a record was added or changed (a
changed record shows as one of each). \`FAIL records.jsonl holds NUL bytes\` means bytes the shell cannot read were
put into a line. \`isms evidence verify <this folder>\` names the record (its key) for each.

Together: if steps 1 to 4 print only \`OK\` lines and \`Verified OK\`, every record in \`records.jsonl\` is exactly what was
written, and none written between the start of digest ${m.firstSequence} and the end of digest ${m.lastSequence} is missing.
`;
}

/** Reads a bundle folder and checks it (the same rules as VERIFY.md, naming each problem). */
export function verifyBundle(dir: string): VerifyResult & { manifest?: BundleManifest; problems: string[] } {
  const problems: string[] = [];
  const read = (f: string) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f)) : undefined);
  const manifestBytes = read('bundle.json');
  if (!manifestBytes)
    return { findings: [], digests: [], records: 0, ok: false, problems: [`${dir}: no bundle.json: not an evidence bundle`] };
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as BundleManifest;
  const pem = read('public-key.pem');
  if (!pem) return { findings: [], digests: [], records: 0, ok: false, manifest, problems: ['public-key.pem is missing'] };
  if (sha256Hex(pem) !== manifest.publicKeySha256)
    problems.push(`public-key.pem has SHA-256 ${sha256Hex(pem)}, the bundle says ${manifest.publicKeySha256}`);
  const firstFile = manifest.anchorSequence ?? manifest.firstSequence;
  const inFolder = existsSync(path.join(dir, 'digests'))
    ? readdirSync(path.join(dir, 'digests'))
        .map((f) => /^(\d{10})\.(json|sig)$/.exec(f))
        .filter((m) => m)
        .map((m) => Number(m![1]))
    : [];
  // Digests past the bundle's range are checked while they follow on without a gap; a file far beyond (a name of ten
  // digits) is named, never walked to.
  let last = manifest.lastSequence;
  const present = new Set(inFolder);
  while (present.has(last + 1)) last++;
  for (const s of [...present].filter((s) => s > last + 1).sort((a, b) => a - b))
    problems.push(`digests/${digestName(s)}: past the bundle's last digest ${manifest.lastSequence} and not in sequence`);
  const digests: DigestFile[] = [];
  for (let s = firstFile; s <= last; s++) {
    digests.push({
      sequence: s,
      json: read(`digests/${digestName(s)}.json`)?.toString('utf8'),
      signature: read(`digests/${digestName(s)}.sig`),
    });
  }
  const text = read('records.jsonl')?.toString('utf8');
  if (text === undefined) problems.push('records.jsonl is missing');
  const lines = (text ?? '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const result = verifyEvidence({
    unit: manifest.unit,
    digests,
    publicKeyPem: pem.toString('utf8'),
    recordLines: lines,
    anchor: manifest.anchorSequence !== null,
  });
  // The range asked for must begin inside the first digest whose records are here: else the anchor would hide records.
  const first = result.digests.find((d) => !d.anchor);
  if (first?.start && first.start > manifest.from)
    problems.push(`gap in time: the range begins ${manifest.from} but the digests with records begin ${first.start}`);
  return { ...result, ok: result.ok && problems.length === 0, manifest, problems };
}

/** How far ahead of the verifier's clock a record's writtenAt may be and still count as on its way into a digest. */
const FUTURE_STAMP_MARGIN_MS = 15 * 60_000;

/** Checks the live table against every digest in the bucket: a record changed, removed or never sealed is named. */
export async function verifyLive(rt: Runtime, t: SealTarget): Promise<VerifyResult & { publicKeySha256: string; problems: string[] }> {
  const latest = await latestSequence(t);
  const pem = await publicKeyPem(t);
  if (latest === 0)
    return { findings: [], digests: [], records: 0, ok: true, publicKeySha256: sha256Hex(pem), problems: ['nothing sealed yet'] };
  const digests: DigestFile[] = [];
  let lastEnd = '';
  for (let s = 1; s <= latest; s++) {
    const d = await readDigest(t, s).catch(() => undefined);
    digests.push({ sequence: s, json: d?.json, signature: d?.signature });
    if (d) lastEnd = d.digest.end;
  }
  const items = (await scanAllItems(rt)).filter((i) => sealedRecordType(String(i.sk)));
  // An item canonical JSON cannot hold has no line and was never sealed (the sealer logged it): named, not a crash.
  const lines: string[] = [];
  const unsealable: string[] = [];
  for (const item of items) {
    try {
      lines.push(recordLine(item));
    } catch (err) {
      if (!(err instanceof CanonicalJsonError)) throw err;
      unsealable.push(`record ${String(item.pk)} / ${String(item.sk)} is not sealed: ${err.message}`);
    }
  }
  const result = verifyEvidence({
    unit: rt.config.id,
    digests,
    publicKeyPem: pem,
    recordLines: lines,
    anchor: false,
    // Records of the newest lookback may still be on their way into the next digest.
    sealedBefore: queryFrom({ start: lastEnd }),
    // A writer's clock may run a little ahead of this one; a stamp beyond that the sealer would never reach in time.
    notAfter: new Date(Date.now() + FUTURE_STAMP_MARGIN_MS).toISOString(),
  });
  return { ...result, ok: result.ok && unsealable.length === 0, publicKeySha256: sha256Hex(pem), problems: unsealable };
}
