// Content fingerprints (issue 15): each decision is bound to the SHA-256 of exactly what its decider was shown.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** SHA-256 (hex) of a value's canonical JSON (RFC 8785). */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

/** How people see a fingerprint: its first 12 hex characters (the export has it in full). */
export const shortFingerprint = (hex: string | undefined): string => (hex ? hex.slice(0, 12) : '');

/** What a review decision is on: the compiled pack (ReviewPack), all of it, as stored. */
export const packFingerprint = (pack: object): string => fingerprint(pack);

/** The fields of a request as submitted: what its approvers decide on (routing and state are not part of it). */
export const REQUEST_CONTENT_FIELDS = [
  'requestId',
  'bu',
  'category',
  'title',
  'justification',
  'amount',
  'currency',
  'requester',
  'submittedBy',
  'reviewPeriod',
  'submittedAt',
] as const;

export function requestFingerprint(request: Record<string, unknown>): string {
  return fingerprint(Object.fromEntries(REQUEST_CONTENT_FIELDS.map((f) => [f, request[f]])));
}
