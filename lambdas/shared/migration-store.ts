// The unit's data version and the migration lock: two mutable items in the evidence table's SCHEMA partition.
import { schemaKeys, SCHEMA_VERSION } from '../../core/schema-version';
import type { Runtime } from './runtime';
import { getItem, updateOnce } from './store';

export interface MigrationLock {
  owner: string;
  lockedAt: string;
  expiresAt: string;
}

/** The version the unit's data is at: 0 when no migration ever ran (data written before versions, or no data yet). */
export async function readDataVersion(rt: Runtime): Promise<number> {
  return (await getItem<{ version?: number }>(rt, schemaKeys.version))?.version ?? 0;
}

/**
 * Takes the lock for `owner` until `expiresAt`, unless someone else holds it unexpired (then answers their lock). The same
 * owner may take it again: a retried invocation of one deploy is not a second deploy. Nothing deletes items, so a lock
 * is released by expiring it.
 */
export async function acquireMigrationLock(
  rt: Runtime,
  owner: string,
  ttlSeconds: number,
): Promise<{ acquired: true } | { acquired: false; holder?: MigrationLock }> {
  const now = rt.now();
  const lock = { owner, lockedAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString() };
  const done = await updateOnce(rt, {
    Key: schemaKeys.lock,
    UpdateExpression: 'SET #owner = :owner, lockedAt = :at, expiresAt = :exp, schemaVersion = :sv',
    ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :at OR #owner = :owner',
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: { ':owner': owner, ':at': lock.lockedAt, ':exp': lock.expiresAt, ':sv': SCHEMA_VERSION },
  });
  if (done) return { acquired: true };
  return { acquired: false, holder: await getItem<MigrationLock>(rt, schemaKeys.lock) };
}

/** Expires the lock now, if `owner` still holds it. */
export async function releaseMigrationLock(rt: Runtime, owner: string): Promise<void> {
  await updateOnce(rt, {
    Key: schemaKeys.lock,
    UpdateExpression: 'SET expiresAt = :now',
    ConditionExpression: '#owner = :owner',
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: { ':owner': owner, ':now': rt.now().toISOString() },
  });
}

/** Records that the data reached `to`; never moves the version back. */
export async function recordDataVersion(rt: Runtime, to: number): Promise<void> {
  await updateOnce(rt, {
    Key: schemaKeys.version,
    UpdateExpression: 'SET version = :to, migratedAt = :at, schemaVersion = :sv',
    ConditionExpression: 'attribute_not_exists(version) OR version < :to',
    ExpressionAttributeValues: { ':to': to, ':at': rt.now().toISOString(), ':sv': SCHEMA_VERSION },
  });
}
