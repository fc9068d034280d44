// `isms absence set|list|end`: who is away, from when to when, and who decides for them (issue 15), kept as evidence events.
import { z } from 'zod';
import { checkAbsence, confirmRefusal, type Absence } from '../core/absence';
import { dayIn } from '../core/period';
import { deputiesOf } from '../core/config';
import { endAbsence, listAbsences, setAbsence } from '../lambdas/shared/delegation';
import type { CliCommand } from './context';
import { bu, flagCommand } from './flags';

const day = (flag: string) =>
  z
    .string({ error: `--${flag}: is required (a day like 2026-12-24, in the unit's time zone)` })
    .min(1, { error: `--${flag}: must not be empty` });

const line = (a: Absence, today: string) =>
  `${a.absenceId}  ${a.person.name} <${a.person.email}>  ${a.from} to ${a.to}  deputy: ${a.deputy ? `${a.deputy.name} <${a.deputy.email}>${a.confirmed ? ' (confirmed by the ISMS manager)' : ''}` : 'configured deputies'}  set by ${a.setBy}${
    a.endedAt ? `  ENDED ${a.endedAt} by ${a.endedBy}` : a.from <= today && today <= a.to ? '  NOW' : ''
  }`;

const absenceSet = flagCommand(
  'absence set',
  z.object({
    bu,
    person: z.email({ error: (iss) => `--person: ${JSON.stringify(iss.input ?? '')} is not an email address` }),
    from: day('from'),
    to: day('to'),
    deputy: z.email({ error: (iss) => `--deputy: ${JSON.stringify(iss.input)} is not an email address` }).optional(),
    confirm: z.boolean().optional(),
    local: z.boolean().optional(),
  }),
  async (parsed, ctx) => {
    const { opts, unit } = parsed;
    const checked = checkAbsence(unit, opts);
    if (checked.problems.length || !('person' in checked)) {
      for (const p of checked.problems) ctx.err(p);
      return 2;
    }
    const setBy = await ctx.caller(unit.id);
    // Only a deputy the config does not name needs the ISMS manager's confirmation, and only they may give it.
    const refused = checked.unnamed ? confirmRefusal(unit, setBy) : undefined;
    if (refused) {
      ctx.err(refused);
      return 2;
    }
    const rt = ctx.runtime(unit.id);
    const absence = await setAbsence(rt, {
      person: checked.person,
      from: opts.from,
      to: opts.to,
      deputy: checked.deputy,
      // Recorded as the ISMS manager's confirmation only where one was needed and given (a configured deputy needs none).
      confirmed: checked.unnamed,
      setBy,
    });
    ctx.out(
      `Absence ${absence.absenceId}: ${absence.person.name} is away ${absence.from} to ${absence.to}; ${
        absence.deputy
          ? `${absence.deputy.name} <${absence.deputy.email}>`
          : `their configured deputies (${deputiesOf(unit, absence.person.email)
              .map((d) => `${d.name} <${d.email}>`)
              .join(', ')})`
      } decide for them. Waiting reviews and requests pass to the deputy at their next reminder.`,
    );
    return 0;
  },
);

const absenceList = flagCommand('absence list', z.object({ bu, local: z.boolean().optional() }), async (parsed, ctx) => {
  const { unit } = parsed;
  const absences = await listAbsences(ctx.runtime(unit.id));
  if (!absences.length) {
    ctx.out(`No absences in ${unit.id}.`);
    return 0;
  }
  const today = dayIn(new Date(), unit.timeZone);
  for (const a of absences) ctx.out(line(a, today));
  return 0;
});

const absenceEnd = flagCommand(
  'absence end',
  z.object({
    bu,
    id: z.string({ error: '--id: is required (an absence id as absence list prints it)' }).regex(/^abs-\d{8}-[a-z0-9]{8}$/, {
      error: (iss) => `--id: ${JSON.stringify(iss.input)} is not an absence id like "abs-20261224-k3f9a2c1"`,
    }),
    local: z.boolean().optional(),
  }),
  async (parsed, ctx) => {
    const { opts, unit } = parsed;
    const ended = await endAbsence(ctx.runtime(unit.id), opts.id, await ctx.caller(unit.id));
    if (!ended) {
      ctx.err(`--id: ${opts.id} is not an absence of ${unit.id} that is still set (see absence list)`);
      return 1;
    }
    ctx.out(`Ended absence ${ended.absenceId} of ${ended.person.name} at ${ended.endedAt}.`);
    return 0;
  },
);

export const commands: CliCommand[] = [absenceSet, absenceList, absenceEnd];
