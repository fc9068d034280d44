// Keeps a bad workflow definition from starting the local runtime without validating the same text at every start.
//
// The validator (asl-validator inside aws-local-stepfunctions) compiles its JSON schemas on every call: about 0.3 s a
// definition on an idle machine, and `npm start` registers two workflows per unit. What varies per unit is small: the
// numbers filled from its config (lib/definitions.ts) and the ARNs and names substituted for `${Placeholders}`. So:
//   1. the definition with its numbers filled and its placeholders still in it (the text CDK hands to CloudFormation) is
//      validated once per process, and a text that passed is remembered by its SHA-256 (with the validator's version)
//      in dist/validated-definitions/, so the next start skips it; a changed file or a unit's other timings is a new
//      text and is validated again, and a text that fails is never remembered, so it fails at every start;
//   2. each substituted value is checked cheaply: an ARN or name of letters, digits and `:/._-` cannot end its JSON
//      string or add a key, so the substituted definition has the structure that was validated.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { substitute } from '../lib/definitions';

/** The validator's version (its package.json is not exported: found beside its entry file). */
function validatorVersion(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve('aws-local-stepfunctions'));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return `aws-local-stepfunctions@${(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version}`;
}
const VALIDATOR = validatorVersion();
export const VALIDATED_DIR = path.join(import.meta.dirname, '..', 'dist', 'validated-definitions');

/** Texts validated in this process. */
const validated = new Set<string>();

const digest = (text: string) => createHash('sha256').update(`${VALIDATOR}\n${text}`).digest('hex');

/**
 * Throws the validator's problems, naming the workflow, unless `text` (a definition with its `${Placeholders}`) passed
 * before, in this process or in an earlier one (`dir`, or nothing remembered when dir is null).
 */
export function assertValidDefinition(text: string, label: string, dir: string | null = VALIDATED_DIR): void {
  if (validated.has(text)) return;
  const marker = dir === null ? undefined : path.join(dir, digest(text));
  if (marker && existsSync(marker)) {
    validated.add(text);
    return;
  }
  try {
    new StateMachine(JSON.parse(text), { validationOptions: { checkArn: false } });
  } catch (err) {
    throw new Error(`Workflow definition ${label}: ${(err as Error).message}`);
  }
  validated.add(text);
  if (marker) {
    try {
      mkdirSync(dir!, { recursive: true });
      writeFileSync(marker, `${label}\n`);
    } catch {
      // Remembering is an optimisation: a read-only checkout validates at every start instead.
    }
  }
}

/** An ARN or a name: nothing in it can close the JSON string it replaces a placeholder in. */
const SAFE_VALUE = /^[A-Za-z0-9:/._-]+$/;

/** The definition with its placeholders filled, each value first checked to be an ARN or a name. */
export function substituteChecked(text: string, values: Record<string, string>, label: string): string {
  for (const [name, value] of Object.entries(values)) {
    if (!SAFE_VALUE.test(value)) {
      throw new Error(`Workflow definition ${label}: the value for \${${name}} is not an ARN or a name: ${JSON.stringify(value)}`);
    }
  }
  return substitute(text, values);
}
