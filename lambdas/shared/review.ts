// Management review domain (placeholder signature; the review workflow fills it in).
import type { DecisionRecord } from './links';

export function reviewWaitOutcome(_subject: Record<string, any>, _decisions: DecisionRecord[]): { complete: boolean; output: Record<string, unknown> } {
  throw new Error('reviewWaitOutcome: to be written with the management review workflow');
}
