// Builds what people run as JavaScript, with esbuild (ESM, code splitting), and says whether a build is current:
//   cli    the `isms` CLI (bin/isms.ts) into dist/cli: one chunk per command module, so a command loads only its own code
//   start  the local runtime of `npm start` (local/start.ts, and each Lambda handler it imports by path) into dist/start
// Plain JavaScript, so that bin/isms-cli/isms.mjs and scripts/start.mjs run it from a fresh clone without tsx and
// without an install script.
//
//   node scripts/build.mjs             build both now
//   node scripts/build.mjs --if-stale  build only what a changed source concerns
//
// Freshness is cheap: each target's stamp (dist/<target>/current.json) lists the build's own inputs (esbuild's
// metafile) with the time the build started. A call stats those files (about 100) and compares; only when one is newer
// does it hash their contents, and only when the hash differs does it build again (a `git checkout` that touches files
// without changing them costs a hash, not a build). node_modules is represented by npm's lock files.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// node:crypto costs ~10 ms to load, and a fresh build (the common case) needs none of it.
const crypto = () => createRequire(import.meta.url)('node:crypto');

export const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Dependencies are bundled, so a change of node_modules (npm ci, npm install) must rebuild: npm rewrites these files. */
const ALWAYS_WATCHED = ['package.json', 'package-lock.json', 'node_modules/.package-lock.json', 'scripts/build.mjs'];
/** Builds that another process may still be importing chunks from (a long `evidence export`) are kept this long. */
const KEEP_OLD_BUILDS_MS = 10 * 60_000;

/**
 * What each target bundles. `main` is the file a caller imports. The local runtime imports each Lambda handler by its
 * catalogue path (core/functions.ts), so every handler is an entry of its own, built beside start.js as
 * lambdas/<name>.js (local/start.ts points the runtime there); dynalite and the SES emulator are required at run time
 * and stay in node_modules (native LevelDB bindings, template files read from their folders).
 */
export const TARGETS = {
  cli: { main: 'isms.js', entryPoints: () => ({ isms: 'bin/isms.ts' }), external: [] },
  start: {
    main: 'start.js',
    entryPoints: () => ({
      start: 'local/start.ts',
      ...Object.fromEntries(
        readdirSync(path.join(ROOT, 'lambdas'))
          .filter((f) => f.endsWith('.ts'))
          .map((f) => [`lambdas/${f.slice(0, -3)}`, `lambdas/${f}`]),
      ),
    }),
    external: ['dynalite', 'aws-ses-v2-local'],
  },
};

const distOf = (target) => path.join(ROOT, 'dist', target);
const stampOf = (target) => path.join(distOf(target), 'current.json');

/**
 * @typedef {{ dir: string, hash: string, startedAt: number, inputs: string[] }} Stamp
 */

/** @returns {Stamp | undefined} */
function readStamp(target) {
  try {
    const stamp = JSON.parse(readFileSync(stampOf(target), 'utf8'));
    return existsSync(path.join(distOf(target), stamp.dir, TARGETS[target].main)) ? stamp : undefined;
  } catch {
    return undefined;
  }
}

function writeStamp(target, stamp) {
  const file = stampOf(target);
  const tmp = `${file}.${process.pid}.${crypto().randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, JSON.stringify(stamp, null, 1));
  renameSync(tmp, file); // atomic: a concurrent reader sees the old stamp or the new one
}

/** Content hash of the inputs; a missing file hashes as missing (a deleted source makes the build stale). */
function hashInputs(inputs) {
  const h = crypto().createHash('sha256');
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
function isFresh(target, stamp) {
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
  writeStamp(target, { ...stamp, startedAt: Date.now() }); // same content: remember, so the next call does not hash again
  return true;
}

/**
 * Dependencies are bundled too (one file per chunk loads faster than node_modules' many files), so `import.meta.dirname`
 * of a source file would be the folder of whichever chunk its code lands in: it is replaced by that source file's own
 * folder, joined to the repository root that each chunk's banner finds above its dist/<target>/ (so that the repository
 * may move after a build).
 */
const sourceDirname = {
  name: 'source-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const rel = path.relative(ROOT, path.dirname(args.path));
      if (rel.startsWith('..') || rel.split(path.sep)[0] === 'node_modules') return undefined;
      const contents = readFileSync(args.path, 'utf8').replaceAll(
        'import.meta.dirname',
        `__isms_path.join(__isms_root, ${JSON.stringify(rel.split(path.sep).join('/'))})`,
      );
      return { contents, loader: 'ts' };
    });
  },
};

/** Builds a target into a fresh folder, moves it into place and points the stamp at it; safe when processes race. */
export async function build(target, { log = () => {} } = {}) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('Cannot build: esbuild is not installed. Run `npm ci` (or `npm install`) first.');
  }
  const spec = TARGETS[target];
  const startedAt = Date.now();
  const dist = distOf(target);
  mkdirSync(dist, { recursive: true });
  const tmp = path.join(dist, `.tmp-${process.pid}-${crypto().randomBytes(4).toString('hex')}`);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: spec.entryPoints(),
    outdir: tmp,
    bundle: true,
    // A module imported with import() (a command module of cli/manifest.ts) becomes a chunk of its own, with the SDK
    // clients only it uses, so `isms --help` loads the manifest and nothing else.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external: spec.external,
    // The SDK is published as CommonJS: its require() of Node's modules needs a real require in each ESM chunk.
    banner: {
      js: [
        "import { createRequire as __isms_createRequire } from 'node:module';",
        "import { fileURLToPath as __isms_fileURLToPath } from 'node:url';",
        "import __isms_path from 'node:path';",
        'const require = __isms_createRequire(import.meta.url);',
        "const __isms_root = __isms_fileURLToPath(import.meta.url).replace(/[\\\\/]dist[\\\\/][a-z]+[\\\\/]build-[^\\\\/]+[\\\\/].*$/, '');",
      ].join(' '),
    },
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceDirname],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => !f.startsWith('node_modules/') && !f.includes('/node_modules/'))
    .sort();
  // What each chunk imports, for tests/local/cli-bundle.test.ts (a command loads only its own module and SDK clients).
  writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(result.metafile));
  const hash = hashInputs(inputs);
  const dir = `build-${hash}`;
  try {
    renameSync(tmp, path.join(dist, dir));
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process built the same sources first
  }
  writeStamp(target, { dir, hash, startedAt, inputs });
  removeOldBuilds(dist, dir);
  log(`${target === 'cli' ? 'isms CLI' : 'local runtime'} built in ${Date.now() - startedAt} ms (dist/${target}/${dir})`);
  return path.join(dist, dir, spec.main);
}

function removeOldBuilds(dist, current) {
  for (const name of readdirSync(dist)) {
    if (name === current || name.startsWith('current.json')) continue;
    const full = path.join(dist, name);
    try {
      if (Date.now() - statSync(full).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(full, { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}

/** The target's main file, built first if missing or stale. */
export async function ensureBuilt(target, opts = {}) {
  const stamp = readStamp(target);
  if (stamp && isFresh(target, stamp)) return path.join(distOf(target), stamp.dir, TARGETS[target].main);
  return build(target, opts);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const ifStale = process.argv.includes('--if-stale');
  const log = (line) => console.error(line);
  Promise.all(Object.keys(TARGETS).map((t) => (ifStale ? ensureBuilt(t, { log }) : build(t, { log })))).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
