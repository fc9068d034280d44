// The evidence export for an audit: audit events of a time range and every item of the reviews and requests they concern.
import { GSI1, gsi1 } from '../../core/keys';
import { queryAll } from './store';
import type { Runtime } from './runtime';

/** Attributes that are secrets or workflow plumbing, never evidence: they never leave the table. */
const NOT_EVIDENCE = new Set(['taskToken', 'secretHashes']);

export interface EvidenceExport {
  format: 'isms-leadership/evidence-export@1';
  bu: string;
  unitName: string;
  table: string;
  exportedAt: string;
  from: string;
  to: string;
  /** Audit events in time order: decisions, reminders, escalations, state changes. */
  events: Record<string, unknown>[];
  /** Every item of each review, request and action an event names (pack, inputs, decisions, minutes...), by partition. */
  subjects: Record<string, Record<string, unknown>[]>;
}

/** Months "YYYY-MM" from `from` to `to`, both included. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [y, m] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  if (y * 12 + m > ty * 12 + tm) throw new Error(`--from ${from} is after --to ${to}`);
  while (y * 12 + m <= ty * 12 + tm) {
    months.push(`${y}-${String(m).padStart(2, '0')}`);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  return months;
}

export function withoutSecrets(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !NOT_EVIDENCE.has(k)));
}

/** Reads by index and partition only (no scan): one query per month of events, one per subject. */
export async function exportEvidence(rt: Runtime, range: { from: string; to: string }): Promise<EvidenceExport> {
  const events: Record<string, unknown>[] = [];
  for (const month of monthsBetween(range.from, range.to)) events.push(...(await auditEventsOfMonth(rt, month)));
  const subjects: EvidenceExport['subjects'] = {};
  for (const pk of [...new Set(events.map((e) => String(e.subject)))].sort()) {
    // The subject's own events are already in `events`; keep the partition's other evidence here.
    subjects[pk] = (await subjectEvidence(rt, pk)).filter((i) => i.kind !== 'event');
  }
  return {
    format: 'isms-leadership/evidence-export@1',
    bu: rt.config.id,
    unitName: rt.config.name,
    table: rt.tableName,
    exportedAt: rt.now().toISOString(),
    from: range.from,
    to: range.to,
    events: events.map(withoutSecrets),
    subjects,
  };
}

/** Every item of one subject's partition (a review, a request, a policy submission), as an export shows it: no secrets. */
export async function subjectEvidence(rt: Runtime, pk: string): Promise<Record<string, unknown>[]> {
  const items = await queryAll<Record<string, unknown>>(rt, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ConsistentRead: true,
  });
  return items.map(withoutSecrets);
}

/** One month's audit events of the unit (`YYYY-MM`), by the audit index: what the export and the local console list. */
export function auditEventsOfMonth(rt: Runtime, month: string): Promise<Record<string, unknown>[]> {
  return queryAll<Record<string, unknown>>(rt, {
    IndexName: GSI1,
    KeyConditionExpression: 'gsi1pk = :p',
    ExpressionAttributeValues: { ':p': gsi1.audit(`${month}-01T00:00:00.000Z`, '').gsi1pk },
  });
}
