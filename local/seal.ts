// Sealed evidence on the local runtime: s3rver for the digest bucket, the local KMS (local/kms.ts) for the key, and a
// timer in place of the EventBridge Scheduler schedule. s3rver has no Object Lock API: object lock is proven by the CDK
// assertions, the sealer's never-overwrite rule (If-None-Match) is the same code here and on AWS.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { localSealBucketName, sealKeyAlias } from '../core/evidence-seal';
import { startLocalKms, type LocalKms } from './kms';

/** s3rver's fixed credentials: it checks request signatures against them. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalSealServices {
  s3Url: string;
  kms: LocalKms;
  /** The unit's bucket (created) and key (made and kept on first use). */
  forUnit(unitId: string): Promise<{ bucket: string; keyId: string }>;
  close(): Promise<void>;
}

export async function startSealServices(opts: {
  dataDir?: string;
  host: string;
  ports: { s3: number; kms: number };
  region: string;
  accountId: string;
}): Promise<LocalSealServices> {
  const require = createRequire(import.meta.url);
  // s3rver checks request signatures against its accounts: the handlers and the CLI sign with the process's credentials
  // (`local` unless set), so those are registered with it, in this process only.
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
  DUMMY_ACCOUNT.createKeyPair('local', 'local');
  if (process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY)
    DUMMY_ACCOUNT.createKeyPair(process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY);
  const S3rver = require('s3rver') as new (o: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  const directory = opts.dataDir ? path.join(opts.dataDir, 's3') : mkdtempSync(path.join(tmpdir(), 'isms-s3-'));
  mkdirSync(directory, { recursive: true });
  const s3rver = new S3rver({ port: opts.ports.s3, address: opts.host, silent: true, directory });
  const { port } = await s3rver.run();
  const s3Url = `http://${opts.host}:${port}`;
  let kms: LocalKms;
  try {
    kms = await startLocalKms({
      port: opts.ports.kms,
      host: opts.host,
      dataDir: opts.dataDir,
      region: opts.region,
      accountId: opts.accountId,
    });
  } catch (err) {
    await s3rver.close();
    throw err;
  }
  const s3 = new S3Client({ endpoint: s3Url, region: opts.region, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  return {
    s3Url,
    kms,
    async forUnit(unitId) {
      const bucket = localSealBucketName(unitId);
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (err) {
        if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((err as Error).name)) throw err;
      }
      return { bucket, keyId: kms.keyArn(kms.ensureKey(sealKeyAlias(unitId)).keyId) };
    },
    async close() {
      s3.destroy();
      await kms.close();
      await s3rver.close();
      if (!opts.dataDir) rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Runs each unit's sealer every `intervalSeconds` (one run at a time per unit), as the schedule does on AWS. Returns a stopper. */
export function startSealTimer(
  seal: (unitId: string) => Promise<unknown>,
  unitIds: string[],
  intervalSeconds: number,
  log: (line: string) => void,
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = running.then(async () => {
      for (const id of unitIds) {
        try {
          await seal(id);
        } catch (err) {
          log(`sealing of ${id} failed: ${(err as Error).message}`);
        }
      }
    });
  };
  const timer = setInterval(tick, intervalSeconds * 1000);
  timer.unref();
  tick();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
