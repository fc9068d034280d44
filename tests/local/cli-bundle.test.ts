// The built CLI as people run it (bin/isms-cli/isms.mjs, what node_modules/.bin/isms links to): help without loading any
// command, each command with only the SDK clients it uses, and a clear word when AWS has no credentials.
import { spawnSync } from 'node:child_process';
import { readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without types
import { ensureBuilt } from '../../scripts/build.mjs';

const ROOT = path.join(import.meta.dirname, '..', '..');
let entry: string;

interface Meta {
  outputs: Record<string, { imports: Array<{ path: string; kind: string }>; inputs: Record<string, unknown>; entryPoint?: string }>;
}

beforeAll(async () => {
  entry = await ensureBuilt('cli');
});

const isms = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, ['bin/isms-cli/isms.mjs', ...args], { cwd: ROOT, env, encoding: 'utf8' });

/** The inputs of every chunk a chunk loads by static import (what Node reads before the code runs). */
function staticInputs(meta: Meta, output: string, seen = new Set<string>()): Set<string> {
  if (seen.has(output)) return new Set();
  seen.add(output);
  const inputs = new Set(Object.keys(meta.outputs[output].inputs));
  for (const i of meta.outputs[output].imports) {
    if (i.kind === 'import-statement' && meta.outputs[i.path]) for (const x of staticInputs(meta, i.path, seen)) inputs.add(x);
  }
  return inputs;
}

const sdkClients = (inputs: Set<string>) =>
  [...new Set([...inputs].flatMap((f) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(f)?.[1] ?? []))].sort();

describe('the built isms CLI', () => {
  it('--help: exit 0, usage on stdout; an unknown command: exit 2 with the nearest one', () => {
    const help = isms(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: isms <command>');
    const typo = isms(['requests', 'lst']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('Did you mean "isms requests list"?');
  });

  it('loads no command module and no SDK client for --help, and for each command only the clients it uses', () => {
    const dir = path.dirname(entry);
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as Meta;
    const out = (file: string) => Object.keys(meta.outputs).find((o) => meta.outputs[o].inputs[file] && !o.endsWith('.map'))!;
    const help = staticInputs(meta, Object.keys(meta.outputs).find((o) => meta.outputs[o].entryPoint === 'bin/isms.ts')!);
    expect([...help].filter((f) => f.startsWith('cli/') && f !== 'cli/manifest.ts' && f !== 'cli/suggest.ts')).toEqual([]);
    expect(sdkClients(help)).toEqual([]);
    // `requests list` and `review status` read the table only; `review start` adds Step Functions when it starts one.
    expect(sdkClients(staticInputs(meta, out('cli/request-commands.ts')))).toEqual(['client-dynamodb']);
    expect(sdkClients(staticInputs(meta, out('cli/action-commands.ts')))).toEqual(['client-dynamodb']);
    expect(sdkClients(staticInputs(meta, out('cli/review-commands.ts')))).toEqual(['client-dynamodb']);
    expect(sdkClients(staticInputs(meta, out('cli/sdk-sfn.ts')))).toContain('client-sfn');
  });

  it('without --local and without AWS credentials: says it tried AWS and that --local talks to npm start', () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    Object.assign(env, {
      AWS_SHARED_CREDENTIALS_FILE: path.join(ROOT, 'no-such-credentials'),
      AWS_CONFIG_FILE: path.join(ROOT, 'no-such-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const r = isms(['review', 'status', '--bu', 'example-emea'], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'isms review status: tried AWS (the deployed stack IsmsLeadership-example-emea in eu-west-1) and found no AWS credentials. To use the local runtime that `npm start` runs, add --local.',
    );
  });

  it('rebuilds only when a source changed: a touched file with the same content keeps the build', async () => {
    const file = path.join(ROOT, 'cli', 'suggest.ts');
    const now = new Date();
    utimesSync(file, now, now);
    expect(await ensureBuilt('cli')).toBe(entry);
  });
});
