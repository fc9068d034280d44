// Absences (issue 15): who is away from when to when and who decides for them, folded from append-only absence events.
import { deputiesOf, unitIdentities, type BusinessUnitConfig, type Person } from './unit';
import { principalAddress } from './identity';
import { show } from './text';

export const ABSENCES_PK = 'ABSENCES';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface Absence {
  absenceId: string;
  /** The absent person as configured (name and address). */
  person: Person;
  /** First and last day away, inclusive, in the unit's time zone. */
  from: string;
  to: string;
  /** Who decides for them; absent: their configured deputies in order. */
  deputy?: Person;
  /** The ISMS manager confirmed a deputy who is not configured for the person (--confirm). */
  confirmed: boolean;
  setBy: string;
  setAt: string;
  endedAt?: string;
  endedBy?: string;
}

/** The stored audit events of the ABSENCES partition (absence.set, absence.ended), as the store reads them. */
export interface AbsenceEvent {
  type: string;
  at: string;
  actor: string;
  detail: Record<string, unknown>;
}

/** Every absence, with its end applied; oldest first. */
export function foldAbsences(events: readonly AbsenceEvent[]): Absence[] {
  const byId = new Map<string, Absence>();
  for (const e of [...events].sort((a, b) => a.at.localeCompare(b.at))) {
    const d = e.detail as Partial<Absence>;
    if (e.type === 'absence.set' && d.absenceId && d.person && d.from && d.to) {
      byId.set(d.absenceId, {
        absenceId: d.absenceId,
        person: d.person,
        from: d.from,
        to: d.to,
        deputy: d.deputy,
        confirmed: Boolean(d.confirmed),
        setBy: e.actor,
        setAt: e.at,
      });
    } else if (e.type === 'absence.ended' && d.absenceId) {
      const a = byId.get(d.absenceId);
      if (a && !a.endedAt) Object.assign(a, { endedAt: e.at, endedBy: e.actor });
    }
  }
  return [...byId.values()];
}

/** The absence of the person `address` stands for on `day` (YYYY-MM-DD in the unit's zone), if any; the latest set wins. */
export function absenceOn(unit: BusinessUnitConfig, absences: readonly Absence[], address: string, day: string): Absence | undefined {
  const ids = unitIdentities(unit);
  return absences
    .filter((a) => !a.endedAt && a.from <= day && day <= a.to && ids.same(a.person.email, address))
    .sort((a, b) => b.setAt.localeCompare(a.setAt))[0];
}

/** The people who may be marked absent: top managers and level approvers (those who decide). */
function decider(unit: BusinessUnitConfig, address: string): Person | undefined {
  const ids = unitIdentities(unit);
  const all = [...unit.topManagement, ...unit.resourceApproval.levels.map((l) => l.approver)];
  const p = all.find((x) => ids.same(x.email, address));
  return p && { name: p.name, email: p.email };
}

/**
 * Checks an absence to set: a configured decider, valid days (from <= to), and a deputy who is one of their configured
 * deputies, or any other person when the ISMS manager confirms it (`confirm`). Every problem, each naming its flag.
 */
export function checkAbsence(
  unit: BusinessUnitConfig,
  input: { person: string; from: string; to: string; deputy?: string; confirm?: boolean },
): { person: Person; deputy?: Person; unnamed: boolean; problems: [] } | { problems: string[] } {
  const problems: string[] = [];
  const ids = unitIdentities(unit);
  const person = decider(unit, input.person);
  if (!person) problems.push(`--person: ${show(input.person)} is not a top manager or approver of unit ${unit.id}`);
  if (!DAY.test(input.from) || Number.isNaN(Date.parse(input.from)))
    problems.push(`--from: ${show(input.from)} is not a day like 2026-12-24`);
  if (!DAY.test(input.to) || Number.isNaN(Date.parse(input.to))) problems.push(`--to: ${show(input.to)} is not a day like 2027-01-06`);
  else if (DAY.test(input.from) && input.to < input.from) problems.push(`--to: ${input.to} is before --from ${input.from}`);
  let deputy: Person | undefined;
  /** A deputy the config does not name for the person: only with --confirm, the ISMS manager's (confirmRefusal). */
  let unnamed = false;
  if (person) {
    const configured = deputiesOf(unit, person.email);
    if (input.deputy !== undefined) {
      const d = configured.find((c) => ids.same(c.email, input.deputy!));
      if (ids.same(input.deputy, person.email)) problems.push(`--deputy: ${show(input.deputy)} is ${person.name} themself`);
      else if (d) deputy = d;
      else if (input.confirm) {
        deputy = { name: ids.nameOf(input.deputy) ?? input.deputy, email: input.deputy };
        unnamed = true;
      } else
        problems.push(
          `--deputy: ${show(input.deputy)} is not a configured deputy of ${person.name} (${configured.map((c) => c.email).join(', ') || 'none configured'}); add --confirm to confirm them as the ISMS manager`,
        );
    } else if (!configured.length) {
      problems.push(`--deputy: ${person.name} has no configured deputy; name one with --deputy <email> --confirm`);
    }
  }
  if (problems.length || !person) return { problems };
  return { person, deputy, unnamed, problems: [] };
}

/**
 * Why `caller` may not confirm a deputy the config does not name (--confirm), or undefined when they may: the evidence
 * records the confirmation as the ISMS manager's, so on AWS the caller's principal must carry the ISMS manager's address
 * (an IAM Identity Center session or an IAM user named by email: principalAddress). The local runtime has no
 * authenticated caller ("local:<OS user>"): whoever runs it is its ISMS manager.
 */
export function confirmRefusal(unit: BusinessUnitConfig, caller: string): string | undefined {
  if (caller.startsWith('local:')) return undefined;
  const address = principalAddress(caller);
  if (address && unitIdentities(unit).same(address, unit.ismsManager.email)) return undefined;
  return `--confirm: only the ISMS manager (${unit.ismsManager.name} <${unit.ismsManager.email}>) confirms a deputy the config does not name, and you are ${caller}${address ? '' : ', whose name is no email address'}; nothing was stored. Name a configured deputy instead, or ask the ISMS manager`;
}
