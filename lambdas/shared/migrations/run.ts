// Runs the migrations a unit's data still needs, once, under the migration lock, and records each as `schema.migrated`.
import { SCHEMA_VERSION } from '../../../core/schema-version';
import { recordEventOnce } from '../audit';
import { acquireMigrationLock, readDataVersion, recordDataVersion, releaseMigrationLock } from '../migration-store';
import type { Runtime } from '../runtime';
import { MIGRATIONS } from './index';
import type { Migration } from './migration';

export interface MigrationRun {
  from: number;
  to: number;
  /** Per migration applied: its target version and the items it changed, by kind. */
  applied: Array<{ to: number; description: string; touched: Record<string, number> }>;
}

/** The unit's data was migrated by a newer release than this code. */
export class DataNewerThanCode extends Error {
  override name = 'DataNewerThanCode';
}

/** Longer than any migration should take; a crashed run's lock frees itself after this. */
export const LOCK_SECONDS = 15 * 60;

/**
 * Brings the unit's data to SCHEMA_VERSION. `owner` names this run (a deploy's request id, "npm start"): while another
 * owner's lock is unexpired, it throws naming them and changes nothing. Data newer than this code is refused: this code
 * would misread it.
 */
export async function migrateUnit(rt: Runtime, owner: string, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationRun> {
  const lock = await acquireMigrationLock(rt, owner, LOCK_SECONDS);
  if (!lock.acquired) {
    const h = lock.holder;
    throw new Error(
      `Another migration of ${rt.tableName} is running (${h ? `by ${h.owner} since ${h.lockedAt}, lock until ${h.expiresAt}` : 'lock held'}); deploy again after it ends.`,
    );
  }
  try {
    const from = await readDataVersion(rt);
    if (from > SCHEMA_VERSION) {
      throw new DataNewerThanCode(
        `The data of ${rt.tableName} is at schema version ${from}, newer than this code's ${SCHEMA_VERSION}: deploy that release or a later one.`,
      );
    }
    const applied: MigrationRun['applied'] = [];
    let at = from;
    for (const m of [...migrations].sort((a, b) => a.to - b.to)) {
      if (m.to <= at || m.to > SCHEMA_VERSION) continue;
      const touched = await m.run(rt);
      // The evidence before the version: a run that dies between the two runs this migration again (it is idempotent)
      // and finds its event by the deterministic id, so it is recorded once and never lost.
      await recordEventOnce(rt, {
        type: 'schema.migrated',
        subjectPk: 'SCHEMA',
        actor: owner,
        eventId: `schema-migrated-${m.to}`,
        detail: { from: at, to: m.to, migration: m.description, itemsTouched: touched },
      });
      await recordDataVersion(rt, m.to);
      applied.push({ to: m.to, description: m.description, touched });
      at = m.to;
    }
    return { from, to: at, applied };
  } finally {
    await releaseMigrationLock(rt, owner);
  }
}
