// Resource request domain: the request schema (CLI and workflow alike), approval routing, segregation of duties, the wait rule.
import * as z from './zod';
import { RESOURCE_CATEGORIES, formatPath, unitIdentities, type BusinessUnitConfig, type Person, type ResourceCategory } from './unit';
import { principalAddress, type Identities } from './identity';
import { PERIOD_PATTERN } from './period';
import { checkText, normaliseLineBreaks, show, type TextKind } from './text';
import type { DecisionRecord } from './decisions';
import { seatDecision } from './seats';
import type { RequestItem, RequestLevel, RequestStatus } from './subjects';

export const TITLE_MAX = 200;
export const JUSTIFICATION_MAX = 4000;
/** Request ids are execution names too: letters, digits and "-", at most 80 characters. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{2,79}$/;

/** An IAM/STS principal ARN, or "local:<user>"; printable ASCII only, so nothing in it can reach a terminal or an email as a control. */
export const SUBMITTER_PATTERN = /^(arn:aws[a-z-]*:(sts|iam)::\d{12}:[\x21-\x7e]{1,1900}|local:[\x21-\x7e]{1,256})$/;

// The title goes into email subjects and CLI lines: one line. The justification may have lines and tabs, nothing else.
const text = (max: number, kind: TextKind) =>
  z.string({ error: (iss) => (iss.input === undefined ? 'is required' : `${show(iss.input)} is not text`) }).check(
    z.overwrite((s: string) => (kind === 'multi-line' ? normaliseLineBreaks(s) : s)),
    z.trim(),
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(max, { error: (iss) => `must be at most ${max} characters (it has ${String(iss.input ?? '').trim().length})` }),
    z.superRefine(checkText(kind)),
  );

/** A decimal string ("12500", "99.5") from the CLI becomes a number; anything else is left for zod to refuse. */
const toNumber = (value: unknown) => (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value);

/** A string matching `pattern`, or the message `what(input)` naming the value. */
const matching = (pattern: RegExp, what: (input: string) => string, params?: { error: string }) =>
  z.string(params).check(z.regex(pattern, { error: (iss) => what(show(iss.input)) }));

/** What someone asks for; the same schema checks the CLI's flags and the workflow's input (which may come from elsewhere). */
export const requestInputSchema = z.strictObject({
  requestId: z.optional(matching(REQUEST_ID_PATTERN, (v) => `${v} is not a request id (letters, digits and "-", 3-80 characters)`)),
  bu: z.string({ error: 'is required' }).check(z.minLength(1, { error: 'is required' })),
  category: z.enum(RESOURCE_CATEGORIES, {
    error: (iss) =>
      iss.input === undefined
        ? `is required: one of ${RESOURCE_CATEGORIES.join(', ')}`
        : `${show(iss.input)} is not one of ${RESOURCE_CATEGORIES.join(', ')}`,
  }),
  title: text(TITLE_MAX, 'single-line'),
  justification: text(JUSTIFICATION_MAX, 'multi-line'),
  // zod's preprocess: a transform piped into the schema.
  amount: z.pipe(
    z.transform(toNumber),
    z.number({ error: (iss) => (iss.input === undefined ? 'is required (a number)' : `${show(iss.input)} is not a number`) }).check(
      z.refine(Number.isFinite, { error: 'must be a finite number' }),
      z.refine((n) => n >= 0, { error: (iss) => `${show(iss.input)} must not be negative` }),
      z.refine((n) => Number.isInteger(Math.round(n * 100)) && Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, {
        error: 'must have at most 2 decimal places',
      }),
      z.refine((n) => n <= 1e12, { error: 'must be at most 1000000000000' }),
    ),
  ),
  currency: matching(/^[A-Z]{3}$/, (v) => `${v} is not an ISO 4217 currency code like "EUR"`, { error: 'is required' }),
  requester: z.email({
    error: (iss) => (iss.input === undefined ? 'is required (an email address)' : `${show(iss.input)} is not an email address`),
  }),
  reviewPeriod: z.optional(matching(PERIOD_PATTERN, (v) => `${v} is not a review period like "2026-Q4"`)),
  /**
   * Who ran `isms request submit`, as the CLI read it: the caller's AWS principal ARN (STS GetCallerIdentity), or "local:<OS user>"
   * on the local runtime. The requester is who asks (an address anyone can type); this is who started it.
   */
  submittedBy: z.optional(
    matching(
      SUBMITTER_PATTERN,
      (v) => `${v} is not a submitter: an AWS principal ARN ("arn:aws:sts::123456789012:assumed-role/…") or "local:<user>"`,
    ),
  ),
});

export type RequestInput = z.output<typeof requestInputSchema>;

/** Field names as the CLI spells them, so a message names the flag the user typed. */
const CLI_NAMES: Record<string, string> = { reviewPeriod: 'review', bu: 'bu' };

/**
 * Validates a request for one unit: the schema, then the unit's own rules (its id, its currency).
 * Returns every problem as "field: message"; `naming: 'cli'` spells fields as flags (--review).
 */
export function parseRequest(
  raw: unknown,
  unit: BusinessUnitConfig,
  naming: 'field' | 'cli' = 'field',
): { request: RequestInput; problems: [] } | { request?: undefined; problems: string[] } {
  const name = (field: string) => (naming === 'cli' ? `--${CLI_NAMES[field] ?? field}` : field);
  const result = requestInputSchema.safeParse(raw, { reportInput: true });
  const problems: string[] = [];
  if (!result.success) {
    for (const iss of result.error.issues) {
      if (iss.code === 'unrecognized_keys') {
        for (const k of iss.keys) problems.push(`${name(k)}: is not a known field`);
      } else {
        problems.push(`${name(formatPath(iss.path)) || '(request)'}: ${iss.message}`);
      }
    }
  }
  const r = (raw ?? {}) as Record<string, unknown>;
  if (typeof r.bu === 'string' && r.bu !== unit.id) problems.push(`${name('bu')}: ${show(r.bu)} is not this unit (${unit.id})`);
  const currency = unit.resourceApproval.currency;
  if (typeof r.currency === 'string' && /^[A-Z]{3}$/.test(r.currency) && r.currency !== currency) {
    problems.push(`${name('currency')}: ${show(r.currency)} is not the currency of unit ${unit.id}; its approval policy is in ${currency}`);
  }
  if (problems.length || !result.success) return { problems };
  return { request: result.data, problems: [] };
}

/** A person as a request stores them: who decides is a name and an address; aliases stay in the config. */
const who = (p: Person): Person => ({ name: p.name, email: p.email });

export type Route =
  | { routable: true; levels: RequestLevel[]; reroutes: Array<{ level: number; reason: string; from: Person; to: Person }> }
  | { routable: false; levels: RequestLevel[]; level: number; reason: string };

const SOD = 'segregation of duties, ISO/IEC 27001 A.5.3';

/**
 * Who asked for the request, as identities, each with how they are: the requester (an address anyone may type), and the
 * submitter when their AWS principal names an address. The requester is shown as written, with who it is when that differs.
 */
function partiesOf(ids: Identities, request: { requester: string; submittedBy?: string }): Map<string, string> {
  const parties = new Map<string, string>();
  const submitter = principalAddress(request.submittedBy);
  if (submitter) parties.set(ids.of(submitter), `submitted the request (as ${request.submittedBy})`);
  const requester = ids.of(request.requester);
  parties.set(
    requester,
    `is the requester ${request.requester.trim() === requester ? requester : `${request.requester.trim()} (${requester})`}`,
  );
  return parties;
}

/**
 * The levels a request needs, lowest first: every level whose fromAmount it reaches and whose categories (if any) include it.
 * People are compared as identities (docs/architecture.md#people-are-identities), so a plus-tag, capitals or a configured alias change nobody's role.
 * Nobody approves their own request, and one person decides at most one level of it (ISO/IEC 27001 A.5.3): each level
 * keeps its configured approver unless they asked for it (the requester, or the submitter by their AWS principal) or keep
 * a lower level; such a level goes to the first of its escalation contact, then the unit's escalation contacts, who did
 * neither; with nobody left the request is unroutable.
 */
export function routeRequest(
  unit: BusinessUnitConfig,
  request: { amount: number; category: ResourceCategory; requester: string; submittedBy?: string },
): Route {
  const ids = unitIdentities(unit);
  const parties = partiesOf(ids, request);
  const levels: RequestLevel[] = unit.resourceApproval.levels
    .filter((l) => request.amount >= l.fromAmount && (!l.categories || l.categories.includes(request.category)))
    .map((l, index) => ({
      index,
      name: l.name,
      fromAmount: l.fromAmount,
      approver: who(l.approver),
      configuredApprover: who(l.approver),
      escalationContact: who(l.escalationContact),
    }));
  /** identity → the level they decide */
  const holders = new Map<string, number>();
  const moved: Array<{ level: RequestLevel; why: string }> = [];
  for (const level of levels) {
    const id = ids.of(level.configuredApprover.email);
    if (parties.has(id)) {
      moved.push({
        level,
        why: `self-approval: ${level.configuredApprover.email} ${parties.get(id)} and may not approve their own request (${SOD})`,
      });
    } else if (holders.has(id)) {
      const other = levels[holders.get(id)!];
      moved.push({
        level,
        why: `one person, one level: ${level.configuredApprover.email} approves level ${other.index + 1} "${other.name}" of this request already and may not decide a second (${SOD})`,
      });
    } else {
      holders.set(id, level.index);
    }
  }
  const reroutes: Array<{ level: number; reason: string; from: Person; to: Person }> = [];
  for (const { level, why } of moved) {
    const pick = firstAllowed(
      ids,
      [level.escalationContact, ...unit.escalationContacts.map(who)],
      (id) => parties.get(id) ?? (holders.has(id) ? `decides level ${holders.get(id)! + 1} "${levels[holders.get(id)!].name}"` : undefined),
    );
    if (!pick.to) {
      return {
        routable: false,
        levels,
        level: level.index,
        reason: `unroutable: level "${level.name}" has nobody who may approve it (${SOD}): ${why}; ${pick.skipped.join('; ')}`,
      };
    }
    const to = pick.to;
    const via = ids.same(to.email, level.escalationContact.email) ? 'its escalation contact' : `the unit's escalation contact`;
    const reason = `${why}; level "${level.name}" goes to ${via} ${to.email}${pick.skipped.length ? ` (${pick.skipped.join('; ')})` : ''}`;
    holders.set(ids.of(to.email), level.index);
    level.approver = { ...to };
    level.reroutedReason = reason;
    reroutes.push({ level: level.index, reason, from: level.configuredApprover, to });
  }
  return { routable: true, levels, reroutes };
}

/** The first candidate (distinct people, in order) whom `bar` does not rule out; the others with why they were passed over. */
function firstAllowed(ids: Identities, candidates: Person[], bar: (id: string) => string | undefined): { to?: Person; skipped: string[] } {
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    const id = ids.of(c.email);
    if (seen.has(id)) continue;
    seen.add(id);
    const why = bar(id);
    if (!why) return { to: c, skipped };
    skipped.push(`${c.email} ${why}`);
  }
  return { skipped };
}

/**
 * Who gets the decision when a level is overdue: its escalation contact, else the unit's escalation contacts in order,
 * passing over who asked for it (requester, submitter), whoever decides this level now, and anyone who holds or decided
 * another level of the request (one person, one level). Nobody left: no escalation, and the reason says who was passed
 * over and why.
 */
export function escalationTarget(
  unit: BusinessUnitConfig,
  request: Pick<RequestItem, 'requester' | 'submittedBy'> & { levels: Array<RequestLevel & { decidedBy?: string }> },
  index: number,
): { escalate: true; to: Person } | { escalate: false; reason: string } {
  const ids = unitIdentities(unit);
  const level = request.levels[index];
  const parties = partiesOf(ids, request);
  const current = ids.of(level.approver.email);
  const others = new Map<string, string>();
  request.levels.forEach((l, i) => {
    if (i === index) return;
    others.set(ids.of(l.approver.email), `holds level ${i + 1} "${l.name}"`);
    if (l.decidedBy) others.set(ids.of(l.decidedBy), `decided level ${i + 1} "${l.name}"`);
  });
  const pick = firstAllowed(ids, [level.escalationContact, ...unit.escalationContacts].map(who), (id) =>
    parties.has(id)
      ? `${parties.get(id)} (${SOD})`
      : id === current
        ? 'already holds this decision'
        : others.has(id)
          ? `${others.get(id)} (one person, one level; ${SOD})`
          : undefined,
  );
  if (pick.to) return { escalate: true, to: pick.to };
  return { escalate: false, reason: `nobody else may take it: ${pick.skipped.join('; ')}` };
}

/**
 * Who may not act for the approver of level `index` (issue 15: a deputy is subject to every rule the original is): who
 * asked for the request, and whoever holds or decided another level of it. The reason, or undefined when allowed.
 */
export function deputyBar(
  unit: BusinessUnitConfig,
  request: Pick<RequestItem, 'requester' | 'submittedBy'> & { levels: Array<RequestLevel & { decidedBy?: string }> },
  index: number,
): (identity: string) => string | undefined {
  const ids = unitIdentities(unit);
  const parties = partiesOf(ids, request);
  const others = new Map<string, string>();
  request.levels.forEach((l, i) => {
    if (i === index) return;
    others.set(ids.of(l.approver.email), `holds level ${i + 1} "${l.name}"`);
    if (l.decidedBy) others.set(ids.of(l.decidedBy), `decided level ${i + 1} "${l.name}"`);
  });
  return (id) =>
    parties.has(id) ? `${parties.get(id)} (${SOD})` : others.has(id) ? `${others.get(id)} (one person, one level; ${SOD})` : undefined;
}

/**
 * Why `person` may not decide level `index` of the request, read from what is recorded: they asked for it (requester,
 * submitter), or a recorded decision of another level is theirs (one person, one level). The decision endpoint asks it
 * before it records a request decision, whichever way the link reached them (a deputy of two absent approvers, a link
 * passed on, a forward), so that no routing or hand-over slip can let one person approve a request twice or their own.
 * Undefined when they may.
 */
export function requestDeciderBar(
  unit: BusinessUnitConfig,
  request: Pick<RequestItem, 'requester' | 'submittedBy' | 'levels'>,
  index: number,
  decisions: DecisionRecord[],
  person: string,
): string | undefined {
  const ids = unitIdentities(unit);
  const id = ids.of(person);
  const parties = partiesOf(ids, request);
  if (parties.has(id)) return `${parties.get(id)} (${SOD})`;
  for (let i = 0; i < request.levels.length; i++) {
    if (i === index) continue;
    const decided = levelDecision(request, i, decisions);
    if (decided && ids.of(decided.decidedBy) === id)
      return `decided level ${i + 1} "${request.levels[i].name}" (one person, one level; ${SOD})`;
  }
  return undefined;
}

/** What the wait task returns when the current level is decided (request-await's output, via SendTaskSuccess). */
export interface LevelDecision {
  level: number;
  choice: 'approve' | 'reject';
  decisionId: string;
  decidedBy: string;
  decidedAt: string;
  comment: string;
  /** True when this was the last level: an approval then approves the request. */
  isLast: boolean;
  nextLevel: number;
  /** Issue 15: the approver decidedBy acted for (a deputy's decision). */
  actingFor?: string;
}

/** Decisions that count for a level: its current decision, and any it replaced (a click just before escalation is never lost). */
export function levelDecisionIds(level: RequestLevel & { supersededDecisionIds?: string[] }): string[] {
  return [level.decisionId, ...(level.supersededDecisionIds ?? [])].filter((id): id is string => typeof id === 'string' && id.length > 0);
}

/**
 * The decision that counts for level `index`: the earliest recorded one among the level's decisions (a click just
 * before escalation is never lost); anything but an approval rejects (requests offer approve or reject only).
 * Undefined while nothing is recorded for the level.
 */
export function levelDecision(subject: Pick<RequestItem, 'levels'>, index: number, decisions: DecisionRecord[]): LevelDecision | undefined {
  const level = subject.levels?.[index] as (RequestLevel & { supersededDecisionIds?: string[] }) | undefined;
  if (!level) return undefined;
  const found = seatDecision(levelDecisionIds(level), decisions);
  return found ? decisionOutput(subject, index, found) : undefined;
}

/** What the wait's task output says about one recorded decision of level `index` (the resume message built from it). */
function decisionOutput(subject: Pick<RequestItem, 'levels'>, index: number, d: DecisionRecord): LevelDecision {
  return {
    level: index,
    choice: d.choice === 'approve' ? 'approve' : 'reject',
    decisionId: d.decisionId,
    decidedBy: d.recipient.email,
    decidedAt: d.decidedAt,
    comment: d.comment ?? '',
    isLast: index >= subject.levels.length - 1,
    nextLevel: index + 1,
    ...(d.actingFor ? { actingFor: d.actingFor.email } : {}),
  };
}

/** The wait is over when the current level's decision is recorded (see levelDecision for which one counts). */
export function requestWaitOutcome(subject: object, decisions: DecisionRecord[]): { complete: boolean; output: Record<string, unknown> } {
  const item = subject as RequestItem;
  if (item.status !== 'pending') return { complete: false, output: {} };
  const found = levelDecision(item, item.currentLevel, decisions);
  return found ? { complete: true, output: { ...found } } : { complete: false, output: {} };
}

/**
 * A resume message is a claim, never a fact (docs/architecture.md#outcomes-only-from-stored-decisions). It is supported when it is exactly what a resumer sends for
 * a decision recorded on the current level (resumeIfComplete builds it from the table). Decisions are append-only,
 * so whatever a legitimate resumer read is still there; a message naming no recorded decision of this level, or
 * saying something else about it (another choice, "last level"), is not.
 */
export function requestResumeSupported(subject: object, decisions: DecisionRecord[], claimed: unknown): boolean {
  const item = subject as RequestItem;
  const level = item.levels?.[item.currentLevel] as (RequestLevel & { supersededDecisionIds?: string[] }) | undefined;
  if (item.status !== 'pending' || !level || !isPlainObject(claimed)) return false;
  const record = decisions.find((d) => d.decisionId === claimed.decisionId && levelDecisionIds(level).includes(d.decisionId));
  if (!record) return false;
  const expected: Record<string, unknown> = { ...decisionOutput(item, item.currentLevel, record) };
  const keys = Object.keys(claimed);
  return keys.length === Object.keys(expected).length && keys.every((k) => claimed[k] === expected[k]);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export type Outcome = Exclude<RequestStatus, 'pending'>;

/** A new request id: date of submission and 40 random bits, e.g. req-20261127-k3f9a2c1xq. */
export function newRequestId(now: Date, random: () => string): string {
  return `req-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${random()}`;
}
