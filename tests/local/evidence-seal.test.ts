// Sealed evidence on the local runtime: a request decided, its records sealed into signed, chained digests, exported as a
// bundle that verifies (with our CLI and with VERIFY.md's openssl/sha256sum commands); then each kind of tampering is named.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash, verify } from 'node:crypto';
import path from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { NumberValue, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessUnitSchema } from '../../core/config';
import { evidenceExport } from '../../cli/evidence-commands';
import { evidenceVerify } from '../../cli/seal-commands';
import { submitCommand } from '../../cli/request-commands';
import { recordEvent } from '../../lambdas/shared/audit';
import { latestSequence, publicKeyPem, readDigest, sealClients, sealDue } from '../../lambdas/shared/seal-store';
import { createHandler as createSealer } from '../../lambdas/evidence-seal';
import { sealEnvironment, sealingAttributes } from '../../core/evidence-seal';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { executionArnOf } from '../../core/names';
import { testUnit } from '../support/units';
import { FREE_PORTS, IRENE, decisionLink, localCliContext, postDecision, until } from '../support/workflow';

const unit = businessUnitSchema.parse({ ...testUnit(), reminders: { interval: '10m', maximum: 1 }, decisionLinkLifetime: '1h' });
const INTERVAL = 1;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sealed evidence on the local runtime', () => {
  let runtime: LocalRuntime;
  let dir: string;
  let bundle: string;
  const month = new Date().toISOString().slice(0, 7);

  const cli = async (command: typeof evidenceVerify, args: string[]) => {
    const lines = { out: [] as string[], err: [] as string[] };
    const code = await command.run(args, localCliContext(runtime, lines));
    return { code, out: lines.out.join('\n'), err: lines.err.join('\n') };
  };
  /** A copy of the good bundle, changed by `tamper`. */
  const tampered = (name: string, tamper: (d: string) => void) => {
    const d = path.join(dir, name);
    cpSync(bundle, d, { recursive: true });
    tamper(d);
    return d;
  };
  const digestFiles = (d: string) =>
    readdirSync(path.join(d, 'digests'))
      .filter((f) => f.endsWith('.json'))
      .sort();
  /** VERIFY.md's shell blocks, run as written in the bundle folder. */
  const runVerifyMd = (d: string) => {
    const blocks = [...readFileSync(path.join(d, 'VERIFY.md'), 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    return execFileSync('sh', ['-c', `{\n${blocks.join('\n')}\n} 2>&1; true`], { cwd: d, encoding: 'utf8' });
  };

  beforeAll(async () => {
    runtime = await startLocalRuntime({ units: [unit], ports: FREE_PORTS, sealIntervalSeconds: INTERVAL, sealTimer: false });
    dir = mkdtempSync(path.join(tmpdir(), 'isms-seal-'));
    bundle = path.join(dir, 'bundle');
    const ctx = localCliContext(runtime, { out: [], err: [] });
    const out: string[] = [];
    const args = [
      '--bu',
      unit.id,
      '--category',
      'human',
      '--title',
      'Night analyst',
      '--justification',
      'SOC coverage',
      '--amount',
      '900',
      '--currency',
      'EUR',
      '--requester',
      IRENE,
      '--local',
    ];
    expect(await submitCommand.run(args, { ...ctx, out: (l) => out.push(l) })).toBe(0);
    const requestId = out.pop()!.trim();
    const email = await until('the approval email', async () => (await runtime.emails()).find((e) => e.subject.includes('Night analyst')));
    expect(decisionLink(email).searchParams.get('k')).toBeTruthy();
    expect(await postDecision(email, { choice: 'approve', comment: 'yes' })).toBe(303);
    const executionArn = executionArnOf(runtime.units[0].stateMachineArns['resource-approval'], requestId);
    await until(
      'the request to finish',
      async () => (await runtime.sfn.send(new DescribeExecutionCommand({ executionArn }))).status !== 'RUNNING',
    );
  }, 60_000);
  afterAll(async () => {
    await runtime?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('seals the records already there in the chain start, then one digest per window, empty ones too, and a new record once', async () => {
    // The decided request's records were all written within the last second: its window must end first.
    await pause(INTERVAL * 1000 + 100);
    const first = await runtime.seal(unit.id);
    expect(first.sealed[0]).toMatchObject({ sequence: 1 });
    expect(first.sealed[0].records).toBeGreaterThan(3);
    await pause(INTERVAL * 1000 + 100);
    await recordEvent(runtime.units[0].runtime, { type: 'test.sealed-later', subjectPk: 'TEST#seal', actor: 'system' });
    await pause(INTERVAL * 1000 + 100);
    const next = await runtime.seal(unit.id);
    expect(next.sealed.length).toBeGreaterThanOrEqual(2);
    expect(next.sealed.reduce((n, d) => n + d.records, 0)).toBe(1);
    expect(next.sealed.some((d) => d.records === 0)).toBe(true);
    // Sealed again right away: nothing is due, nothing is sealed twice.
    expect((await runtime.seal(unit.id)).sealed.every((d) => d.records === 0)).toBe(true);
  });

  it('a run that died between the digest and its signature is finished by the next one, never a second digest N', async () => {
    const u = runtime.units[0];
    await pause(INTERVAL * 1000 + 100);
    const { s3, kms } = sealClients({
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: runtime.urls.s3,
      AWS_ENDPOINT_URL_KMS: runtime.urls.kms,
    });
    kms.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error('the sealer died'), { name: 'Crash' });
      },
      { step: 'initialize' },
    );
    const crashing = { ...u.seal, s3, kms };
    await expect(sealDue(u.runtime, crashing, INTERVAL, new Date())).rejects.toThrow('the sealer died');
    const n = await latestSequence(crashing);
    const written = await readDigest(crashing, n);
    expect(written?.signature).toBeUndefined();
    await runtime.seal(unit.id);
    const after = await readDigest(crashing, n);
    expect(after?.json).toBe(written?.json);
    expect(after?.signature).toBeDefined();
  });

  it("a re-attached stack's sealer (cold: new clients, nothing remembered) given the same bucket and key continues the chain", async () => {
    // Issue 16: the new stack's sealer gets the retained bucket and key (sealBucketName, sealKeyArn) in its environment, as
    // lib/evidence-seal.ts sets it; it must find digest N there and write N+1 after it, never a second chain start.
    const u = runtime.units[0];
    const env = {
      ...u.runtime.env,
      ...sealEnvironment({ ...u.seal, intervalSeconds: INTERVAL, lagMetric: false }),
      AWS_ENDPOINT_URL_S3: runtime.urls.s3,
      AWS_ENDPOINT_URL_KMS: runtime.urls.kms,
    };
    const reader = { ...u.seal, ...sealClients(env) };
    const n = await latestSequence(reader);
    const last = (await readDigest(reader, n))!;
    await pause(INTERVAL * 1000 + 100);
    const result = await createSealer({ ...u.runtime, env })({ source: 'schedule' });
    expect(result.sealed.map((d) => d.sequence)[0]).toBe(n + 1);
    const next = (await readDigest(reader, n + 1))!;
    expect(next.digest.chainStart).toBe(false);
    expect(next.digest.previous).toEqual({
      sha256: createHash('sha256').update(last.json, 'utf8').digest('hex'),
      signature: Buffer.from(last.signature!).toString('base64'),
    });
    // Signed by the same key as the chain start: one chain, one public key for the auditor.
    const pem = await publicKeyPem(reader);
    const first = (await readDigest(reader, 1))!;
    for (const d of [first, next]) expect(verify('sha256', Buffer.from(d.json, 'utf8'), pem, Buffer.from(d.signature!))).toBe(true);
  });

  it("refuses to continue another unit's chain (a sealBucketName naming the wrong bucket), writing nothing", async () => {
    const u = runtime.units[0];
    const env = {
      ...u.runtime.env,
      ...sealEnvironment({ ...u.seal, intervalSeconds: INTERVAL, lagMetric: false }),
      AWS_ENDPOINT_URL_S3: runtime.urls.s3,
      AWS_ENDPOINT_URL_KMS: runtime.urls.kms,
    };
    const reader = { ...u.seal, ...sealClients(env) };
    const n = await latestSequence(reader);
    await pause(INTERVAL * 1000 + 100);
    const other = { ...u.runtime, env, config: { ...u.runtime.config, id: 'another-unit' } };
    await expect(createSealer(other)({ source: 'schedule' })).rejects.toThrow(
      `is of unit ${unit.id}, not another-unit: this is another unit's chain (check sealBucketName)`,
    );
    expect(await latestSequence(reader)).toBe(n);
  });

  it('exports a bundle that `isms evidence verify` and VERIFY.md (openssl, sha256sum) both find whole', async () => {
    const exported = await cli(evidenceExport as typeof evidenceVerify, [
      '--bu',
      unit.id,
      '--from',
      month,
      '--to',
      month,
      '--format',
      'bundle',
      '--out',
      bundle,
      '--local',
    ]);
    expect(exported.code).toBe(0);
    expect(exported.err).toMatch(/sealed records in \d+ digests/);
    const lines = readFileSync(path.join(bundle, 'records.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(4);
    const verified = await cli(evidenceVerify, [bundle]);
    expect(verified.out).toMatch(/^OK: \d+ digests and \d+ records verified$/m);
    expect(verified.code).toBe(0);
    const script = runVerifyMd(bundle);
    expect(script).toContain('public-key.pem: OK');
    expect(script).not.toMatch(/FAIL|Verification failure/);
    expect(script).toMatch(/Verified OK/);
    expect(script).toMatch(new RegExp(`OK records ${lines.length}`));

    // The HTML export says the same, with the key's fingerprint.
    const page = path.join(dir, 'evidence.html');
    expect(
      (
        await cli(evidenceExport as typeof evidenceVerify, [
          '--bu',
          unit.id,
          '--from',
          month,
          '--to',
          month,
          '--format',
          'html',
          '--out',
          page,
          '--local',
        ])
      ).code,
    ).toBe(0);
    const fingerprint = JSON.parse(readFileSync(path.join(bundle, 'bundle.json'), 'utf8')).publicKeySha256;
    expect(readFileSync(page, 'utf8')).toMatch(
      new RegExp(`<strong>verified</strong>: \\d+ sealed records[\\s\\S]*<code>${fingerprint}</code>`),
    );
  });

  it.each([
    [
      'one byte of one record changed',
      'record changed',
      (d: string) => {
        const f = path.join(d, 'records.jsonl');
        writeFileSync(f, readFileSync(f, 'utf8').replace('"approve"', '"approvf"'));
      },
    ],
    [
      'a record line removed',
      'record missing',
      (d: string) => {
        const f = path.join(d, 'records.jsonl');
        const lines = readFileSync(f, 'utf8').split('\n');
        lines.splice(1, 1);
        writeFileSync(f, lines.join('\n'));
      },
    ],
    ['a digest file removed', 'digest missing', (d: string) => rmSync(path.join(d, 'digests', digestFiles(d)[1]))],
    [
      'a forged record appended without a final newline',
      'record not sealed',
      (d: string) => {
        const f = path.join(d, 'records.jsonl');
        const forged = JSON.parse(readFileSync(f, 'utf8').split('\n')[0]);
        writeFileSync(f, `${readFileSync(f, 'utf8')}${JSON.stringify({ ...forged, sk: `${forged.sk}-forged` })}`);
      },
    ],
    [
      'a record line given twice',
      'record line repeated',
      (d: string) => {
        const f = path.join(d, 'records.jsonl');
        const text = readFileSync(f, 'utf8');
        writeFileSync(f, `${text}${text.split('\n')[0]}\n`);
      },
    ],
    [
      'a NUL byte put into a record line',
      'bad record line',
      (d: string) => {
        const f = path.join(d, 'records.jsonl');
        writeFileSync(f, readFileSync(f, 'utf8').replace('"approve"', '"appr\u0000ove"'));
      },
    ],
    [
      'a digest edited',
      'bad signature',
      (d: string) => {
        const f = path.join(d, 'digests', digestFiles(d)[1]);
        writeFileSync(
          f,
          readFileSync(f, 'utf8').replace(/"end":"(\d{4})/, (_m, y) => `"end":"${Number(y) + 1}`),
        );
      },
    ],
    [
      'a signature swapped',
      'bad signature',
      (d: string) => {
        const [a, b] = digestFiles(d)
          .slice(1, 3)
          .map((f) => path.join(d, 'digests', f.replace('.json', '.sig')));
        const sa = readFileSync(a);
        writeFileSync(a, readFileSync(b));
        writeFileSync(b, sa);
      },
    ],
  ])('%s: verify names it (%s), exits 1, and VERIFY.md prints a failure', async (name, problem, tamper) => {
    const d = tampered(name.replace(/\W+/g, '-'), tamper);
    const verified = await cli(evidenceVerify, [d]);
    expect(verified.code).toBe(1);
    expect(verified.out).toContain(problem.toUpperCase());
    expect(verified.out).toMatch(/^FAILED: /m);
    expect(runVerifyMd(d)).toMatch(/FAIL|Verification failure|No such file|Can't open/);
  });

  it('a digest file named far past the range is named, not walked to (a name of ten digits)', async () => {
    const d = tampered('far-digest', (b) => writeFileSync(path.join(b, 'digests', '9999999999.sig'), ''));
    const verified = await cli(evidenceVerify, [d]);
    expect(verified.code).toBe(1);
    expect(verified.out).toMatch(/PROBLEM: digests\/9999999999: past the bundle's last digest \d+ and not in sequence/);
  });

  it('names the record changed when a record is changed with the right key; `verify --bu` finds a change made in DynamoDB', async () => {
    const d = tampered('changed-record', (b) => {
      const f = path.join(b, 'records.jsonl');
      writeFileSync(f, readFileSync(f, 'utf8').replace('"yes"', '"YES"'));
    });
    const verified = await cli(evidenceVerify, [d]);
    expect(verified.out).toMatch(/RECORD CHANGED: record REQUEST#\S+ \/ DECISION#\S+ differs/);

    expect((await cli(evidenceVerify, ['--bu', unit.id, '--local'])).code).toBe(0);
    const u = runtime.units[0];
    const decision = (
      await u.runtime.ddb.send(
        new (
          await import('@aws-sdk/lib-dynamodb')
        ).ScanCommand({
          TableName: u.tableName,
          FilterExpression: 'begins_with(sk, :d)',
          ExpressionAttributeValues: { ':d': 'DECISION#' },
        }),
      )
    ).Items![0];
    await u.runtime.ddb.send(
      new UpdateCommand({
        TableName: u.tableName,
        Key: { pk: decision.pk, sk: decision.sk },
        UpdateExpression: 'SET #c = :c',
        ExpressionAttributeNames: { '#c': 'comment' },
        ExpressionAttributeValues: { ':c': 'changed later' },
      }),
    );
    const live = await cli(evidenceVerify, ['--bu', unit.id, '--local']);
    expect(live.code).toBe(1);
    expect(live.out).toContain(`RECORD CHANGED: record ${decision.pk} / ${decision.sk}`);
  });

  it('the local KMS answers Sign and GetPublicKey like KMS, with its error names for bad input', async () => {
    const kms = new KMSClient({
      endpoint: runtime.urls.kms,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const keyId = runtime.units[0].seal.keyId;
    const pub = await kms.send(new GetPublicKeyCommand({ KeyId: `alias/isms-${unit.id}-evidence-seal` }));
    expect(pub).toMatchObject({ KeyId: keyId, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'] });
    const fail = (input: object) =>
      kms
        .send(
          new SignCommand({ KeyId: keyId, Message: Buffer.alloc(32), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256', ...input }),
        )
        .then(
          () => 'signed',
          (e: Error) => e.name,
        );
    expect(await fail({})).toBe('signed');
    expect(await fail({ KeyId: 'alias/nobody' })).toBe('NotFoundException');
    expect(await fail({ SigningAlgorithm: 'RSASSA_PSS_SHA_256' })).toBe('InvalidKeyUsageException');
    expect(await fail({ Message: Buffer.alloc(31) })).toBe('ValidationException');
    expect(await fail({ Message: Buffer.alloc(4097), MessageType: 'RAW' })).toBe('ValidationException');
    // The AWS CLI speaks the same protocol (JSON 1.1, X-Amz-Target TrentService.*); asynchronously: the endpoint is in this process.
    const { stdout: out } = await promisify(execFile)(
      'aws',
      ['kms', 'get-public-key', '--key-id', keyId, '--endpoint-url', runtime.urls.kms, '--region', 'us-east-1', '--output', 'json'],
      {
        encoding: 'utf8',
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
      },
    );
    expect(JSON.parse(out)).toMatchObject({ KeyId: keyId, KeySpec: 'ECC_NIST_P256' });
    kms.destroy();
  });

  it('an item no digest can hold (a number beyond 2^53) halts nothing: the sealer seals the rest and `verify --bu` names it', async () => {
    const u = runtime.units[0];
    const key = { pk: 'REQUEST#req-huge', sk: 'EVENT#2026-12-02T10:00:00.000Z#huge' };
    await u.runtime.ddb.send(
      new PutCommand({
        TableName: u.tableName,
        Item: {
          ...key,
          type: 'request.noted',
          n: NumberValue.from('1000000000000000000000000000000'),
          ...sealingAttributes(key, unit.id, new Date()),
        },
      }),
    );
    await recordEvent(u.runtime, { type: 'test.after-huge', subjectPk: 'TEST#after-huge', actor: 'system', detail: {} });
    await new Promise((r) => setTimeout(r, INTERVAL * 1000 + 100));
    const result = await runtime.seal(unit.id);
    expect(result.sealed.reduce((n, d) => n + d.records, 0)).toBeGreaterThanOrEqual(1); // the event after it is sealed
    const live = await cli(evidenceVerify, ['--bu', unit.id, '--local']);
    expect(live.code).toBe(1);
    expect(live.out).toMatch(/PROBLEM: record REQUEST#req-huge \/ EVENT#\S+ is not sealed: canonical JSON: n is a bigint/);
  });
});
