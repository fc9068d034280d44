// Business-unit configuration: the zod schema and its checks, reporting every problem at once (the file loader is lib/config-files.ts).
import * as z from './zod';
import { DURATION_PATTERN, parseDuration } from './duration';
import { Identities } from './identity';
import { checkScheduleForm, validateScheduleExpression } from './schedule';
import { checkText, show } from './text';
import { RESOURCE_CATEGORIES, configuredPeople, formatPath, isTimeZone, unitIdentities, type PersonPath } from './unit';
import { bucketNameProblem, KMS_KEY_ARN, keyArnProblem, reattachRules, reattachWarnings, S3_BUCKET_NAME } from './reattach';

// The validated unit's helpers live in core/unit.ts (no zod); re-exported for synth, the CLI and tests.
export * from './unit';

export const DEFAULT_REVIEW_SCHEDULE = 'cron(0 9 1 1,4,7,10 ? *)';

const email = z.email({ error: (iss) => `${show(iss.input)} is not an email address` });
// Names, roles and the unit's name go into email subjects and terminals: one line, no control characters.
const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max), z.superRefine(checkText('single-line')));
const duration = z
  .string()
  .check(z.regex(DURATION_PATTERN, { error: (iss) => `${show(iss.input)} is not a duration like "30s", "15m", "48h" or "14d"` }));

/**
 * Other addresses that are this person's too (an old domain, a second mailbox): comparisons of people resolve them to
 * the person. Listed once, they apply to every role of the person (entries with the same email are one person).
 */
const aliases = z.optional(z.array(email).check(z.maxLength(10)));

const person = z.strictObject({ name: text(120), email, aliases });

/**
 * Who may stand in for a top manager or an approver while they are absent or when they pass a decision on (issue 15).
 * A deputy is a name and an address; they are compared as identities like everyone else and are never the person.
 */
const deputies = z.optional(z.array(z.strictObject({ name: text(120), email })).check(z.minLength(1), z.maxLength(5)));

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z]{2}(-[a-z]+)+-\d):\d{12}:certificate\/[A-Za-z0-9-]+$/;

const member = z.strictObject({
  name: text(120),
  email,
  aliases,
  role: text(120),
  /** Exactly one member chairs the review; the minutes name them. */
  chair: z.optional(z.boolean()),
  deputies,
});

const level = z.strictObject({
  name: text(120),
  /** The level applies to requests of this amount or more (in the policy's currency). */
  fromAmount: z.number().check(z.nonnegative()),
  approver: z.strictObject({ name: text(120), email, aliases, deputies }),
  escalationContact: person,
  /** Only requests of these categories need this level. @default every category */
  categories: z.optional(z.array(z.enum(RESOURCE_CATEGORIES)).check(z.minLength(1))),
});

/** A string matching `pattern`, or the message `what(input)` naming the value. */
const matching = (pattern: RegExp, what: (input: string) => string) =>
  z.string().check(z.regex(pattern, { error: (iss) => what(show(iss.input)) }));

const baseSchema = z.strictObject({
  id: matching(
    /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/,
    (v) => `${v} is not a unit id: 3-32 characters, lowercase letters, digits and "-", starting with a letter`,
  ),
  name: text(120),
  /** Deploy to this account and region; @default the CLI's. */
  account: z.optional(matching(/^\d{12}$/, (v) => `${v} is not a 12-digit AWS account id`)),
  region: z.optional(matching(/^[a-z]{2}(-[a-z]+)+-\d$/, (v) => `${v} is not an AWS region like "eu-west-1"`)),
  timeZone: z
    .string()
    .check(z.refine((tz) => isTimeZone(tz), { error: (iss) => `${show(iss.input)} is not an IANA time zone like "Europe/Berlin"` })),
  reviewSchedule: z._default(z.string(), DEFAULT_REVIEW_SCHEDULE),
  sender: email,
  /**
   * Set up the sender's domain in SES from this stack (lib/email-delivery.ts): an identity with Easy DKIM and a custom
   * MAIL FROM domain `<mailFromSubdomain>.<domain>`, so SPF and DKIM both align with the From domain (DMARC). The DNS
   * records to add are stack outputs. @default none: the sender's identity is verified outside the stack.
   */
  senderDomain: z.optional(
    z.strictObject({
      domain: matching(HOSTNAME, (v) => `${v} is not a domain like "example.org"`),
      mailFromSubdomain: z._default(
        matching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, (v) => `${v} is not one DNS label like "mail"`),
        'mail',
      ),
    }),
  ),
  ismsManager: person,
  /** Owner of review actions; @default the ISMS manager. */
  actionOwner: z.optional(person),
  topManagement: z.array(member).check(z.minLength(1)),
  quorum: z.union([z.literal('all'), z.int().check(z.minimum(1))], {
    error: (iss) => `${show(iss.input)} is not a quorum: a whole number of members from 1, or "all"`,
  }),
  reminders: z.strictObject({ interval: duration, maximum: z.int().check(z.minimum(0), z.maximum(10)) }),
  escalationContacts: z.array(person).check(z.minLength(1)),
  decisionLinkLifetime: duration,
  /** Base URL of decision links when something else fronts the API (a proxy, CloudFront); @default the HTTP API's URL. */
  decisionBaseUrl: z.optional(z.url({ protocol: /^https?$/, error: (iss) => `${show(iss.input)} is not an http(s) URL` })),
  /** A custom domain the stack serves decision links on; the API's own execute-api URL is then switched off. */
  decisionDomain: z.optional(
    z.strictObject({
      name: matching(HOSTNAME, (v) => `${v} is not a host name like "decide.example.com"`),
      /** An ACM certificate for the name, in the unit's region (a regional endpoint). */
      certificateArn: matching(
        CERTIFICATE_ARN,
        (v) => `${v} is not an ACM certificate ARN like "arn:aws:acm:eu-central-1:123456789012:certificate/…"`,
      ),
      /** A path on the domain for this unit, so that several units can share it (links: https://<name>/<basePath>/decisions/…). */
      basePath: z.optional(
        matching(/^[A-Za-z0-9_.-]+$/, (v) => `${v} is not a base path: one segment of letters, digits, "-", "_" or "."`),
      ),
    }),
  ),
  resourceApproval: z.strictObject({
    currency: matching(/^[A-Z]{3}$/, (v) => `${v} is not an ISO 4217 currency code like "EUR"`),
    levels: z.array(level).check(z.minLength(1)),
  }),
  evidenceRetentionYears: z.int().check(z.minimum(1), z.maximum(100)),
  /**
   * The unit's stack was deleted and is deployed again: use the evidence table, backup vault and log groups it retained
   * (fixed names) instead of creating them, which would fail because they exist. @default false
   */
  reattach: z.optional(z.boolean()),
  /** With `reattach`: the digest bucket and signing key the deleted stack retained, so sealing continues their chain (core/reattach.ts). */
  sealBucketName: z.optional(matching(S3_BUCKET_NAME, bucketNameProblem)),
  sealKeyArn: z.optional(matching(KMS_KEY_ARN, keyArnProblem)),
  /** How often evidence is sealed into a signed digest (docs/evidence-sealing.md); whole minutes, 1m to 24h. @default 1h */
  sealInterval: z._default(
    duration.check(
      z.refine((d) => DURATION_PATTERN.test(d) && parseDuration(d) % 60 === 0 && parseDuration(d) <= 86400, {
        error: (iss) => `${show(iss.input)} is not a seal interval: whole minutes from "1m" to "24h" (e.g. "1h")`,
      }),
    ),
    '1h',
  ),
  /** Approvals the information security policy and the objectives need (5.2, 6.2); @default the review's quorum. */
  policyQuorum: z.optional(
    z.union([z.literal('all'), z.int().check(z.minimum(1))], {
      error: (iss) => `${show(iss.input)} is not a quorum: a whole number of members from 1, or "all"`,
    }),
  ),
  /** Who an approved policy is communicated to (5.2 d): one email per address; distribution lists are fine. @default nobody */
  policyAudience: z.optional(z.array(email).check(z.maxLength(50))),
  /** How long an approved policy stands before top management re-confirms it: "12mo" (calendar months) or a duration. @default 12mo */
  policyReviewInterval: z.optional(
    matching(/^([1-9]\d{0,2}mo|[1-9]\d{0,6}(s|m|h|d))$/, (v) => `${v} is not an interval like "12mo" (months), "90d" or "30s"`),
  ),
});

/** How a schedule expression is checked: its form only (checkScheduleForm), or also its fields by croner. */
type ScheduleCheck = (expression: string, timeZone: string) => void;

// Cross-field rules run even when a field is bad, so one run reports every problem; hence defensive reads.
const unitSchema = (checkSchedule: ScheduleCheck) =>
  baseSchema.check(z.superRefine((unit, ctx) => crossFieldRules(unit as Partial<Draft>, ctx, checkSchedule), { when: () => true }));

/**
 * The unit's config as tests build one: the same fields and rules as the files are checked with (validateUnit), except
 * that the review schedule's fields are not parsed by croner, only its form (cron/rate/at, six fields, one "?",
 * weekdays 1-7). Functions do not run it: they read the config synth validated in full (core/unit.ts readUnitConfig).
 */
export const businessUnitSchema = unitSchema(checkScheduleForm);

let fileSchema: typeof businessUnitSchema | undefined;
/** The full check of a unit's file (synth, `npm start`, the CLI): built on first use, so that no function bundles croner. */
const unitFileSchema = () => (fileSchema ??= unitSchema(validateScheduleExpression));

type Draft = z.input<typeof baseSchema>;
/** A config as written, before validation (the cross-field rules read it defensively). */
export type UnitDraft = Draft;
function crossFieldRules(unit: Partial<Draft>, ctx: z.core.$RefinementCtx<unknown>, checkSchedule: ScheduleCheck) {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const members = Array.isArray(unit.topManagement) ? unit.topManagement.filter((m) => m && typeof m === 'object') : [];
  // Built afresh: a draft may be validated, changed and validated again, so it is never cached.
  const people = Identities.build(configuredPeople(unit));
  if (members.length > 0) {
    const chairs = members.filter((m) => m.chair === true).length;
    if (chairs !== 1) issue(['topManagement'], `must name exactly one chair ("chair": true); found ${chairs}`);
    // The same person under another spelling, plus-tag or alias is still listed twice (docs/architecture.md#people-are-identities).
    const ids = people.identities;
    const emails = members.map((m) => ids.of(String(m.email)));
    emails.forEach((e, i) => {
      if (emails.indexOf(e) !== i) issue(['topManagement', i, 'email'], `${show(e)} is listed twice`);
    });
  }
  for (const c of people.clashes) {
    const owner = c.ownerName ? `${c.ownerName} <${c.owner}>` : c.owner;
    issue(
      [...c.where, 'aliases', c.aliasIndex],
      `${show(c.alias)} is ${c.ownersAddress ? 'the address' : 'an alias'} of ${owner}, another person; an alias must be an address of this person only`,
    );
  }
  deputyRules(unit, people.identities, issue);
  reattachRules(unit, issue);
  // DMARC passes only when the From domain is the one DKIM signs for (or a subdomain of it).
  const from = typeof unit.sender === 'string' ? unit.sender.split('@')[1]?.toLowerCase() : undefined;
  const signed = unit.senderDomain?.domain;
  if (from && typeof signed === 'string' && from !== signed && !from.endsWith(`.${signed}`)) {
    issue(['senderDomain', 'domain'], `${show(signed)} is not the domain of sender ${show(unit.sender)}; use ${show(from)}`);
  }
  if (typeof unit.quorum === 'number' && members.length > 0 && unit.quorum > members.length) {
    issue(['quorum'], `${unit.quorum} is larger than the ${members.length} members of topManagement`);
  }
  if (typeof unit.policyQuorum === 'number' && members.length > 0 && unit.policyQuorum > members.length) {
    issue(['policyQuorum'], `${unit.policyQuorum} is larger than the ${members.length} members of topManagement`);
  }
  if (typeof unit.reviewSchedule === 'string' || unit.reviewSchedule === undefined) {
    try {
      const tz = typeof unit.timeZone === 'string' && isTimeZone(unit.timeZone) ? unit.timeZone : 'UTC';
      checkSchedule(unit.reviewSchedule ?? DEFAULT_REVIEW_SCHEDULE, tz);
    } catch (err) {
      issue(['reviewSchedule'], (err as Error).message);
    }
  }
  const levels = Array.isArray(unit.resourceApproval?.levels) ? unit.resourceApproval.levels : [];
  levels.forEach((l, i) => {
    const prev = levels[i - 1]?.fromAmount;
    if (i > 0 && typeof l?.fromAmount === 'number' && typeof prev === 'number' && l.fromAmount <= prev) {
      issue(
        ['resourceApproval', 'levels', i, 'fromAmount'],
        `${l.fromAmount} must be larger than the level before (${prev}): levels are ordered lowest first`,
      );
    }
  });
  if (levels[0] && (levels[0].fromAmount !== 0 || levels[0].categories)) {
    issue(['resourceApproval', 'levels', 0], 'the first level must apply from 0 to every category, so that every request has an approver');
  }
  if (unit.decisionDomain && unit.decisionBaseUrl !== undefined) {
    issue(['decisionDomain'], 'cannot be combined with decisionBaseUrl: links use the custom domain; remove one of the two');
  }
  const certificateRegion = CERTIFICATE_ARN.exec(String(unit.decisionDomain?.certificateArn ?? ''))?.[1];
  if (certificateRegion && typeof unit.region === 'string' && certificateRegion !== unit.region) {
    issue(
      ['decisionDomain', 'certificateArn'],
      `is in ${certificateRegion}, but the unit deploys to ${unit.region}: a regional API needs a certificate in its own region`,
    );
  }
  const lifetime = safeDuration(unit.decisionLinkLifetime);
  const interval = safeDuration(unit.reminders?.interval);
  const maximum = typeof unit.reminders?.maximum === 'number' ? unit.reminders.maximum : undefined;
  // The workflow waits one interval, then one per reminder, then escalates and waits out the rest of the lifetime.
  if (lifetime !== undefined && interval !== undefined && maximum !== undefined && lifetime <= interval * (maximum + 1)) {
    issue(
      ['decisionLinkLifetime'],
      `${show(unit.decisionLinkLifetime)} must be longer than reminders.interval × (reminders.maximum + 1) = ${interval * (maximum + 1)}s, so that escalation happens while links still work`,
    );
  }
}

/** Every entry that may name deputies (top managers, level approvers), with where. */
function deputyHolders(unit: Partial<Draft>): Array<{ entry: { email?: unknown; name?: unknown; deputies?: unknown }; where: PersonPath }> {
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  return [
    ...list(unit.topManagement).map((m, i) => ({ entry: m ?? {}, where: ['topManagement', i] as PersonPath })),
    ...list(unit.resourceApproval?.levels).map((l, i) => ({
      entry: l?.approver ?? {},
      where: ['resourceApproval', 'levels', i, 'approver'] as PersonPath,
    })),
  ];
}

/** A deputy stands in for someone else: never the person themself (as an identity: spelling, plus-tag, alias), never listed twice. */
function deputyRules(unit: Partial<Draft>, ids: Identities, issue: (path: PropertyKey[], message: string) => void) {
  for (const { entry, where } of deputyHolders(unit)) {
    if (typeof entry.email !== 'string' || !Array.isArray(entry.deputies)) continue;
    const seen = new Set<string>();
    entry.deputies.forEach((d: { email?: unknown }, i: number) => {
      if (typeof d?.email !== 'string') return;
      const id = ids.of(d.email);
      if (id === ids.of(entry.email as string)) {
        issue(
          [...where, 'deputies', i, 'email'],
          `${show(d.email)} is ${show(String(entry.name ?? entry.email))} themself; a deputy must be another person, who decides for them while they are absent`,
        );
      } else if (seen.has(id)) {
        issue([...where, 'deputies', i, 'email'], `${show(d.email)} is listed twice as a deputy of the same person`);
      }
      seen.add(id);
    });
  }
}

/**
 * What is valid but works against the policy: one person in the roles of several approval levels. One person decides at
 * most one level of a request, so such a person is skipped wherever they would decide a second level. One line per person.
 */
export function configWarnings(unit: BusinessUnitConfig): string[] {
  const ids = unitIdentities(unit);
  const roles = new Map<string, { name: string; levels: Set<number>; parts: string[] }>();
  unit.resourceApproval.levels.forEach((l, i) => {
    for (const [role, p] of [
      ['approver', l.approver],
      ['escalation contact', l.escalationContact],
    ] as const) {
      const id = ids.of(p.email);
      const r = roles.get(id) ?? { name: ids.nameOf(id) ?? p.name, levels: new Set<number>(), parts: [] };
      r.levels.add(i);
      r.parts.push(`${role} of level ${i + 1} "${l.name}"`);
      roles.set(id, r);
    }
  });
  return [...roles]
    .filter(([, r]) => r.levels.size > 1)
    .map(
      ([id, r]) =>
        `resourceApproval.levels: ${r.name} <${id}> holds roles in levels ${[...r.levels].map((i) => i + 1).join(', ')} (${r.parts.join(', ')}); ` +
        'one person decides at most one level of a request, so wherever they would decide a second one, routing and escalation pass them over',
    );
}

/** Domains reserved for examples (RFC 2606), which no mailbox or SES identity can be at. */
const EXAMPLE_DOMAINS = ['example.com', 'example.org', 'example.net'];

/** The reserved example domain `email` is at (or under), if any. */
export function exampleDomainOf(email: string): string | undefined {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return EXAMPLE_DOMAINS.find((d) => domain === d || domain.endsWith(`.${d}`));
}

/**
 * Warnings for deploying a valid unit (synth prints them; tests and local runs need example addresses, so they fail
 * nothing): a sender at an example domain cannot be verified in SES, so the unit sends nothing, and an ISMS manager
 * there cannot confirm the alarm subscription, so alarms reach nobody.
 */
export function deployWarnings(unit: BusinessUnitConfig): string[] {
  const warnings: string[] = [];
  const sender = exampleDomainOf(unit.sender);
  if (sender) {
    warnings.push(
      `sender: ${unit.sender} of unit ${unit.id} is at ${sender}, a domain reserved for examples: SES cannot verify it, so the unit cannot send email; replace it before cdk deploy`,
    );
  }
  const manager = exampleDomainOf(unit.ismsManager.email);
  if (manager) {
    warnings.push(
      `ismsManager.email: ${unit.ismsManager.email} of unit ${unit.id} is at ${manager}, a domain reserved for examples: nobody can confirm the alarm subscription or read the unit's reports; replace it before cdk deploy`,
    );
  }
  warnings.push(...reattachWarnings(unit));
  return warnings;
}

function safeDuration(value: unknown): number | undefined {
  return typeof value === 'string' && DURATION_PATTERN.test(value) ? parseDuration(value) : undefined;
}

export type BusinessUnitConfig = z.output<typeof businessUnitSchema>;
export type Person = z.output<typeof person>;
export type Member = z.output<typeof member>;
export type ApprovalLevel = z.output<typeof level>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Business-unit configuration is invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates one parsed file; returns the unit or the problems, each "file: path: message". */
export function validateUnit(raw: unknown, file: string): { unit?: BusinessUnitConfig; problems: string[] } {
  const result = unitFileSchema().safeParse(raw, { reportInput: true });
  if (result.success) return { unit: result.data, problems: [] };
  const problems = result.error.issues.flatMap((iss) => {
    if (iss.code === 'unrecognized_keys') {
      return iss.keys.map((k) => `${file}: ${formatPath([...iss.path, k])}: is not a known field`);
    }
    const where = formatPath(iss.path) || '(file)';
    let message = iss.message;
    if (iss.code === 'invalid_type') {
      message = iss.input === undefined ? `is required (${iss.expected})` : `${show(iss.input)} is not a ${iss.expected}`;
    } else if (iss.code === 'invalid_value' && 'values' in iss) {
      message = `${show(iss.input)} is not one of ${iss.values.map((v) => show(v)).join(', ')}`;
    } else if (iss.code === 'too_small' || iss.code === 'too_big') {
      message = sizeMessage(iss);
    }
    return [`${file}: ${where}: ${message}`];
  });
  return { problems };
}

function sizeMessage(iss: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = iss.code === 'too_small';
  const bound = Number(small ? (iss as z.core.$ZodIssueTooSmall).minimum : (iss as z.core.$ZodIssueTooBig).maximum);
  const inclusive = iss.inclusive !== false;
  if (iss.origin === 'string') {
    if (small && bound === 1) return 'must not be empty';
    return `must be ${small ? 'at least' : 'at most'} ${bound} characters`;
  }
  if (iss.origin === 'array') return `must list ${small ? 'at least' : 'at most'} ${bound}`;
  const limit = small ? (inclusive ? `${bound} or more` : `more than ${bound}`) : inclusive ? `${bound} or less` : `less than ${bound}`;
  return `${show(iss.input)} must be ${limit}`;
}
