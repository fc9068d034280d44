// The version of the shape of stored items: every item written carries it, and each unit's data records the version its
// migrations reached. A change that moves or reshapes stored data raises it and ships a migration (lambdas/shared/migrations/).

/** The version this code writes and reads. Items without `schemaVersion` were written before versions: version 0. */
export const SCHEMA_VERSION = 1;

/** The attribute every stored item carries. */
export const SCHEMA_VERSION_ATTRIBUTE = 'schemaVersion';

/**
 * The unit's data version (`version`, mutable, in the evidence table) and the migration lock beside it. Their partition
 * is no subject's, so no export, tally or listing meets them.
 */
export const schemaKeys = {
  version: { pk: 'SCHEMA', sk: 'VERSION' },
  lock: { pk: 'SCHEMA', sk: 'LOCK' },
} as const;

/** The version an item was written at: its attribute, or 0 for items written before versions. */
export function itemSchemaVersion(item: Record<string, unknown>): number {
  const v = item[SCHEMA_VERSION_ATTRIBUTE];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}
