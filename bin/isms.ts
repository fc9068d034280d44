#!/usr/bin/env -S npx tsx
// The isms CLI: starts reviews, submits review inputs and resource requests, locally (--local) or on AWS.
// People run it through bin/isms-cli/isms.mjs (the built bundle); tests call main() here. Commands come from cli/manifest.ts: only
// the module of the command that runs is imported, so `isms --help` loads no command and no AWS SDK client.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS, type CommandSpec } from '../cli/manifest';
import { nearest } from '../cli/suggest';
import { terminalSafe } from '../core/text';

export interface CliIo {
  out?: (l: string) => void;
  err?: (l: string) => void;
}

const LOCAL_NOTE = '--local talks to the local runtime that `npm start` runs; without it, a command uses the unit’s deployed stack on AWS.';

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: isms <command> [options] [--local]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `isms <command> --help` for its options.',
    LOCAL_NOTE,
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  return [`Usage: isms ${spec.usage}`, '', `${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.`, '', LOCAL_NOTE].join('\n');
}

/** The command named by the first words of argv (names have one or two words), and the arguments after it. */
function findCommand(argv: string[]): { spec: CommandSpec; args: string[] } | undefined {
  for (const spec of COMMANDS) {
    const n = spec.name.split(' ').length;
    if (argv.slice(0, n).join(' ') === spec.name) return { spec, args: argv.slice(n) };
  }
  return undefined;
}

/** "did you mean" for words that name no command: the leading words against names of as many words, or swapped. */
function suggestCommand(words: string[]): string | undefined {
  const names = COMMANDS.map((c) => c.name);
  const swapped = words.slice(0, 2).reverse().join(' ');
  if (names.includes(swapped)) return swapped;
  for (const n of [2, 1]) {
    const hit = nearest(
      words.slice(0, n).join(' '),
      names.filter((name) => name.split(' ').length === n),
    );
    if (hit) return hit;
  }
  // "isms review", "isms smoke": the commands that begin so.
  const begun = names.filter((name) => words.length === 1 && words[0].length >= 3 && name.startsWith(words[0]));
  return begun.length ? begun.join('" or "isms ') : undefined;
}

/**
 * The flags in args that the command does not declare, each with the nearest declared one. A string flag's value is
 * skipped (`--title --draft` is a title), as parseArgs does; the module's own parsing checks the values.
 */
function unknownFlags(spec: CommandSpec, args: string[]): Array<{ flag: string; suggestion?: string }> {
  const unknown: Array<{ flag: string; suggestion?: string }> = [];
  const known = Object.keys(spec.flags);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--') || a === '--') continue;
    const name = a.slice(2).split('=')[0];
    const type = spec.flags[name];
    if (type === 'string' && !a.includes('=')) i++;
    else if (!type) unknown.push({ flag: `--${name}`, suggestion: nearest(name, known) });
  }
  return unknown;
}

export async function main(argv: string[], io: CliIo = {}): Promise<number> {
  const out = io.out ?? console.log;
  const errRaw = io.err ?? console.error;
  if (argv.length === 0 || (argv.length === 1 && ['--help', '-h', 'help'].includes(argv[0]))) {
    out(overview());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    // The words before the first flag ("review stop" typed as one argument too).
    const firstFlag = argv.findIndex((a) => a.startsWith('-'));
    const words = argv.slice(0, firstFlag < 0 ? argv.length : firstFlag).flatMap((a) => a.trim().split(/\s+/));
    const typed = words.join(' ');
    const suggestion = suggestCommand(words);
    errRaw(
      terminalSafe(`isms: "${typed || argv.join(' ')}" is not a command.${suggestion ? ` Did you mean "isms ${suggestion}"?` : ''}`, true),
    );
    errRaw('Run `isms --help` for the list of commands.');
    return 2;
  }
  const { spec, args } = found;
  if (args.includes('--help') || args.includes('-h')) {
    out(commandHelp(spec));
    return 0;
  }
  const unknown = unknownFlags(spec, args);
  if (unknown.length) {
    for (const u of unknown) {
      errRaw(
        terminalSafe(
          `isms ${spec.name}: ${u.flag} is not a flag of this command.${u.suggestion ? ` Did you mean --${u.suggestion}?` : ''}`,
          true,
        ),
      );
    }
    errRaw(`usage: isms ${spec.usage}`);
    return 2;
  }
  const { runCommand } = await import('../cli/run');
  return runCommand(spec, args, io);
}

// Run when executed directly (`tsx bin/isms.ts`), not when imported by tests or by the bundle's launcher (bin/isms-cli/isms.mjs).
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
