// `npm start`: runs the whole system on local emulators and prints where a person starts (the inbox).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../core/config';
import { LOCAL_STATE_FILE, type LocalState } from '../cli/context';
import { DEFAULT_PORTS, handlerModules, startLocalRuntime } from './runtime';

// Run from its bundle (scripts/build.mjs, target start), the handlers are built beside this file as lambdas/<name>.js.
if (import.meta.url.endsWith('.js')) handlerModules.url = (entry) => new URL(entry.replace(/\.ts$/, '.js'), import.meta.url).href;

const USAGE = `Usage: npm start -- [--json] [--no-reviews] [--data-dir DIR] [--config-dir DIR]
                    [--dynamodb-port N] [--ses-port N] [--sfn-port N] [--decisions-port N] [--console-port N]   (0 = a free port)
                    [--seal-interval 10s]   (how often evidence is sealed into a signed digest)`;

/** The local console (local/console.ts): where a person starts. */
const CONSOLE_PORT = 8010;

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new Error(`--${name}-port: "${value}" is not a port number (0-65535; 0 picks a free one)`);
  return n;
}

/** The parsed flags: booleans have defaults, the others are absent when not given. */
type Args = {
  json: boolean;
  'no-reviews': boolean;
  'data-dir'?: string;
  'config-dir'?: string;
  'dynamodb-port'?: string;
  'ses-port'?: string;
  'sfn-port'?: string;
  'decisions-port'?: string;
  'console-port'?: string;
  'seal-interval'?: string;
  help: boolean;
};

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        'no-reviews': { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        'config-dir': { type: 'string' },
        'dynamodb-port': { type: 'string' },
        'ses-port': { type: 'string' },
        'sfn-port': { type: 'string' },
        'decisions-port': { type: 'string' },
        'console-port': { type: 'string' },
        'seal-interval': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  let sealIntervalSeconds = 10;
  if (args['seal-interval'] !== undefined) {
    const m = /^([1-9]\d{0,5})(s|m|h)$/.exec(args['seal-interval']);
    if (!m) {
      console.error(`--seal-interval: "${args['seal-interval']}" is not a duration like "10s", "5m" or "1h"\n${USAGE}`);
      return 2;
    }
    sealIntervalSeconds = Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's'];
  }
  const quietLog = args.json ? (line: string) => console.error(line) : (line: string) => console.log(`  ${line}`);
  let runtime: Awaited<ReturnType<typeof startLocalRuntime>>;
  try {
    runtime = await startLocalRuntime({
      configDir: args['config-dir'] ? path.resolve(args['config-dir']) : undefined,
      dataDir: args['data-dir'] ? path.resolve(args['data-dir']) : undefined,
      ports: {
        dynamodb: port('dynamodb', args['dynamodb-port'], DEFAULT_PORTS.dynamodb),
        ses: port('ses', args['ses-port'], DEFAULT_PORTS.ses),
        stepFunctions: port('sfn', args['sfn-port'], DEFAULT_PORTS.stepFunctions),
        decisions: port('decisions', args['decisions-port'], DEFAULT_PORTS.decisions),
      },
      consolePort: port('console', args['console-port'], CONSOLE_PORT),
      openReviews: !args['no-reviews'],
      scheduler: true,
      sealIntervalSeconds,
      log: quietLog,
      // Valid but against the policy (one person in several levels' roles): on stderr, one line each, and start anyway.
      warn: (line) => console.error(line),
    });
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `Cannot start: ${(err as Error).message}`);
    return 1;
  }

  const state: LocalState = {
    pid: process.pid,
    urls: runtime.urls,
    units: Object.fromEntries(
      runtime.units.map((u) => [u.unit.id, { tableName: u.tableName, stateMachineArns: u.stateMachineArns, seal: u.seal }]),
    ),
  };
  mkdirSync(path.dirname(LOCAL_STATE_FILE), { recursive: true });
  writeFileSync(LOCAL_STATE_FILE, JSON.stringify(state, null, 2));

  // Another runtime started since (with other ports) owns the file now: leave its file alone.
  const removeOwnState = () => {
    try {
      if ((JSON.parse(readFileSync(LOCAL_STATE_FILE, 'utf8')) as LocalState).pid === process.pid) rmSync(LOCAL_STATE_FILE, { force: true });
    } catch {
      // already gone
    }
  };
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await runtime.close();
    removeOwnState();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const { urls } = runtime;
  if (args.json) {
    console.log(JSON.stringify({ ready: true, pid: process.pid, urls, units: state.units, interrupted: runtime.interrupted }));
  } else {
    const interrupted = runtime.interrupted.length
      ? `
  Stopped with the last run (recorded, and the ISMS manager emailed); to carry on:
${runtime.interrupted.map((w) => `    ${w.unitId} ${w.workflow === 'management-review' ? 'review' : w.workflow === 'policy-approval' ? 'policy' : 'request'} ${w.subject}: ${w.next}`).join('\n')}
`
      : '';
    console.log(`
isms-leadership is running locally (${runtime.units.map((u) => u.unit.id).join(', ')})

  Console (start here: mailboxes, reviews, requests, events)      ${urls.console}
  Inbox of the SES emulator                                        ${urls.inbox}
  Decision links                                                   ${urls.decisions}/<unit>/decisions/<id>
  Step Functions API (aws-sdk / aws cli --endpoint-url)            ${urls.stepFunctions}
  DynamoDB API                                                     ${urls.dynamodb}
  SES API                                                          ${urls.ses}
  S3 API (sealed evidence digests)                                 ${urls.s3}
  KMS API (Sign, GetPublicKey of each unit's seal key)             ${urls.kms}
  Evidence is sealed every ${sealIntervalSeconds} s: npx isms evidence verify --bu <unit> --local

  Try: npx isms request submit --bu example-emea --category equipment --title "Laptops" \\
         --justification "Replace end-of-life laptops" --amount 25000 --currency EUR \\
         --requester irene.schulz@example.com --local
  Ctrl-C stops everything.
${interrupted}ready`);
  }
  return -1;
}

main().then((code) => {
  if (code >= 0) process.exit(code);
});
