// What the decision endpoint does for issue 15: a hand-over to a configured deputy, and a new link when the content changed.
// These are the only ways the public endpoint mints a link, each bound to the link's own holder, seat and subject.
import { deputiesOf, unitIdentities } from '../../core/unit';
import type { LinkItem } from '../../core/decisions';
import {
  actingLine,
  decidedOnWords,
  fingerprintedWhat,
  fingerprintLine,
  informationCopyEmail,
  passedLinkEmail,
} from '../../core/delegation-emails';
import { contentChangedPage, handedOverPage, handOverRefusedPage } from '../../core/delegation-pages';
import { gonePage, type PageResult } from '../../core/decision-pages';
import { packFingerprint, requestFingerprint } from '../../core/fingerprint';
import { deputyBar } from '../../core/request';
import { policyDeputyBar } from '../../core/policy';
import { anyBar, handOverRefusal, memberSeatBar, pickDeputy, seatOf } from '../../core/seats';
import type { EmailAbout } from '../../core/email-delivery';
import type { RequestItem } from '../../core/subjects';
import { actingElsewhereBar, passSeat } from './delegation';
import { getItem } from './store';
import { keys } from '../../core/keys';
import type { ReviewPack } from '../../core/review-pack';
import type { Runtime } from './runtime';
import { sendPersonalOnce } from './sent-store';

/** The SHA-256 of what the link decides on as it is stored now (the pack, or the request as submitted). */
export async function currentFingerprint(rt: Runtime, link: LinkItem, subject: Record<string, unknown>): Promise<string | undefined> {
  if (link.subjectType === 'review') {
    // Read here rather than through review-store, which would bring the minutes and croner into the endpoint's bundle.
    const pack = (await getItem<{ pack: ReviewPack }>(rt, keys.reviewPack(link.subjectId)))?.pack;
    return pack ? packFingerprint(pack) : undefined;
  }
  if (link.subjectType === 'request') return requestFingerprint(subject);
  // A policy or objectives submission: the document's SHA-256, as stored with the submission.
  if (link.subjectType === 'policy') return typeof subject.sha256 === 'string' ? subject.sha256 : undefined;
  return undefined;
}

/**
 * "Pass it to my deputy": only a valid, unused link of the seat's own holder (not a deputy's), only to one of that
 * person's configured deputies who is allowed to decide this (for a request: not who asked for it, not someone on another
 * level). The holder's link stops, the deputy gets a link to the same seat and subject; both get an email.
 */
/**
 * The base of decision links as the endpoint was reached: the unit's configured base URL or custom domain, else API
 * Gateway's own domain (set by API Gateway, not by the Host header), else (the local server, loopback only) the local
 * address and its `/<unit>` prefix.
 */
export function linkBaseOf(
  unit: { decisionBaseUrl?: string; decisionDomain?: { name: string; basePath?: string } },
  domainName: string | undefined,
  rawPath: string,
): string {
  if (unit.decisionBaseUrl) return unit.decisionBaseUrl.replace(/\/+$/, '');
  if (unit.decisionDomain)
    return `https://${unit.decisionDomain.name}${unit.decisionDomain.basePath ? `/${unit.decisionDomain.basePath}` : ''}`;
  const prefix = rawPath.replace(/\/decisions\/[^/]+$/, '');
  if (domainName && /\.amazonaws\.com$/.test(domainName)) return `https://${domainName}${prefix}`;
  return `http://${domainName ?? 'localhost'}${prefix}`;
}

export async function handOver(
  rt: Runtime,
  link: LinkItem,
  subject: Record<string, unknown>,
  deputyEmail: string,
  baseUrl: string,
): Promise<PageResult> {
  const refused = handOverRefusal(rt.config, link, deputyEmail);
  if (refused) return handOverRefusedPage(refused);
  const ids = unitIdentities(rt.config);
  const named = deputiesOf(rt.config, link.recipient.email).find((d) => ids.same(d.email, deputyEmail))!;
  // A review's or a policy's members hold one seat each: a deputy who is a member too may not take a second one.
  // A deputy acting for another member's seat already may not take this one too (one person, one seat).
  const members = Array.isArray(subject.members) ? (subject.members as Array<{ email: string; decisionId?: string }>) : [];
  const otherSeats = members.flatMap((m) => (m.decisionId && m.decisionId !== link.decisionId ? [m.decisionId] : []));
  const oneSeat = anyBar(memberSeatBar(rt.config, members), await actingElsewhereBar(rt, otherSeats));
  const bar =
    link.subjectType === 'request' && link.level !== undefined
      ? deputyBar(rt.config, subject as unknown as RequestItem, link.level)
      : link.subjectType === 'policy'
        ? anyBar(
            policyDeputyBar(rt.config, {
              submitter: String(subject.submitter ?? ''),
              submittedBy: typeof subject.submittedBy === 'string' ? subject.submittedBy : undefined,
            }),
            oneSeat,
          )
        : oneSeat;
  const pick = pickDeputy(rt.config, link.recipient.email, bar, named);
  if (!pick.to) return handOverRefusedPage(pick.skipped.join('; '));
  const what = decidedOnWords(link, subject);
  const why = `${link.recipient.name} passed it on from the decision page`;
  const passed = await passSeat(
    rt,
    link,
    { ...pick.to, role: link.recipient.role },
    { kind: 'handover', reason: why, by: link.recipient.email },
    { kind: 'first' },
    undefined,
    baseUrl,
  );
  // Stopped between the check and the update (a second hand-over, an escalation): the link is no longer valid.
  if (!passed) return gonePage('superseded');
  await sendPersonalOnce(
    rt,
    { subjectPk: link.subjectPk, message: `handover-${passed.decisionId}`, recipient: pick.to.email, about: seatAbout(link) },
    () =>
      passedLinkEmail({
        unit: rt.config,
        to: pick.to!,
        what,
        lead: [actingLine(link.recipient, why), ...fingerprintLine(fingerprintedWhat(link.subjectType), link.fingerprint)],
        url: passed.url,
        expiresAt: passed.expiresAt,
      }),
  );
  await sendPersonalOnce(
    rt,
    { subjectPk: link.subjectPk, message: `handover-copy-${passed.decisionId}`, recipient: link.recipient.email },
    () =>
      informationCopyEmail({
        unit: rt.config,
        original: link.recipient,
        deputy: pick.to!,
        what,
        why: 'you passed it on from the decision page',
      }),
  );
  return handedOverPage(pick.to);
}

/**
 * Nothing is decided on content nobody saw: when what the link decides on no longer has the fingerprint it was issued
 * with, the link stops, its holder gets a new one bound to the current content, and the POST answers 409. Undefined when
 * the content is unchanged (or the link predates fingerprints).
 */
export async function contentChanged(
  rt: Runtime,
  link: LinkItem,
  subject: Record<string, unknown>,
  baseUrl: string,
): Promise<PageResult | undefined> {
  if (!link.fingerprint) return undefined;
  const now = await currentFingerprint(rt, link, subject);
  if (!now || now === link.fingerprint) return undefined;
  const what = link.subjectType === 'review' ? 'review pack' : link.subjectType === 'policy' ? 'document' : 'request';
  const passed = await passSeat(
    rt,
    link,
    link.recipient,
    { kind: 'content-changed', reason: `the ${what} changed since the link was issued (${link.fingerprint} → ${now})`, by: 'system' },
    { kind: 'first' },
    now,
    baseUrl,
  );
  if (passed) {
    await sendPersonalOnce(
      rt,
      { subjectPk: link.subjectPk, message: `reissued-${passed.decisionId}`, recipient: link.recipient.email, about: seatAbout(link) },
      () =>
        passedLinkEmail({
          unit: rt.config,
          to: link.recipient,
          what: decidedOnWords(link, subject),
          lead: [
            `The ${what} changed after your earlier link was issued, so that link no longer works. Please look again and decide on the current ${what}.`,
            ...(link.actingFor ? [actingLine(link.actingFor, 'as before')] : []),
            ...fingerprintLine(fingerprintedWhat(link.subjectType), now),
          ],
          url: passed.url,
          expiresAt: passed.expiresAt,
        }),
    );
  }
  return contentChangedPage(what, link.fingerprint, now, link.recipient.email);
}

/** A passed link is a decision email of the same seat: its bounce is acted on like the invitation's (issue 13). */
function seatAbout(link: LinkItem): EmailAbout {
  return link.subjectType === 'request'
    ? { role: 'level', decisionId: seatOf(link), level: link.level }
    : { role: 'member', decisionId: seatOf(link) };
}
