// Business-unit config files: reads config/business-units/*.json and validates each with the schema (core/config.ts).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, configWarnings, validateUnit, type BusinessUnitConfig } from '../core/config';
import { linksTableName, stackName, tableName } from '../core/names';

export const CONFIG_DIR = path.join(import.meta.dirname, '..', 'config', 'business-units');

/**
 * Loads every unit in `dir`; throws ConfigError listing every problem in every file. `warn` gets one line per
 * configWarnings of a valid unit ("file: warning: …"); synth and `npm start` print them, the CLI does not.
 * `more` adds warnings of the caller's own, in the same form (synth: deployWarnings, for example addresses).
 */
export function loadBusinessUnits(
  dir = CONFIG_DIR,
  warn?: (line: string) => void,
  more: (unit: BusinessUnitConfig) => string[] = () => [],
): BusinessUnitConfig[] {
  const rel = (f: string) => path.relative(process.cwd(), path.join(dir, f)) || f;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const problems: string[] = [];
  const units: BusinessUnitConfig[] = [];
  if (files.length === 0) problems.push(`${rel('')}: no business-unit files (*.json) found`);
  const seen = new Map<string, string>();
  for (const f of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    } catch (err) {
      problems.push(`${rel(f)}: is not valid JSON (${(err as Error).message})`);
      continue;
    }
    const result = validateUnit(raw, rel(f));
    problems.push(...result.problems);
    if (!result.unit) continue;
    const other = seen.get(result.unit.id);
    if (other) problems.push(`${rel(f)}: id: ${JSON.stringify(result.unit.id)} is already used by ${other}`);
    seen.set(result.unit.id, rel(f));
    units.push(result.unit);
    if (warn) for (const w of [...configWarnings(result.unit), ...more(result.unit)]) warn(`${rel(f)}: warning: ${w}`);
  }
  if (problems.length) throw new ConfigError(problems);
  return units;
}

/** The units selected by `-c bu=<id>` (or all); an unknown id names the known ones. */
export function selectUnits(units: BusinessUnitConfig[], id?: string): BusinessUnitConfig[] {
  if (!id) return units;
  const unit = units.find((u) => u.id === id);
  if (!unit) throw new Error(`Unknown business unit "${id}". Known units: ${units.map((u) => u.id).join(', ')}`);
  return [unit];
}

/**
 * Refuses units that would deploy the same stack (or a table of the same fixed name) into one account and region: the
 * second deploy would update, or fail on, the first unit's resources. A unit without `account`/`region` deploys where
 * the CLI's credentials point, which synth cannot know: such units are compared with each other only.
 */
export function checkDeployTargets(units: readonly BusinessUnitConfig[]): void {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const u of units) {
    const where = `${u.account ?? 'the default account'} / ${u.region ?? 'the default region'}`;
    for (const [what, name] of [
      ['stack', stackName(u.id)],
      ['evidence table', tableName(u.id)],
      ['links table', linksTableName(u.id)],
    ]) {
      const key = `${u.account ?? ''}/${u.region ?? ''}/${name}`;
      const other = seen.get(key);
      if (other !== undefined) {
        problems.push(
          `units ${JSON.stringify(other)} and ${JSON.stringify(u.id)} both deploy the ${what} ${name} to ${where}: give one of them another id, account or region`,
        );
      } else seen.set(key, u.id);
    }
  }
  if (problems.length) throw new ConfigError(problems);
}
