#!/usr/bin/env -S npx tsx
// The isms CLI: starts reviews, submits review inputs and resource requests, locally (--local) or on AWS.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCliContext, type CliCommand } from '../cli/context';
import { terminalSafe } from '../core/text';
import { commands as reviewCommands } from '../cli/review-commands';
import { commands as requestCommands } from '../cli/request-commands';
import { commands as evidenceCommands } from '../cli/evidence-commands';
import { commands as actionCommands } from '../cli/action-commands';
import { commands as smokeCommands } from '../cli/smoke-commands';
import { commands as reportCommands } from '../cli/report-commands';
import { commands as doctorCommands } from '../cli/doctor-commands';
import { commands as absenceCommands } from '../cli/absence-commands';
import { commands as sealCommands } from '../cli/seal-commands';
import { commands as policyCommands } from '../cli/policy-commands';

const COMMANDS: CliCommand[] = [
  ...reviewCommands,
  ...actionCommands,
  ...requestCommands,
  ...evidenceCommands,
  ...reportCommands,
  ...smokeCommands,
  ...doctorCommands,
  ...absenceCommands,
  ...sealCommands,
  ...policyCommands,
];

function usage(): string {
  return [
    'Usage: isms <command> [options] [--local]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.usage}`),
    '',
    '--local uses the runtime started by `npm start`; without it, the deployed stack of the unit.',
  ].join('\n');
}

export async function main(argv: string[], io: { out?: (l: string) => void; err?: (l: string) => void } = {}): Promise<number> {
  // An error message may quote input or stored values: printed without control characters, like ctx.err.
  const err = (l: string) => (io.err ?? console.error)(terminalSafe(l, true));
  const command = COMMANDS.find((c) => argv.slice(0, c.name.split(' ').length).join(' ') === c.name);
  if (!command || argv.includes('--help') || argv.includes('-h')) {
    (command ? err : (l: string) => (argv.length ? err(l) : (io.out ?? console.log)(l)))(command ? command.usage : usage());
    return command || argv.length === 0 ? 0 : 2;
  }
  const args = argv.slice(command.name.split(' ').length);
  try {
    const ctx = createCliContext({ local: args.includes('--local'), out: io.out, err: io.err });
    return await command.run(args, ctx);
  } catch (e) {
    err(`isms ${command.name}: ${(e as Error).message}`);
    return 1;
  }
}

// Run when executed (directly, through npx's .bin symlink, or npm run), not when imported by tests.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
