// What a deployed stack says it runs: the package version and a build id from the shipped source, so that `isms doctor`
// can tell whether a unit runs this checkout without git (a tarball, a CI artefact, an edited working copy).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(import.meta.dirname, '..');

/**
 * What goes into a stack: the code of the functions and workflows, the CDK that deploys them, and the dependency
 * versions. Not the unit configs (each stack carries its own), tests, docs or the CLI.
 */
const SHIPPED = ['core', 'lambdas', 'lib', 'statemachines', 'bin/app.ts', 'package.json', 'package-lock.json'];

function files(rel: string): string[] {
  const full = path.join(ROOT, rel);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(full);
  } catch {
    return [];
  }
  if (!stat.isDirectory()) return [rel];
  return readdirSync(full)
    .sort()
    .flatMap((name) => files(path.posix.join(rel, name)));
}

let cached: { version: string; buildId: string } | undefined;

/**
 * `version` from package.json; `buildId` the first 12 hex digits of a SHA-256 over every shipped file's path and
 * content, in sorted order: the same files give the same id on any machine.
 */
export function buildInfo(): { version: string; buildId: string; label: string } {
  if (!cached) {
    const hash = createHash('sha256');
    for (const rel of SHIPPED.flatMap(files)) {
      hash.update(`${rel}\0`);
      hash.update(readFileSync(path.join(ROOT, rel)));
      hash.update('\0');
    }
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    cached = { version, buildId: hash.digest('hex').slice(0, 12) };
  }
  return { ...cached, label: `${cached.version}+${cached.buildId}` };
}
