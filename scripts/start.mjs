// `npm start`: the local runtime from its bundle (dist/start), built first when a source changed; the CLI's bundle too,
// so that the commands a person runs next answer at once. Plain JavaScript: no TypeScript is compiled at start.
import { pathToFileURL } from 'node:url';
import { ensureBuilt } from './build.mjs';

const log = (line) => console.error(line);
let start;
try {
  [start] = await Promise.all([ensureBuilt('start', { log }), ensureBuilt('cli', { log })]);
} catch (err) {
  console.error(`Cannot start: ${err.message}`);
  process.exit(1);
}
await import(pathToFileURL(start).href);
