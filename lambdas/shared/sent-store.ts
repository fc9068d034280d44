// Resumable email fan-out (docs/architecture.md#every-fan-out-is-resumable): each recipient's copy of a named message is marked once SES took it, so a retry sends only what is missing.
import { gsi1, keys } from '../../core/keys';
import { sendCopy } from './email';
import { recipients, type Email } from '../../core/email';
import type { EmailAbout } from '../../core/email-delivery';
import type { Runtime } from './runtime';
import { getItem, putOnce } from './store';
import { count } from './observability';
import { METRIC } from '../../core/metrics';

/**
 * Evidence that one person was sent one message: in the subject's partition (`SENT#<message>#<recipient>`), written
 * once, never updated. `message` is deterministic per fan-out (`invitation-<decisionId>`, `reminder-2`, `minutes`), so
 * the retry of a step finds the copies its first attempt sent.
 */
export interface SentItem {
  pk: string;
  sk: string;
  kind: 'email-sent';
  message: string;
  /** The address as it was sent to (the key holds it case-folded). */
  recipient: string;
  subject: string;
  sesMessageId: string;
  sentAt: string;
  /** What the copy was for (its role, the decision its link belongs to): an SES event without tags is matched by sesMessageId to this. */
  about?: EmailAbout;
  /** gsi1: the copy by its SES message id (`EMAIL#<id>`), so that an event without our tags still finds its subject. */
  gsi1pk?: string;
  gsi1sk?: string;
}

export interface MessageRef {
  /** The review's or request's partition (or WORKFLOW#<execution>): the mark sits next to the evidence it belongs to. */
  subjectPk: string;
  message: string;
  /** What the email is for: tags on each copy and kept on its mark (core/email-delivery.ts). */
  about?: EmailAbout;
}

export interface FanOutResult {
  /** Copies sent by this call, in recipient order. */
  sent: SentItem[];
  /** Copies an earlier attempt had sent already. */
  skipped: SentItem[];
}

/** Attempts at the mark after SES accepted a copy: losing that write costs the recipient a duplicate, so it is worth retrying. */
const MARK_ATTEMPTS = 3;

export const sentCopy = (rt: Runtime, ref: MessageRef, recipient: string): Promise<SentItem | undefined> =>
  getItem<SentItem>(rt, keys.sent(ref.subjectPk, ref.message, recipient));

/**
 * Sends each recipient of `email` (To and Cc) their copy unless a copy of this message was marked sent to them before.
 *
 * Mark after send, not before: a mark written first and then a send that fails (SES throttling, a crash) would record
 * an email nobody got, and the retry would skip it, so a person would silently miss their link or the minutes. Marking
 * after makes the fan-out at-least-once: the only window for a duplicate is a crash between SES accepting the copy and
 * the mark being written (and a mark write that fails even after MARK_ATTEMPTS). A failure anywhere else (SES
 * throttling at the n-th copy, DynamoDB failing before the send) leaves the earlier copies marked and the later ones
 * unsent, which the retry then sends. Step Functions never runs a task's retry concurrently with the attempt it retries,
 * so the check-then-send is not raced by our own retries.
 */
export async function sendOnce(rt: Runtime, ref: MessageRef, email: Email): Promise<FanOutResult> {
  const result: FanOutResult = { sent: [], skipped: [] };
  for (const to of recipients(email)) {
    const earlier = await sentCopy(rt, ref, to);
    if (earlier) {
      result.skipped.push(earlier);
      continue;
    }
    result.sent.push(await sendAndMark(rt, ref, email, to));
  }
  return result;
}

/**
 * A personal email (one recipient, its own link): `build` runs only when the recipient has no marked copy yet, so a
 * retry neither sends again nor re-issues a link for someone already emailed. Returns the mark (this call's or the
 * earlier one, `fresh` telling which); its `sentAt` keys the audit event of the send, so a retry rewrites the same event.
 */
export async function sendPersonalOnce(
  rt: Runtime,
  ref: MessageRef & { recipient: string },
  build: () => Promise<Email> | Email,
): Promise<SentItem & { fresh: boolean }> {
  const earlier = await sentCopy(rt, ref, ref.recipient);
  if (earlier) return { ...earlier, fresh: false };
  const email = await build();
  const to = recipients(email);
  if (to.length !== 1 || to[0].toLowerCase() !== ref.recipient.toLowerCase()) {
    throw new Error(`A personal email of "${ref.message}" must go to ${ref.recipient} alone, not to ${to.join(', ')}`);
  }
  return { ...(await sendAndMark(rt, ref, email, ref.recipient)), fresh: true };
}

async function sendAndMark(rt: Runtime, ref: MessageRef, email: Email, to: string): Promise<SentItem> {
  const sesMessageId = await sendCopy(rt, email, to, ref);
  const item: SentItem = {
    ...keys.sent(ref.subjectPk, ref.message, to),
    kind: 'email-sent',
    message: ref.message,
    recipient: to,
    subject: email.subject,
    sesMessageId,
    sentAt: rt.now().toISOString(),
    ...(ref.about ? { about: ref.about } : {}),
    ...(sesMessageId ? gsi1.email(sesMessageId, ref.subjectPk) : {}),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      // False only if a mark is already there (a concurrent run that also sent): the first mark stays the evidence.
      if (!(await putOnce(rt, item))) return (await sentCopy(rt, ref, to)) ?? item;
      count(rt, METRIC.emailsSent);
      return item;
    } catch (err) {
      if (attempt >= MARK_ATTEMPTS) {
        rt.logger.error('email sent but its sent-mark was not written: a retry will send this copy again', {
          message: ref.message,
          subjectPk: ref.subjectPk,
          sesMessageId,
          error: (err as Error)?.name,
        });
        throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
  }
}
