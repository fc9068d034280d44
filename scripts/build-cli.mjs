// Builds the `isms` CLI into dist/cli (esbuild: ESM, one chunk per command module) and says whether a build is current.
// Plain JavaScript, so that bin/isms-cli/isms.mjs can run it from a fresh clone without tsx, and without an install script.
//
//   node scripts/build-cli.mjs             build now
//   node scripts/build-cli.mjs --if-stale  build only when a source changed since the last build (npm start, npm test)
//
// Freshness is cheap: the stamp (dist/cli/current.json) lists the build's own inputs (esbuild's metafile) with the time
// the build started. A call stats those files (about 100) and compares; only when one is newer does it hash their
// contents, and only when the hash differs does it build again (a `git checkout` that touches files without changing
// them costs a hash, not a build). node_modules is represented by npm's lock files.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_DIST = path.join(ROOT, 'dist', 'cli');
const STAMP = path.join(CLI_DIST, 'current.json');
const ENTRY = 'bin/isms.ts';
/** Dependencies are bundled, so a change of node_modules (npm ci, npm install) must rebuild: npm rewrites these files. */
const ALWAYS_WATCHED = ['package.json', 'package-lock.json', 'node_modules/.package-lock.json', 'scripts/build-cli.mjs'];
/** Builds that another process may still be importing chunks from (a long `evidence export`) are kept this long. */
const KEEP_OLD_BUILDS_MS = 10 * 60_000;

/**
 * @typedef {{ dir: string, hash: string, startedAt: number, inputs: string[] }} Stamp
 */

/** @returns {Stamp | undefined} */
function readStamp() {
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
    return existsSync(path.join(CLI_DIST, stamp.dir, 'isms.js')) ? stamp : undefined;
  } catch {
    return undefined;
  }
}

function writeStamp(stamp) {
  const tmp = `${STAMP}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, JSON.stringify(stamp, null, 1));
  renameSync(tmp, STAMP); // atomic: a concurrent reader sees the old stamp or the new one
}

/** Content hash of the inputs; a missing file hashes as missing (a deleted source makes the build stale). */
function hashInputs(inputs) {
  const h = createHash('sha256');
  for (const f of [...new Set([...inputs, ...ALWAYS_WATCHED])].sort()) {
    h.update(`${f}\0`);
    try {
      h.update(readFileSync(path.join(ROOT, f)));
    } catch {
      h.update('\0missing\0');
    }
  }
  return h.digest('hex').slice(0, 16);
}

/** True when no input is newer than the build; checks the hash only when some mtime moved. */
function isFresh(stamp) {
  let newest = 0;
  for (const f of [...stamp.inputs, ...ALWAYS_WATCHED]) {
    try {
      newest = Math.max(newest, statSync(path.join(ROOT, f)).mtimeMs);
    } catch (err) {
      // A missing lock file is a state of its own (the hash records it); a missing source is a change.
      if (!ALWAYS_WATCHED.includes(f) || err.code !== 'ENOENT') return false;
    }
    if (newest > stamp.startedAt) break;
  }
  if (newest <= stamp.startedAt) return true;
  if (hashInputs(stamp.inputs) !== stamp.hash) return false;
  writeStamp({ ...stamp, startedAt: Date.now() }); // same content: remember, so the next call does not hash again
  return true;
}

/**
 * esbuild bundles our TypeScript and the dependencies (one file per chunk loads faster than node_modules' many files),
 * so `import.meta.dirname` of a source file would be the bundle's folder: it is replaced by that source file's folder,
 * computed from where the chunk lies (dist/cli/<build>/), so that the repository can move after a build.
 */
const sourceDirname = {
  name: 'source-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const rel = path.relative(ROOT, path.dirname(args.path));
      if (rel.startsWith('..') || rel.split(path.sep)[0] === 'node_modules') return undefined;
      const contents = readFileSync(args.path, 'utf8').replaceAll(
        'import.meta.dirname',
        `__isms_fileURLToPath(new URL(${JSON.stringify(`../../../${rel.split(path.sep).join('/')}`)}, import.meta.url))`,
      );
      return { contents, loader: 'ts' };
    });
  },
};

/** Builds into a fresh folder, moves it into place and points the stamp at it; safe when several processes build at once. */
export async function buildCli({ log = () => {} } = {}) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('Cannot build the isms CLI: esbuild is not installed. Run `npm ci` (or `npm install`) first.');
  }
  const startedAt = Date.now();
  mkdirSync(CLI_DIST, { recursive: true });
  const tmp = path.join(CLI_DIST, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { isms: ENTRY },
    outdir: tmp,
    bundle: true,
    // Each command module is imported by the manifest on demand: splitting makes it (and the SDK clients only it uses)
    // a chunk of its own, so `isms --help` loads the manifest and nothing else.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // The SDK is published as CommonJS: its require() of Node's modules needs a real require in each ESM chunk.
    banner: {
      js: [
        "import { createRequire as __isms_createRequire } from 'node:module';",
        "import { fileURLToPath as __isms_fileURLToPath } from 'node:url';",
        'const require = __isms_createRequire(import.meta.url);',
      ].join(' '),
    },
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceDirname],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => !f.startsWith('node_modules/') && !f.includes('/node_modules/'))
    .sort();
  const hash = hashInputs(inputs);
  const dir = `build-${hash}`;
  try {
    renameSync(tmp, path.join(CLI_DIST, dir));
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process built the same sources first
  }
  writeStamp({ dir, hash, startedAt, inputs });
  removeOldBuilds(dir);
  log(`isms CLI built in ${Date.now() - startedAt} ms (dist/cli/${dir})`);
  return path.join(CLI_DIST, dir, 'isms.js');
}

function removeOldBuilds(current) {
  for (const name of readdirSync(CLI_DIST)) {
    if (name === current || name === 'current.json' || name.startsWith('current.json.')) continue;
    const full = path.join(CLI_DIST, name);
    try {
      if (Date.now() - statSync(full).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(full, { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}

/** The built CLI's entry file, built first if missing or stale. */
export async function ensureCliBuilt(opts = {}) {
  const stamp = readStamp();
  if (stamp && isFresh(stamp)) return path.join(CLI_DIST, stamp.dir, 'isms.js');
  return buildCli(opts);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const ifStale = process.argv.includes('--if-stale');
  const log = (line) => console.error(line);
  (ifStale ? ensureCliBuilt({ log }) : buildCli({ log })).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
