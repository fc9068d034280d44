// State machine definitions: the .asl.json files with their numbers filled from the unit's config.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { timing, type BusinessUnitConfig } from '../core/config';
import type { WorkflowName } from '../core/names';

export const STATEMACHINE_DIR = path.join(import.meta.dirname, '..', 'statemachines');
export const WORKFLOWS: readonly WorkflowName[] = ['management-review', 'resource-approval', 'policy-approval'];

/** Numbers known at synth time per unit. CloudFormation substitutions carry strings, so we fill these ourselves. */
export function numericSubstitutions(unit: BusinessUnitConfig): Record<string, number> {
  const t = timing(unit);
  return {
    ReminderIntervalSeconds: t.reminderIntervalSeconds,
    MaxReminders: t.maxReminders,
    LinkLifetimeSeconds: t.linkLifetimeSeconds,
    AfterEscalationSeconds: t.afterEscalationSeconds,
  };
}

/** Replaces `"${Name}"` (a whole JSON string) with the number, leaving ARN/name placeholders for CDK or the local runtime. */
export function fillNumbers(text: string, numbers: Record<string, number>): string {
  return text.replace(/"\$\{([A-Za-z0-9]+)\}"/g, (whole, name: string) => (name in numbers ? String(numbers[name]) : whole));
}

export function definitionText(workflow: WorkflowName, unit: BusinessUnitConfig, dir = STATEMACHINE_DIR): string {
  const text = readFileSync(path.join(dir, `${workflow}.asl.json`), 'utf8');
  return fillNumbers(text, numericSubstitutions(unit));
}

/** The placeholders still in a definition: each must be given by definitionSubstitutions. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]))].sort();
}

/** What CloudFormation does with DefinitionSubstitutions; the local runtime uses it with local ARNs. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (_whole, name: string) => {
    if (!(name in values)) throw new Error(`No value for placeholder \${${name}}`);
    return values[name];
  });
}
