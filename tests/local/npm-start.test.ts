// `npm start -- --json` as a user runs it: reaches ready, answers on every URL, stops cleanly on SIGTERM.
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { readLocalState } from '../../cli/context';

const ROOT = path.join(import.meta.dirname, '..', '..');
const FREE = ['--dynamodb-port', '0', '--ses-port', '0', '--sfn-port', '0', '--decisions-port', '0', '--console-port', '0'];
// Our own state file: a developer's `npm start` keeps its .isms-local/runtime.json while the tests run.
const STATE = path.join(mkdtempSync(path.join(tmpdir(), 'isms-npm-start-')), 'runtime.json');
const children = new Set<ChildProcess>();

function start(args: string[]): { proc: ChildProcess; ready: Promise<any>; exit: Promise<number | null>; stderr: () => string } {
  const proc = spawn('npm', ['start', '--silent', '--', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ISMS_LOCAL_STATE: STATE },
  });
  children.add(proc);
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const ready = new Promise<any>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    exit.then((code) => reject(new Error(`exited ${code} before ready: ${err}`)));
  });
  ready.catch(() => {}); // tests of failing starts await `exit` instead
  return { proc, ready, exit, stderr: () => err };
}

// Whatever a failed test left running (the tests below that start a runtime end it themselves).
afterAll(() => {
  for (const child of children) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
});

describe('npm start', () => {
  it('reaches ready with --json, answers on every URL, and exits 0 on SIGTERM', async () => {
    const { ready, exit, stderr } = start(['--json', '--no-reviews', ...FREE]);
    const info = await ready;
    expect(info.ready).toBe(true);
    // Valid configs that work against the policy start anyway, with one warning line each on stderr (issue 9).
    expect(
      stderr()
        .split('\n')
        .filter((l) => l.includes('warning:')),
    ).toEqual([
      expect.stringMatching(
        /^config\/business-units\/example-apac\.json: warning: .*Mei Lin <mei\.lin@example\.com> holds roles in levels 1, 2 /,
      ),
      expect.stringMatching(
        /^config\/business-units\/example-emea\.json: warning: .*Clara Weber <clara\.weber@example\.com> holds roles in levels 1, 2, 3 /,
      ),
    ]);
    const { urls } = info;
    expect(Object.keys(urls).sort()).toEqual(['console', 'decisions', 'dynamodb', 'inbox', 'kms', 's3', 'ses', 'stepFunctions']);
    for (const url of Object.values<string>(urls)) expect(new URL(url).hostname).toBe('127.0.0.1');

    expect((await fetch(urls.inbox)).status).toBe(200);
    expect(await (await fetch(urls.console)).text()).toContain('ISMS leadership, local console');
    expect(((await (await fetch(`${urls.ses}/store`)).json()) as { emails: unknown[] }).emails).toEqual([]);
    const notFound = await fetch(`${urls.decisions}/example-emea/decisions/nope?k=nope`);
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('cache-control')).toBe('no-store');
    const creds = { accessKeyId: 'local', secretAccessKey: 'local' };
    const tables = await new DynamoDBClient({ endpoint: urls.dynamodb, region: 'us-east-1', credentials: creds }).send(
      new ListTablesCommand({}),
    );
    expect(tables.TableNames).toEqual([
      'isms-example-apac-evidence',
      'isms-example-apac-links',
      'isms-example-emea-evidence',
      'isms-example-emea-links',
    ]);
    // Sealed evidence: each unit's seal key answers GetPublicKey on the local KMS endpoint.
    const seal = await new KMSClient({ endpoint: urls.kms, region: 'us-east-1', credentials: creds }).send(
      new GetPublicKeyCommand({ KeyId: 'alias/isms-example-emea-evidence-seal' }),
    );
    expect(seal.KeySpec).toBe('ECC_NIST_P256');
    const machines = await new SFNClient({ endpoint: urls.stepFunctions, region: 'us-east-1', credentials: creds }).send(
      new ListStateMachinesCommand({}),
    );
    expect(machines.stateMachines?.map((m) => m.name).sort()).toEqual([
      'isms-example-apac-management-review',
      'isms-example-apac-policy-approval',
      'isms-example-apac-resource-approval',
      'isms-example-emea-management-review',
      'isms-example-emea-policy-approval',
      'isms-example-emea-resource-approval',
    ]);

    // `--local` commands find this runtime through the state file, which goes away with it.
    expect(readLocalState(STATE)).toMatchObject({ pid: info.pid, urls });
    process.kill(info.pid, 'SIGTERM'); // the runtime itself (npm and tsx sit between it and us)
    expect(await exit).toBe(0);
    expect(existsSync(STATE)).toBe(false);
    await expect(fetch(urls.inbox)).rejects.toThrow();
  });

  // The three refusals start nothing and share nothing: they run side by side (each is mostly npm and tsx starting up).
  it.concurrent('fails before starting anything when ports are in use, naming all of them with the flags to use', async () => {
    const blockers = [createServer().listen(0, '127.0.0.1'), createServer().listen(0, '127.0.0.1')];
    await Promise.all(blockers.map((b) => new Promise((r) => b.once('listening', r))));
    const [ses, decisions] = blockers.map((b) => String((b.address() as { port: number }).port));
    const { exit, stderr } = start([
      '--json',
      '--no-reviews',
      ...FREE.slice(0, 2),
      '--ses-port',
      ses,
      ...FREE.slice(4, 6),
      '--decisions-port',
      decisions,
      ...FREE.slice(8, 10),
    ]);
    expect(await exit).toBe(1);
    expect(stderr()).toContain(`Ports ${ses} (ses), ${decisions} (decisions) are in use`);
    expect(stderr()).toContain('npm start -- --ses-port 0 --decisions-port 0 (0 picks a free port)');
    for (const b of blockers) b.close();
  });

  it.concurrent('fails before starting anything on a bad config, naming the file and field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'isms-bad-config-'));
    const unit = JSON.parse(readFileSync(path.join(ROOT, 'config', 'business-units', 'example-emea.json'), 'utf8'));
    unit.topManagement[1].email = 'bob@';
    writeFileSync(path.join(dir, 'emea.json'), JSON.stringify(unit));
    const { exit, stderr } = start(['--json', '--no-reviews', ...FREE, '--config-dir', dir]);
    expect(await exit).toBe(1);
    expect(stderr()).toMatch(/emea\.json: topManagement\[1\]\.email: "bob@" is not an email address/);
  });

  it.concurrent('refuses a bad port flag with what is allowed', async () => {
    const { exit, stderr } = start(['--json', '--ses-port', 'eighty']);
    expect(await exit).toBe(1);
    expect(stderr()).toContain('--ses-port: "eighty" is not a port number (0-65535; 0 picks a free one)');
  });
});
