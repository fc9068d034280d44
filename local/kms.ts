// A local stand-in for the two KMS operations the sealer and the CLI use, Sign and GetPublicKey, on AWS's JSON 1.1
// protocol with AWS's error names, so that @aws-sdk/client-kms and the AWS CLI work against it. No KMS emulator exists;
// @noble/curves signs a given SHA-256 without hashing it again (MessageType DIGEST), which node:crypto cannot.
import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { p256 } from '@noble/curves/nist.js';

export interface LocalKmsKey {
  keyId: string;
  alias: string;
  /** The P-256 private key, hex. Locally only: on AWS the private half never leaves KMS. */
  privateKey: string;
}

export interface LocalKms {
  url: string;
  keyArn(keyId: string): string;
  /** The key for this alias (`alias/...`), made and kept (in the data dir, if any) on first use. */
  ensureKey(alias: string): LocalKmsKey;
  close(): Promise<void>;
}

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** SPKI DER of a P-256 public key: the fixed ASN.1 prefix of id-ecPublicKey/prime256v1, then the uncompressed point. */
const SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
export const spkiDer = (privateKeyHex: string) => Buffer.concat([SPKI_PREFIX, p256.getPublicKey(Buffer.from(privateKeyHex, 'hex'), false)]);
export const publicKeyPemOf = (privateKeyHex: string) =>
  createPublicKey({ key: spkiDer(privateKeyHex), format: 'der', type: 'spki' })
    .export({ type: 'spki', format: 'pem' })
    .toString();

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export async function startLocalKms(opts: {
  port?: number;
  host?: string;
  dataDir?: string;
  region: string;
  accountId: string;
}): Promise<LocalKms> {
  const file = opts.dataDir ? path.join(opts.dataDir, 'kms-keys.json') : undefined;
  const keys: LocalKmsKey[] = file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).keys : [];
  const save = () => {
    if (!file) return;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
  };
  const keyArn = (keyId: string) => `arn:aws:kms:${opts.region}:${opts.accountId}:key/${keyId}`;
  const aliasArn = (alias: string) => `arn:aws:kms:${opts.region}:${opts.accountId}:${alias}`;

  function find(keyIdInput: unknown): LocalKmsKey {
    if (typeof keyIdInput !== 'string' || keyIdInput.length < 1 || keyIdInput.length > 2048)
      throw new KmsError(
        'ValidationException',
        "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048",
      );
    const key = keys.find((k) => [k.keyId, keyArn(k.keyId), k.alias, aliasArn(k.alias)].includes(keyIdInput));
    if (!key) {
      throw new KmsError(
        'NotFoundException',
        keyIdInput.includes('alias/')
          ? `Alias ${keyIdInput.startsWith('arn:') ? keyIdInput : aliasArn(keyIdInput)} is not found.`
          : `Key '${keyIdInput.startsWith('arn:') ? keyIdInput : keyArn(keyIdInput)}' does not exist`,
      );
    }
    return key;
  }

  function base64(value: unknown, field: string): Buffer {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
      throw new KmsError('SerializationException', `${field}: not a base64 blob`);
    return Buffer.from(value, 'base64');
  }

  const operations: Record<string, (input: Record<string, unknown>) => object> = {
    GetPublicKey(input) {
      const key = find(input.KeyId);
      return {
        KeyId: keyArn(key.keyId),
        PublicKey: spkiDer(key.privateKey).toString('base64'),
        CustomerMasterKeySpec: 'ECC_NIST_P256',
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ECDSA_SHA_256'],
      };
    },
    Sign(input) {
      const key = find(input.KeyId);
      if (input.Message === undefined)
        throw new KmsError(
          'ValidationException',
          "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null",
        );
      const message = base64(input.Message, 'Message');
      if (message.length < 1 || message.length > 4096)
        throw new KmsError(
          'ValidationException',
          "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length between 1 and 4096",
        );
      const type = input.MessageType ?? 'RAW';
      if (type !== 'RAW' && type !== 'DIGEST')
        throw new KmsError(
          'ValidationException',
          `1 validation error detected: Value '${String(type)}' at 'messageType' failed to satisfy constraint: Member must satisfy enum value set: [DIGEST, RAW, EXTERNAL_MU]`,
        );
      if (input.SigningAlgorithm !== 'ECDSA_SHA_256')
        throw new KmsError(
          'InvalidKeyUsageException',
          `You cannot use the signing algorithm ${String(input.SigningAlgorithm)} with this key (${keyArn(key.keyId)}): it supports ECDSA_SHA_256`,
        );
      if (type === 'DIGEST' && message.length !== 32)
        throw new KmsError('ValidationException', 'Digest is invalid length for algorithm ECDSA_SHA_256.');
      const hash = type === 'DIGEST' ? message : createHash('sha256').update(message).digest();
      // prehash false: the hash is given; DER, as KMS answers and openssl reads.
      const signature = p256.sign(hash, Buffer.from(key.privateKey, 'hex'), { prehash: false, format: 'der' });
      return { KeyId: keyArn(key.keyId), Signature: Buffer.from(signature).toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256' };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const answer = (status: number, body: object, type?: string) => {
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-ErrorType': type } : {}) });
      res.end(JSON.stringify(body));
    };
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = await readBody(req);
      if (req.method !== 'POST' || !target.startsWith('TrentService.'))
        throw new KmsError('UnknownOperationException', `${req.method} ${target || '(no X-Amz-Target)'}`);
      const op = operations[target.slice('TrentService.'.length)];
      if (!op) throw new KmsError('UnknownOperationException', `${target} is not served locally (only Sign and GetPublicKey)`);
      let input: Record<string, unknown>;
      try {
        input = body ? JSON.parse(body) : {};
      } catch {
        throw new KmsError('SerializationException', 'The request body is not JSON');
      }
      if (!input || typeof input !== 'object' || Array.isArray(input))
        throw new KmsError('SerializationException', 'The request body is not a JSON object');
      answer(200, op(input));
    } catch (err) {
      if (err instanceof KmsError) answer(400, { __type: err.type, message: err.message }, err.type);
      else answer(500, { __type: 'KMSInternalException', message: (err as Error).message }, 'KMSInternalException');
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    keyArn,
    ensureKey(alias) {
      let key = keys.find((k) => k.alias === alias);
      if (!key) {
        key = { keyId: randomUUID(), alias, privateKey: Buffer.from(p256.utils.randomSecretKey()).toString('hex') };
        keys.push(key);
        save();
      }
      return key;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
