// `cdk synth` runs bin/app.ts: config warnings (valid, but against the policy) reach stderr, one line each, and synth goes on.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');

describe('bin/app.ts', () => {
  it("prints each unit's warning on stderr, naming the file, the person and the levels, and still synthesizes", () => {
    const out = mkdtempSync(path.join(tmpdir(), 'isms-synth-'));
    // `cdk synth` runs `npx tsx bin/app.ts` (cdk.json); node with tsx's loader runs the same module in one process, where the
    // tsx CLI starts a second node for it (about 1.5 s more per run).
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      // What the cdk CLI hands the app: context and an output folder; no bundling, as in the other synth-only tests.
      // Nor CloudFormation's built-in validation (about 2 s of the child's CPU): without cdk.json's context it only warns,
      // never on a 'warning:' line, and the cdk-nag test of stack.test.ts validates this stack with cdk.json's context.
      env: {
        ...process.env,
        CDK_OUTDIR: out,
        CDK_VALIDATION: 'false',
        CDK_CONTEXT_JSON: JSON.stringify({ bu: 'example-emea', 'aws:cdk:bundling-stacks': [] }),
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const warnings = run.stderr.split('\n').filter((l) => l.includes('warning:'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^config\/business-units\/example-apac\.json: warning: resourceApproval\.levels: Mei Lin <mei\.lin@example\.com> holds roles in levels 1, 2 /,
      ),
      // Issue 19, finding 4: example addresses cannot work once deployed; each unit is named, and synth goes on.
      expect.stringMatching(
        /^config\/business-units\/example-apac\.json: warning: sender: isms-apac@example\.com of unit example-apac is at example\.com/,
      ),
      expect.stringMatching(
        /^config\/business-units\/example-apac\.json: warning: ismsManager\.email: .* of unit example-apac is at example\.com/,
      ),
      expect.stringMatching(
        /^config\/business-units\/example-emea\.json: warning: resourceApproval\.levels: Clara Weber <clara\.weber@example\.com> holds roles in levels 1, 2, 3 /,
      ),
      expect.stringMatching(
        /^config\/business-units\/example-emea\.json: warning: sender: isms-emea@example\.com of unit example-emea is at example\.com/,
      ),
      expect.stringMatching(
        /^config\/business-units\/example-emea\.json: warning: ismsManager\.email: .* of unit example-emea is at example\.com/,
      ),
    ]);
    expect(existsSync(path.join(out, 'IsmsLeadership-example-emea.template.json'))).toBe(true);
  }, 60_000);
});
