// Resource request domain (placeholder signature; the resource approval workflow fills it in).
import type { DecisionRecord } from './links';

export function requestWaitOutcome(_subject: Record<string, any>, _decisions: DecisionRecord[]): { complete: boolean; output: Record<string, unknown> } {
  throw new Error('requestWaitOutcome: to be written with the resource approval workflow');
}
