// The CLI's front door: usage, unknown commands, and --local when no runtime is running.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/isms';
import { createCliContext, readLocalState } from '../../cli/context';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('isms', () => {
  it('lists every command when called without one, and exits 0', async () => {
    const { code, out } = await run([]);
    expect(code).toBe(0);
    for (const c of [
      'review start',
      'review status',
      'inputs submit',
      'actions list',
      'action close',
      'request submit',
      'request status',
      'evidence export',
    ])
      expect(out).toContain(c);
  });

  it('shows the usage of each new review command on --help, on stdout, exit 0', async () => {
    for (const [c, flags] of [
      ['actions list', '--status open|closed|all'],
      ['action close', '--note <text, 1-2000 chars>'],
      ['review status', '[--period YYYY-Qn]'],
    ]) {
      const { code, out, err } = await run([...c.split(' '), '--help']);
      expect(code).toBe(0);
      expect(err).toBe('');
      expect(out).toContain(`Usage: isms ${c} --bu <id> `);
      expect(out).toContain(flags);
    }
  });

  it('refuses an unknown command, suggesting the nearest, exit 2', async () => {
    const { code, out, err } = await run(['review stop']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('"review stop" is not a command. Did you mean "isms review start"?');
    expect(err).toContain('isms --help');
  });

  it('--local without a running `npm start` says how to start one', () => {
    const missing = path.join(mkdtempSync(path.join(tmpdir(), 'isms-cli-')), 'runtime.json');
    expect(() => createCliContext({ local: true, localStateFile: missing })).toThrow('No local runtime is running');
  });

  it('--local with a state file of a stopped runtime names its pid', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'isms-cli-')), 'runtime.json');
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 7, urls: {}, units: {} }));
    expect(() => readLocalState(file)).toThrow(`(pid ${2 ** 22 + 7}) is not running`);
  });
});
