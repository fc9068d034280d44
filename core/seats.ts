// Seats (issue 15): a seat is the original person's decision; they or their deputy may hold it, never both. Pure: used by
// the review tally, the request levels and any workflow built on the same decision links.
import { deputiesOf, unitIdentities, type BusinessUnitConfig, type Person } from './unit';
import type { DecisionRecord, LinkItem, LinkRecipient } from './decisions';

/** The seat a link decides: a deputy's link decides the original's seat, any other link its own. */
export const seatOf = (link: Pick<LinkItem, 'decisionId' | 'seat'>): string => link.seat ?? link.decisionId;

/** The link a recorded decision was made through. */
export const linkOf = (record: Pick<DecisionRecord, 'decisionId' | 'linkId'>): string => record.linkId ?? record.decisionId;

/** "Dora Deputy for Carla Chair", or the name alone when nobody acted for anyone. */
export function actingLabel(who: Pick<LinkRecipient, 'name'>, actingFor?: Pick<LinkRecipient, 'name'>): string {
  return actingFor ? `${who.name} for ${actingFor.name}` : who.name;
}

/** The decision that holds a seat: the earliest recorded among the seat's decision ids (a replaced decision still counts). */
export function seatDecision(seatIds: readonly string[], decisions: readonly DecisionRecord[]): DecisionRecord | undefined {
  return decisions.filter((d) => seatIds.includes(d.decisionId)).sort((a, b) => a.decidedAt.localeCompare(b.decidedAt))[0];
}

/**
 * Why a link may not decide because its seat is held through another link (its original, or their deputy); undefined when
 * the holder is this link (a double submit: the first click won and is shown as already decided).
 */
export function seatHeldBy(link: Pick<LinkItem, 'decisionId' | 'recipient' | 'actingFor'>, holder: DecisionRecord): string | undefined {
  if (linkOf(holder) === link.decisionId) return undefined;
  const by = actingLabel(holder.recipient, holder.actingFor);
  const seatOwner = link.actingFor ?? (holder.actingFor ? link.recipient : undefined);
  return `${by} decided ${seatOwner ? `the seat of ${seatOwner.name}` : 'this decision'} first (${holder.decidedAt}); a seat counts once, so nothing was recorded through this link`;
}

/**
 * Who acts for `original` (absent, or passing a decision on): the named deputy if given, then their configured deputies in
 * order, passing over anyone `bar` rules out (the requester, someone who holds another level: every rule of the original
 * applies to the deputy). Compared as identities; the original is never their own deputy.
 */
export function pickDeputy(
  unit: BusinessUnitConfig,
  original: string,
  bar: (identity: string) => string | undefined,
  named?: Person,
): { to?: Person; skipped: string[] } {
  const ids = unitIdentities(unit);
  // A deputy named for an absence comes first; if a rule bars them, the configured deputies follow.
  const candidates = [...(named ? [named] : []), ...deputiesOf(unit, original)].filter(
    (c, i, all) => all.findIndex((x) => ids.same(x.email, c.email)) === i,
  );
  const skipped: string[] = [];
  for (const c of candidates) {
    const id = ids.of(c.email);
    const why = id === ids.of(original) ? 'is the person themself' : bar(id);
    if (!why) return { to: { name: c.name, email: c.email }, skipped };
    skipped.push(`deputy ${c.email} ${why}`);
  }
  if (!candidates.length) skipped.push(`${original} has no deputy`);
  return { skipped };
}

/**
 * Whether a hand-over from `link` to `deputy` is allowed: only the seat's own holder (not a deputy acting for someone) may
 * pass it, and only to one of their configured deputies. The reason when not.
 */
export function handOverRefusal(
  unit: BusinessUnitConfig,
  link: Pick<LinkItem, 'recipient' | 'seat' | 'actingFor'>,
  deputy: string,
): string | undefined {
  if (link.seat || link.actingFor) return 'this link acts for someone else already; a deputy cannot pass a decision on';
  const ids = unitIdentities(unit);
  if (!deputiesOf(unit, link.recipient.email).some((d) => ids.same(d.email, deputy))) {
    return `${deputy} is not a configured deputy of ${link.recipient.name}`;
  }
  return undefined;
}

type Bar = (identity: string) => string | undefined;

/**
 * The seats of a quorum subject (a review, a policy or objectives submission) are one per member: a member who holds a
 * seat of their own may not act for another member too, or one person would count twice towards the quorum. (A request's
 * rule, one level per person, is the same rule for levels: core/request.ts deputyBar.)
 */
export function memberSeatBar(unit: BusinessUnitConfig, members: ReadonlyArray<{ email: string }>): Bar {
  const ids = unitIdentities(unit);
  const seated = new Set(members.map((m) => ids.of(m.email)));
  return (identity) => (seated.has(identity) ? 'holds a seat of their own here (one person, one seat)' : undefined);
}

/** The first reason any of the bars gives. */
export const anyBar =
  (...bars: Bar[]): Bar =>
  (identity) => {
    for (const bar of bars) {
      const why = bar(identity);
      if (why) return why;
    }
    return undefined;
  };
