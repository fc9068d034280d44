// What happens after a recorded decision, in words, from the stored subject and its recorded decisions only: the page
// never guesses ("1 of 2 approvals so far; the review closes at 2", "passed to Farid Haddad (CFO) for level 2").
import type { DecisionRecord } from './decisions';
import { levelDecision } from './request';
import { tally } from './review-tally';
import type { RequestItem, ReviewItem } from './subjects';

/** What the confirmation page says before someone chooses "Request changes": what the code does with it. */
export function requestChangesMeaning(args: {
  requiredApprovals?: number;
  members?: number;
  /** Who owns review actions: the unit's actionOwner, else its ISMS manager (as buildMinutes assigns them). */
  owner?: { name: string; role: string };
}): string {
  const quorum =
    typeof args.requiredApprovals === 'number'
      ? `The review can still be approved: it closes approved once ${args.requiredApprovals} of the ${args.members} members approve (if everyone has answered with fewer approvals, it closes not approved).`
      : 'The review can still be approved if enough other members approve.';
  const owner = args.owner ? `${args.owner.name} (${args.owner.role})` : 'the ISMS manager';
  return (
    `"Request changes" does not approve the review. ${quorum} ` +
    `Either way, when the review closes its minutes record an action for ${owner} to address the changes you request, ` +
    'quoting your comment and due by the next review: say in the comment what should change.'
  );
}

/** Sentences for the page shown after the decision (and on every later visit of the link). */
export function whatHappensNext(
  subject: Record<string, unknown> | undefined,
  decisions: DecisionRecord[],
  record: DecisionRecord,
): string[] {
  if (!subject) return [];
  if (subject.kind === 'review') return reviewNext(subject as unknown as ReviewItem, decisions);
  if (subject.kind === 'request') return requestNext(subject as unknown as RequestItem, decisions, record);
  return [];
}

function reviewNext(review: ReviewItem, decisions: DecisionRecord[]): string[] {
  if (!Array.isArray(review.members) || typeof review.requiredApprovals !== 'number') return [];
  const t = tally(review, decisions);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const lines: string[] = [];
  if (t.approvals >= t.required) {
    lines.push(
      `${t.approvals} of ${t.required} approvals: the quorum is reached, so the review closes approved${
        t.undecided.length ? '; members who have not decided are no longer asked' : ''
      }.`,
    );
  } else if (t.quorumImpossible) {
    lines.push(
      `${plural(t.approvals, 'approval')} so far and ${plural(t.undecided.length, 'member')} still to decide: the quorum of ${t.required} can no longer be reached, so the review closes not approved once every member has answered or the links expire.`,
    );
  } else {
    const waiting = t.undecided.map((m) => m.name);
    lines.push(
      `${t.approvals} of ${plural(t.required, 'approval')} so far; the review closes at ${t.required}.${
        waiting.length ? ` Still to decide: ${waiting.join(', ')}.` : ''
      }`,
    );
  }
  lines.push('You will get the minutes by email when the review closes.');
  return lines;
}

function requestNext(request: RequestItem, decisions: DecisionRecord[], record: DecisionRecord): string[] {
  const levels = Array.isArray(request.levels) ? request.levels : [];
  const index = record.level ?? request.currentLevel;
  const counted = levelDecision(request, index, decisions);
  // The level's decision that counts is the earliest recorded one: say so if another click came first.
  if (counted && counted.decisionId !== record.decisionId) {
    return [`An earlier decision on level ${index + 1} counts (${counted.choice === 'approve' ? 'approved' : 'rejected'}).`];
  }
  const requester = request.requester ? ` ${request.requester}` : '';
  if (record.choice !== 'approve') return [`The request is rejected at level ${index + 1}; the requester${requester} is told by email.`];
  const next = levels.find((l) => l.index === index + 1) ?? levels[index + 1];
  if (!next) return [`The request is approved at every level it needs; the requester${requester} is told by email.`];
  return [
    `Level ${index + 1} of ${levels.length} approved. The request is passed to ${next.approver.name} (${next.name}) for level ${next.index + 1}.`,
  ];
}
