// The lazy command manifest (cli/manifest.ts) against the command modules: `isms --help` and the suggestions read only
// the manifest, so it must name every command, with the usage and flags the module itself uses.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OBJECTIVE_STATUSES } from '../../core/policy';
import { RESOURCE_CATEGORIES } from '../../core/config';
import { CLOSING_NOTE_MAX } from '../../lambdas/shared/actions';
import { COMMANDS } from '../../cli/manifest';
import type { CliCommand } from '../../cli/context';

const CLI_DIR = path.join(import.meta.dirname, '..', '..', 'cli');
/** The flags a usage line names: `--bu <id>`, `[--local]`. */
const flagsIn = (usage: string) => [...usage.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]).sort();

describe('cli/manifest.ts', () => {
  it("names each command once, and each entry's module exports that command with the manifest's usage", async () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    for (const spec of COMMANDS) {
      const { commands } = await spec.load();
      const command = commands.find((c) => c.name === spec.name);
      expect(command, `${spec.name}: its module does not export it`).toBeDefined();
      expect(command!.usage, spec.name).toBe(spec.usage);
    }
  });

  it('declares exactly the flags each usage names', () => {
    for (const spec of COMMANDS) expect(Object.keys(spec.flags).sort(), spec.name).toEqual([...new Set(flagsIn(spec.usage))]);
  });

  it('lists every command of every cli/*-commands.ts module, so none is unreachable from `isms`', async () => {
    const modules = readdirSync(CLI_DIR).filter((f) => f.endsWith('-commands.ts'));
    expect(modules.length).toBeGreaterThan(4);
    for (const file of modules) {
      const { commands } = (await import(path.join(CLI_DIR, file))) as { commands: CliCommand[] };
      for (const c of commands)
        expect(
          COMMANDS.map((s) => s.name),
          `${file}: ${c.name}`,
        ).toContain(c.name);
    }
  });

  it('spells the limits it cannot import (the manifest imports nothing) as the code has them', () => {
    const usage = (name: string) => COMMANDS.find((c) => c.name === name)!.usage;
    expect(usage('request submit')).toContain(`--category ${RESOURCE_CATEGORIES.join('|')} `);
    expect(usage('action close')).toContain(`--note <text, 1-${CLOSING_NOTE_MAX} chars>`);
    expect(usage('objectives update')).toContain(`--status ${OBJECTIVE_STATUSES.join('|')} `);
  });
});
