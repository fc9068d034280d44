// Test runner settings: one project per cost layer, each with its own script (`npm run test:<layer>`); `npm test`
// runs every layer as one project "all" (below). The folder of a test file is its layer:
//   pure      no emulator, no synth, no server: domain logic, config, CLI against mocked SDK clients
//   handlers  Lambda handlers on dynalite (one per worker, in process) and the SES emulator (one per run: emulators.setup.ts)
//   cdk       synth, assertions, cdk-nag, the one real bundling
//   workflow  both workflows end to end on the local runtime (Step Functions, emulators, decision pages)
//   local     the local runtime's own services and `npm start`
//   e2e       a real browser (Chromium) on the local runtime
import { defineConfig } from 'vitest/config';
import LongestFirst from './tests/support/sequencer.ts';

const LAYERS = ['pure', 'handlers', 'cdk', 'workflow', 'local', 'e2e'] as const;
/**
 * Layers are projects only when a run names one (`--project pure`). Vitest reuses a worker only for files of the same
 * project, so `npm test` with six projects, longest file first across them, ended a worker at nearly every file and
 * started another that imported aws-cdk-lib, the SDK and the local runtime again: 53 worker processes for 86 files
 * (counted with pgrep while `npx vitest run` named all six). As one project, 3 workers run them all: 118 s and 178 s
 * of CPU against 152 s and 252 s (`/usr/bin/time npx vitest run`, one run each, 2 cores).
 */
const selectsLayer = process.argv.some((a) => a === '--project' || a.startsWith('--project='));

export default defineConfig({
  test: {
    // Two cores here and on CI. Workflow files wait on real reminder timers, so a third worker uses the CPU they leave
    // idle; the suite is now mostly CPU (~230 s of it), so 2 and 3 workers come out close: `SUITE_ROUNDS=3 npm run bench --
    // suite` gave 126, 128, 157 s with 3 and 125, 153 s with 2 (a third round of 2 was disturbed); kept at 3.
    // The pure layer alone waits on nothing, so `npm run test:pure` runs one worker per core (--maxWorkers=100%):
    // 4.2 s here against 5.6-6.0 s with 3 workers (vitest's duration, 3 runs each).
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Longest files first across layers, so that no long file starts last (tests/support/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    // The handlers' JSON log lines out of the output (ISMS_TEST_LOGS=1 prints them): tests/support/quiet-logs.ts.
    setupFiles: ['tests/support/quiet-logs.ts'],
    projects: (selectsLayer ? LAYERS : (['all'] as const)).map((name) => ({
      extends: true,
      test: {
        name,
        include: name === 'all' ? LAYERS.map((l) => `tests/${l}/**/*.test.ts`) : [`tests/${name}/**/*.test.ts`],
        ...(name === 'handlers' || name === 'all' ? { globalSetup: ['tests/support/emulators.setup.ts'] } : {}),
        // Every file leaves nothing behind (servers closed, patched streams and env restored, each test its own App,
        // tables or local runtime, each runtime a fresh SES inbox: local/runtime.ts): one process per worker imports the
        // shared modules once. aws-cdk-lib alone is ~2 s of CPU per file, a local runtime's modules ~1 s.
        isolate: false,
      },
    })),
  },
});
