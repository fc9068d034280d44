// What a migration is. Rule: a migration never rewrites an immutable evidence record (decisions, events, packs,
// minutes, inputs, sent-marks: sealed evidence hashes them as written); it may add items and reshape mutable state
// items (a review, a request, an action). Its code is frozen with its number: it names keys and attributes as they
// were at its version, not through core/, whose shapes move on.
import type { Runtime } from '../runtime';

export interface Migration {
  /** The data version after it; migrations run in this order, each once. */
  to: number;
  /** One line for the `schema.migrated` evidence. */
  description: string;
  /** Idempotent: run again on migrated data, it changes nothing. Returns the items it changed, by kind. */
  run(rt: Runtime): Promise<Record<string, number>>;
}
