// The validated config of a unit as functions read it: categories, who is who, deputies, timing and quorum. No zod: a
// function gets the config validated in full where it was written (core/config.ts validateUnit, at synth, in the local
// runtime and the CLI) and reads it with readUnitConfig, so that no function bundles the schema or builds it at cold
// start (docs/architecture.md#the-config-is-validated-where-it-is-written).
import type { ApprovalLevel, BusinessUnitConfig, Member, Person, UnitDraft } from './config';
import { parseDuration } from './duration';
import { Identities, type KnownPerson } from './identity';

export type { ApprovalLevel, BusinessUnitConfig, Member, Person };

export const RESOURCE_CATEGORIES = ['financial', 'human', 'equipment', 'infrastructure-technology'] as const;
export type ResourceCategory = (typeof RESOURCE_CATEGORIES)[number];

/** How packs, minutes, pages and emails name a category. */
export const CATEGORY_LABELS: Record<ResourceCategory, string> = {
  financial: 'Financial',
  human: 'Human',
  equipment: 'Equipment',
  'infrastructure-technology': 'Infrastructure technology',
};

/**
 * The configured deputies of the person `address` stands for, in the order listed (the deputies of every entry of that
 * person: a top manager who also approves a level has the deputies of both). Empty when none are configured.
 */
export function deputiesOf(unit: BusinessUnitConfig, address: string): Person[] {
  const ids = unitIdentities(unit);
  const id = ids.of(address);
  const out: Person[] = [];
  const holders: Array<{ email: string; deputies?: Array<{ name: string; email: string }> }> = [
    ...unit.topManagement,
    ...unit.resourceApproval.levels.map((l) => l.approver),
  ];
  for (const h of holders) {
    if (ids.of(h.email) !== id) continue;
    for (const d of h.deputies ?? []) {
      if (!out.some((o) => ids.same(o.email, d.email))) out.push({ name: d.name, email: d.email });
    }
  }
  return out;
}

const directories = new WeakMap<BusinessUnitConfig, Identities>();

/**
 * Who an address is in this unit: the configured person it is an address or alias of, else the address itself (canonical).
 * Built once per validated config object (routing asks for every request; a handler's config never changes).
 */
export function unitIdentities(unit: BusinessUnitConfig): Identities {
  let ids = directories.get(unit);
  if (!ids) {
    ids = Identities.build(configuredPeople(unit)).identities;
    directories.set(unit, ids);
  }
  return ids;
}

/** Every person the config names, with where: the ISMS manager, action owner, members, escalation contacts, each level's two. */
export function configuredPeople(unit: Partial<UnitDraft>): Array<{ person: KnownPerson; where: PersonPath }> {
  const out: Array<{ person: KnownPerson; where: PersonPath }> = [];
  const add = (p: unknown, where: PersonPath) => {
    if (p && typeof p === 'object' && typeof (p as KnownPerson).email === 'string') out.push({ person: p as KnownPerson, where });
  };
  add(unit.ismsManager, ['ismsManager']);
  add(unit.actionOwner, ['actionOwner']);
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  list(unit.topManagement).forEach((m, i) => {
    add(m, ['topManagement', i]);
  });
  list(unit.escalationContacts).forEach((c, i) => {
    add(c, ['escalationContacts', i]);
  });
  list(unit.resourceApproval?.levels).forEach((l, i) => {
    add(l?.approver, ['resourceApproval', 'levels', i, 'approver']);
    add(l?.escalationContact, ['resourceApproval', 'levels', i, 'escalationContact']);
  });
  // Deputies are not added: an address of theirs that is someone's alias is that someone (deputyRules refuses it).
  return out;
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Numbers the workflows need, derived once so CDK and the local runtime agree. */
export function timing(unit: BusinessUnitConfig) {
  const reminderIntervalSeconds = parseDuration(unit.reminders.interval);
  const maxReminders = unit.reminders.maximum;
  const linkLifetimeSeconds = parseDuration(unit.decisionLinkLifetime);
  return {
    reminderIntervalSeconds,
    maxReminders,
    linkLifetimeSeconds,
    /** After escalation the workflow waits for the rest of the link lifetime, then closes as not decided in time. */
    afterEscalationSeconds: linkLifetimeSeconds - reminderIntervalSeconds * (maxReminders + 1),
  };
}

/**
 * Where a link is sent from in the workflow: the first email (or its re-send), reminder n (1-based), or the
 * escalation (the contact's new link, the overdue notice, or the review's escalation email).
 */
export type LinkStage = { kind: 'first' } | { kind: 'reminder'; reminder: number } | { kind: 'escalation' };

/**
 * How long the workflow still waits for a link sent at `stage`: the waits left in the definition (one reminder
 * interval per wait before escalation, then the wait after escalation). A link expires at the end of the wait it
 * serves: a click after that would find the workflow gone, a link that ends earlier would lock a person out while
 * the workflow still waits. The email is sent just before the wait starts, so it never expires after the wait ends.
 */
export function waitLeftSeconds(unit: BusinessUnitConfig, stage: LinkStage): number {
  const t = timing(unit);
  if (stage.kind === 'escalation') return t.afterEscalationSeconds;
  const remindersLeft = stage.kind === 'first' ? t.maxReminders : t.maxReminders - stage.reminder;
  return t.reminderIntervalSeconds * (Math.max(remindersLeft, 0) + 1) + t.afterEscalationSeconds;
}

export function requiredApprovals(unit: BusinessUnitConfig): number {
  return unit.quorum === 'all' ? unit.topManagement.length : unit.quorum;
}

/** Approvals a policy or objectives submission needs: policyQuorum, else the review's quorum. */
export function policyApprovals(unit: BusinessUnitConfig): number {
  const q = unit.policyQuorum ?? unit.quorum;
  return q === 'all' ? unit.topManagement.length : q;
}

/** "topManagement[1].email" from a zod path. */
export function formatPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Where a person is named in the config, as a path ("topManagement", 1). */
export type PersonPath = Array<string | number>;

/**
 * The unit's config from a function's environment (BU_CONFIG): the JSON of a config validated where it was written.
 * Checks that it is one (an object with the unit's id, top management and approval levels), not every rule again.
 */
export function readUnitConfig(json: string | undefined): BusinessUnitConfig {
  let value: unknown;
  try {
    value = JSON.parse(json ?? '');
  } catch {
    throw new Error('BU_CONFIG is not JSON: the function environment must hold the JSON of a validated unit config');
  }
  const v = value as Partial<BusinessUnitConfig> | null;
  if (
    !v ||
    typeof v !== 'object' ||
    typeof v.id !== 'string' ||
    !Array.isArray(v.topManagement) ||
    !Array.isArray(v.resourceApproval?.levels) ||
    typeof v.timeZone !== 'string'
  ) {
    throw new Error('BU_CONFIG is not a unit config: it needs id, timeZone, topManagement and resourceApproval.levels');
  }
  return v as BusinessUnitConfig;
}
