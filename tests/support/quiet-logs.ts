// Setup file of every test process: the handlers' JSON log lines (Powertools Logger writes them to stdout and stderr) stay
// out of the test output. A run printed about fifty, most of them the ERROR and WARN lines of refusals that tests provoke
// on purpose, which read like failures in a CI log. Tests that read log lines wrap process.stdout.write themselves, over
// this filter, and still see every line. ISMS_TEST_LOGS=1 prints them (`ISMS_TEST_LOGS=1 npx vitest run <file>`).
const INSTALLED = Symbol.for('isms-leadership.tests.quiet-logs');
const slot = globalThis as { [INSTALLED]?: boolean };

/** A line of Powertools Logger's JSON: `{"level":"ERROR","message":…,"service":…}`. */
const isLogLine = (chunk: unknown): boolean => typeof chunk === 'string' && chunk.startsWith('{"level":"') && chunk.includes('"service":"');

// Test files share their worker's process (vitest.config.ts, isolate: false): install once.
if (process.env.ISMS_TEST_LOGS !== '1' && !slot[INSTALLED]) {
  slot[INSTALLED] = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (!isLogLine(chunk)) return write(chunk, ...rest);
      (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
      return true;
    }) as typeof stream.write;
  }
}
