// Every migration, in order. Add the next one at the end with `to` one higher, and raise SCHEMA_VERSION with it.
import { markMutableItems } from './001-mark-mutable-items';
import type { Migration } from './migration';

export const MIGRATIONS: readonly Migration[] = [markMutableItems];
