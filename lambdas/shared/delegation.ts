// Seats passed to deputies (issue 15): absences read from the evidence, and the one move that hands a seat's link over.
import type { Absence, AbsenceEvent } from '../../core/absence';
import { ABSENCES_PK, absenceOn, foldAbsences } from '../../core/absence';
import type { LinkStage, Person } from '../../core/config';
import type { LinkItem } from '../../core/decisions';
import { prefixes } from '../../core/keys';
import { dayIn } from '../../core/period';
import { recordEventOnce } from './audit';
import { getLink, handOverLink, mintDecisionLink, newDecisionId, reissueLink, type MintedLink } from './links';
import type { Runtime } from './runtime';
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
