// Seats passed to deputies (issue 15): absences read from the evidence, and the one move that hands a seat's link over.
import type { Absence, AbsenceEvent } from '../../core/absence';
import { ABSENCES_PK, absenceOn, foldAbsences } from '../../core/absence';
import { unitIdentities, type LinkStage, type Person } from '../../core/unit';
import type { LinkItem } from '../../core/decisions';
import { actingLine, fingerprintLine, informationCopyEmail, withLeadLines } from '../../core/delegation-emails';
import type { Email } from '../../core/email';
import type { EmailAbout } from '../../core/email-delivery';
import { prefixes } from '../../core/keys';
import { dayIn } from '../../core/period';
import { anyBar, pickDeputy } from '../../core/seats';
import { recordEvent, recordEventOnce } from './audit';
import { getLink, handOverLink, mintDecisionLink, newDecisionId, reissueLink, supersedeLink, type MintedLink } from './links';
import { WorkflowError, type Runtime } from './runtime';
import { sendPersonalOnce, type SentItem } from './sent-store';
import { queryAll } from './store';

/** Every absence of the unit (set and ended), from its append-only events. */
export async function listAbsences(rt: Runtime): Promise<Absence[]> {
  const events = await queryAll<AbsenceEvent>(rt, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
    ExpressionAttributeValues: { ':pk': ABSENCES_PK, ':e': prefixes.event },
    ConsistentRead: true,
  });
  return foldAbsences(events);
}

/** Who is away today (the unit's day): a function that answers for one address. Read once per step. */
export async function absentToday(rt: Runtime): Promise<(address: string) => Absence | undefined> {
  const absences = await listAbsences(rt);
  const day = dayIn(rt.now(), rt.config.timeZone);
  return (address) => absenceOn(rt.config, absences, address, day);
}

/**
 * One person, one seat, for deputies too: a deputy who acts for one member of a quorum subject already may not take a
 * second member's seat, or one person would count twice towards the quorum (as memberSeatBar keeps a member to their
 * own seat). `seatIds` are the subject's other seats; each is read where it is held now.
 */
export async function actingElsewhereBar(rt: Runtime, seatIds: readonly string[]): Promise<(identity: string) => string | undefined> {
  const ids = unitIdentities(rt.config);
  const acting = new Map<string, string>();
  for (const seatId of new Set(seatIds)) {
    const holder = await seatHolder(rt, seatId);
    if (holder?.actingFor && !holder.supersededAt) acting.set(ids.of(holder.recipient.email), holder.actingFor.name);
  }
  return (identity) => {
    const other = acting.get(identity);
    return other ? `acts for ${other} here already (one person, one seat)` : undefined;
  };
}

export type PassKind = 'absence' | 'handover' | 'content-changed';

/**
 * The link that holds a seat now: the seat's own link, or the one it was handed to (a deputy's; a deputy never hands it
 * on, but a changed pack may reissue it). Undefined when the seat's link is gone.
 */
export async function seatHolder(rt: Runtime, seatDecisionId: string): Promise<LinkItem | undefined> {
  let link = await getLink(rt, seatDecisionId);
  // A few hops at most: absence, then a new link after the content changed.
  for (let hop = 0; link?.handedTo && hop < 4; hop++) link = (await getLink(rt, link.handedTo)) ?? link;
  return link;
}

/**
 * Passes the seat of `seatLink` to `to`: the seat's link stops (410, naming why and to whom) and `to` gets a new link to
 * the same seat, acting for the seat's person (or, when the content changed, for nobody: a fresh link of the same person).
 * One conditional update decides between concurrent attempts; a retry after the stop finds the successor and re-issues it.
 * Undefined when the link was stopped by something else (escalation, close, another hand-over).
 */
export async function passSeat(
  rt: Runtime,
  seatLink: LinkItem,
  to: Person & { role?: string },
  why: { kind: PassKind; reason: string; by: string },
  stage: LinkStage,
  fingerprint?: string,
  baseUrl?: string,
): Promise<(MintedLink & { link: Pick<LinkItem, 'recipient' | 'actingFor'> }) | undefined> {
  const seat = seatLink.seat ?? seatLink.decisionId;
  const original = seatLink.actingFor ?? seatLink.recipient;
  const acting = why.kind !== 'content-changed';
  const recipient = {
    name: to.name,
    email: to.email,
    ...((to.role ?? seatLink.recipient.role) ? { role: to.role ?? seatLink.recipient.role } : {}),
  };
  const actingFor = acting ? { name: original.name, email: original.email } : seatLink.actingFor;
  const nextId = newDecisionId();
  const stopped = `${why.reason}; the decision passed to ${to.name} <${to.email}>`;
  let successor: string;
  if (await handOverLink(rt, seatLink.decisionId, nextId, stopped)) {
    successor = nextId;
  } else {
    const now = await getLink(rt, seatLink.decisionId);
    // A retry of this step (the stop went through, the mint did not) carries on; anything else stopped it first.
    if (!now?.handedTo || why.kind === 'handover') return undefined;
    successor = now.handedTo;
  }
  const existing = successor === nextId ? undefined : await getLink(rt, successor);
  const minted = existing
    ? { decisionId: successor, ...(await reissueLink(rt, successor, stage, baseUrl)) }
    : await mintDecisionLink(rt, {
        subjectType: seatLink.subjectType,
        subjectPk: seatLink.subjectPk,
        subjectId: seatLink.subjectId,
        recipient,
        level: seatLink.level,
        stage,
        decisionId: successor,
        seat,
        actingFor,
        fingerprint: fingerprint ?? seatLink.fingerprint,
        baseUrl,
      });
  // An escalation or a close that stopped the seat between the hand-over's stop and this mint found no successor to stop
  // (supersedeLink): the seat was taken away, so its successor stops too, before anyone has its secret.
  if ((await getLink(rt, seatLink.decisionId))?.stoppedAt) {
    await supersedeLink(rt, minted.decisionId, 'the seat was stopped while it was being passed on');
    return undefined;
  }
  await recordEventOnce(rt, {
    type: why.kind === 'content-changed' ? 'link.reissued' : 'decision.delegated',
    subjectPk: seatLink.subjectPk,
    actor: why.by,
    eventId: `delegated-${seatLink.decisionId}`,
    detail: {
      kind: why.kind,
      seat,
      from: seatLink.decisionId,
      to: successor,
      original: original.email,
      originalName: original.name,
      deputy: acting ? to.email : undefined,
      deputyName: acting ? to.name : undefined,
      level: seatLink.level,
      reason: why.reason,
    },
  });
  return { ...minted, link: { recipient, actingFor } };
}

/** Records an absence (`absence.set` on the ABSENCES partition, with who set it); its id names it for `absence end`. */
export async function setAbsence(
  rt: Runtime,
  args: { person: Person; from: string; to: string; deputy?: Person; confirmed: boolean; setBy: string },
): Promise<Absence> {
  const at = rt.now().toISOString();
  const absenceId = `abs-${args.from.replace(/-/g, '')}-${newDecisionId()
    .slice(0, 8)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}`;
  await recordEventOnce(rt, {
    type: 'absence.set',
    subjectPk: ABSENCES_PK,
    actor: args.setBy,
    at,
    eventId: absenceId,
    detail: {
      absenceId,
      person: args.person,
      from: args.from,
      to: args.to,
      deputy: args.deputy,
      confirmed: args.confirmed,
      // A deputy outside the configured ones is the ISMS manager's call: who that is goes on record with it.
      ...(args.confirmed ? { confirmedAs: `ISMS manager ${rt.config.ismsManager.email}` } : {}),
    },
  });
  return { absenceId, ...args, setAt: at };
}

/** Ends an absence now (`absence.ended`); undefined when there is no such absence or it ended already. */
export async function endAbsence(rt: Runtime, absenceId: string, by: string): Promise<Absence | undefined> {
  const absence = (await listAbsences(rt)).find((a) => a.absenceId === absenceId);
  if (!absence || absence.endedAt) return undefined;
  const at = rt.now().toISOString();
  await recordEventOnce(rt, {
    type: 'absence.ended',
    subjectPk: ABSENCES_PK,
    actor: by,
    at,
    eventId: `ended-${absenceId}`,
    detail: { absenceId },
  });
  return { ...absence, endedAt: at, endedBy: by };
}

/**
 * One seat's invitation or reminder (issue 15), the same for every workflow of members' seats (review, policy): to the
 * member; or, when they are absent today and a deputy may act for them (`bar` names who may not: every rule of the member
 * applies to the deputy), to that deputy "[acting for <member>]", the seat's link passing to them at this send, and the
 * member gets a copy for information without a link. A seat passed already (an earlier absence step, a hand-over) is sent
 * to its holder, acting as before. Without a deputy who may act, the member keeps their seat and is emailed (as the
 * request levels do). Undefined when the seat's link is gone or stopped: there is nobody to send it to.
 */
export async function sendSeatEmail(
  rt: Runtime,
  args: {
    subjectPk: string;
    /** Names the send (`invitation-<decisionId>`, `reminder-<n>`): a retry finds the copy that went out. */
    message: string;
    about: EmailAbout;
    /** The member's own decision id (the seat). */
    seatId: string;
    member: Person & { role?: string };
    absent: (address: string) => Absence | undefined;
    bar?: (identity: string) => string | undefined;
    /** Every seat of the subject (decision ids, this one included): a deputy acting for another seat may not take this one. */
    seats?: readonly string[];
    stage: LinkStage;
    /** What the seat decides, in words, for the absent member's copy: "the management review 2026-Q3". */
    what: string;
    fingerprint: { what: 'pack' | 'request' | 'document'; hex?: string };
    /** The email of the workflow, addressed to `to` (the member or the deputy), carrying `link`. */
    email: (to: Person & { role?: string }, link: { url: string; expiresAt: string }) => Email;
    /** The member's link when the seat stays with them (a link just minted); else a further link to the holder's decision. */
    ownLink?: () => Promise<{ url: string; expiresAt: string }>;
  },
): Promise<{ sent: SentItem & { fresh: boolean }; to: Person; actingFor?: Person } | undefined> {
  const { member } = args;
  const seatLink = await getLink(rt, args.seatId);
  const holder = seatLink?.handedTo ? await seatHolder(rt, args.seatId) : seatLink;
  if (!holder || holder.supersededAt) return undefined;
  // Absences are read at each send: one that started while the seat waits passes it at the next reminder.
  const away = args.absent(member.email);
  const otherSeats = (args.seats ?? []).filter((s) => s !== args.seatId);
  const bar = away ? anyBar(args.bar ?? (() => undefined), await actingElsewhereBar(rt, otherSeats)) : undefined;
  const pick = away && bar ? pickDeputy(rt.config, member.email, bar, away.deputy) : undefined;
  if (away && !pick?.to) rt.logger.warn('member is absent and nobody may act for them: the member keeps the seat', { why: pick?.skipped });
  const deputy = pick?.to;
  const why = away ? `${member.name} is absent ${away.from} to ${away.to}` : '';
  // The seat passes now while the member holds it; once a deputy holds it (a retry of this step, an earlier one) it stays theirs.
  const passTo = deputy && !holder.actingFor ? deputy : undefined;
  const ids = unitIdentities(rt.config);
  const forAbsence = Boolean(passTo || (deputy && holder.actingFor && ids.same(holder.recipient.email, deputy.email)));
  const actingFor = passTo ? { name: member.name, email: member.email } : holder.actingFor;
  const to = passTo ?? { name: holder.recipient.name, email: holder.recipient.email };
  const sent = await sendPersonalOnce(
    rt,
    { subjectPk: args.subjectPk, message: args.message, recipient: to.email, about: args.about },
    async () => {
      let link: { url: string; expiresAt: string };
      if (passTo) {
        const passed = await passSeat(
          rt,
          holder,
          { ...passTo, role: member.role },
          { kind: 'absence', reason: why, by: away!.setBy },
          args.stage,
        );
        if (!passed)
          throw new WorkflowError('LinkStopped', `The link of ${member.email} was stopped before it could pass to ${passTo.email}`);
        link = passed;
      } else {
        link = holder === seatLink && args.ownLink ? await args.ownLink() : await reissueLink(rt, holder.decisionId, args.stage);
      }
      const lead = [
        ...(actingFor ? [actingLine(actingFor, forAbsence ? why : 'as before')] : []),
        ...fingerprintLine(args.fingerprint.what, args.fingerprint.hex ?? holder.fingerprint),
      ];
      return withLeadLines(args.email({ ...to, role: member.role }, link), lead, actingFor ? `[acting for ${actingFor.name}] ` : '');
    },
  );
  // Once per seat, whichever send passed it (a retry sends the copy an earlier attempt did not).
  if (forAbsence && deputy) {
    await sendPersonalOnce(rt, { subjectPk: args.subjectPk, message: `absence-copy-${args.seatId}`, recipient: member.email }, () =>
      informationCopyEmail({ unit: rt.config, original: member, deputy, what: args.what, why }),
    );
  }
  return { sent, to, actingFor };
}

/**
 * Reminder `reminder` to each undecided member of a quorum subject (a review, a policy or objectives submission): each
 * through sendSeatEmail (to the deputy of an absent member), each recorded as one `reminder.sent` event keyed by the
 * send, so a retry of the step (SES throttled at a later member) skips the members its first attempt reminded and
 * rewrites the same events.
 */
export async function remindSeats<M extends Person & { role?: string; decisionId?: string }>(
  rt: Runtime,
  args: {
    subjectPk: string;
    reminder: number;
    members: M[];
    bar?: (identity: string) => string | undefined;
    what: string;
    fingerprint: { what: 'pack' | 'request' | 'document' };
    email: (member: M, to: Person & { role?: string }, link: { url: string; expiresAt: string }) => Email;
  },
): Promise<void> {
  const { reminder } = args;
  // Absences are read when the reminder runs: one that started while the subject waits passes the seat now.
  const absent = await absentToday(rt);
  for (const member of args.members) {
    const decisionId = member.decisionId;
    if (!decisionId) continue;
    const result = await sendSeatEmail(rt, {
      subjectPk: args.subjectPk,
      message: `reminder-${reminder}`,
      about: { role: 'member', decisionId },
      seatId: decisionId,
      member,
      absent,
      bar: args.bar,
      seats: args.members.flatMap((m) => (m.decisionId ? [m.decisionId] : [])),
      stage: { kind: 'reminder', reminder },
      what: args.what,
      fingerprint: args.fingerprint,
      email: (to, link) => args.email(member, to, link),
    });
    // The seat's link is gone or stopped (closed, escalated away): nobody to remind.
    if (!result) continue;
    await recordEvent(rt, {
      type: 'reminder.sent',
      subjectPk: args.subjectPk,
      actor: 'system',
      at: result.sent.sentAt,
      eventId: `reminder-${reminder}-${decisionId}`,
      detail: {
        reminder,
        recipient: result.to.email,
        decisionId,
        sesMessageId: result.sent.sesMessageId,
        ...(result.actingFor ? { actingFor: member.email } : {}),
      },
    });
  }
}
