// The `isms` commands as data: name, usage, summary and flags of each, and where its code is. `isms --help`, a
// command's --help, and the suggestions for a mistyped command or flag read this file only; a command's module (and the
// AWS SDK clients it uses) is imported when that command runs. Keep this file free of imports that cost anything.
//
// Adding a command: write its module (`cli/<topic>-commands.ts`, exporting `commands: CliCommand[]`, each with the
// name and `usage: usageOf('<name>')`), then add one entry below with its name, summary, usage, flags and
// `load: () => import('./<topic>-commands')`. tests/pure/cli-manifest.test.ts checks that every entry's module exports
// the command, that the usage names exactly the declared flags, and that every command module is in the manifest.
import type { CliCommand } from './context';

export type FlagType = 'string' | 'boolean';

export interface CommandSpec {
  /** What a person types after `isms`, e.g. 'review start'. */
  name: string;
  /** One line for `isms --help`: what the command does. */
  summary: string;
  /** The synopsis after `isms `, naming every flag (optional ones in brackets). */
  usage: string;
  /** Every flag the command accepts (without `--`), as node:util parseArgs options take them. */
  flags: Record<string, FlagType>;
  /** The module that exports the command in `commands`; imported only when the command runs. */
  load: () => Promise<{ commands: CliCommand[] }>;
}

const unitFlags = { bu: 'string', local: 'boolean' } as const;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'review start',
    summary:
      'open the management review of a period (YYYY-Qn, current, next; default: the current quarter), or restart one whose workflow failed',
    usage: 'review start --bu <id> [--period YYYY-Qn] [--local]',
    flags: { ...unitFlags, period: 'string' },
    load: () => import('./review-commands'),
  },
  {
    name: 'review status',
    summary: 'status, decisions, reminders and actions of a review (--period YYYY-Qn, current, next or previous; default: current)',
    usage: 'review status --bu <id> [--period YYYY-Qn] [--local]',
    flags: { ...unitFlags, period: 'string' },
    load: () => import('./action-commands'),
  },
  {
    name: 'inputs submit',
    summary: "store the ISMS manager's review inputs (9.3.2 b-g) before the review's pack is compiled",
    usage: 'inputs submit --bu <id> --period YYYY-Qn --file inputs.json [--by EMAIL] [--local]',
    flags: { ...unitFlags, period: 'string', file: 'string', by: 'string' },
    load: () => import('./review-commands'),
  },
  {
    name: 'actions list',
    summary: 'review actions with owner, due date and linked requests (default: open)',
    usage: 'actions list --bu <id> [--status open|closed|all] [--local]',
    flags: { ...unitFlags, status: 'string' },
    load: () => import('./action-commands'),
  },
  {
    name: 'action close',
    summary: "close an open review action with a note (default --by: the unit's ISMS manager)",
    usage: 'action close --bu <id> --action <actionId> --note <text, 1-2000 chars> [--by EMAIL] [--local]',
    flags: { ...unitFlags, action: 'string', note: 'string', by: 'string' },
    load: () => import('./action-commands'),
  },
  {
    name: 'request submit',
    summary: 'ask for resources; the request goes to every approval level its amount and category reach',
    usage:
      'request submit --bu <id> --category financial|human|equipment|infrastructure-technology --title <text> ' +
      '--justification <text> --amount <number> --currency <code> --requester <email> [--review YYYY-Qn] [--local]',
    flags: {
      ...unitFlags,
      category: 'string',
      title: 'string',
      justification: 'string',
      amount: 'string',
      currency: 'string',
      requester: 'string',
      review: 'string',
    },
    load: () => import('./request-commands'),
  },
  {
    name: 'request status',
    summary: 'where a resource request stands: each level, its approver and decision',
    usage: 'request status --bu <id> --id <request id> [--local]',
    flags: { ...unitFlags, id: 'string' },
    load: () => import('./request-commands'),
  },
  {
    name: 'requests list',
    summary: 'resource requests, newest first, with the level each waits at or its outcome (default: all)',
    usage: 'requests list --bu <id> [--status pending|approved|rejected|expired|all] [--since YYYY-MM-DD] [--local]',
    flags: { ...unitFlags, status: 'string', since: 'string' },
    load: () => import('./request-commands'),
  },
  {
    name: 'request restart',
    summary: 'carry on a pending request whose workflow failed, at the level it waited at',
    usage: 'request restart --bu <id> --id <request id> [--local]',
    flags: { ...unitFlags, id: 'string' },
    load: () => import('./request-commands'),
  },
  {
    name: 'evidence export',
    summary: 'audit events, packs, decisions, minutes and requests for the auditor (default: the last 12 months, JSON)',
    usage: 'evidence export --bu <id> [--from YYYY-MM] [--to YYYY-MM] [--format json|html|bundle] [--out FILE|DIR] [--local]',
    flags: { ...unitFlags, from: 'string', to: 'string', format: 'string', out: 'string' },
    load: () => import('./evidence-commands'),
  },
  {
    name: 'evidence verify',
    summary:
      'check a sealed-evidence bundle (signatures, chain, windows, every record) with DIR, or the live table against the digests with --bu',
    usage: 'evidence verify DIR | --bu <id> [--local]',
    flags: { ...unitFlags },
    load: () => import('./seal-commands'),
  },
  {
    name: 'report',
    summary: 'the leadership report as one printable HTML file: summary, clause map, reviews, requests, charts (--bu all: every unit)',
    usage: 'report --bu <id>|all [--from YYYY-MM] [--to YYYY-MM] [--out FILE] [--local]',
    flags: { ...unitFlags, from: 'string', to: 'string', out: 'string' },
    load: () => import('./report-commands'),
  },
  {
    name: 'policy submit',
    summary: 'submit a version of the information security policy (Markdown or PDF, up to 256 KiB) for top management approval',
    usage: 'policy submit --bu <id> --file <policy.md|policy.pdf> --version <version> --summary <what changed> [--by <email>] [--local]',
    flags: { ...unitFlags, file: 'string', version: 'string', summary: 'string', by: 'string' },
    load: () => import('./policy-commands'),
  },
  {
    name: 'policy status',
    summary: 'current policy and objectives: version, approvals, communication, re-confirmation due; submissions awaiting approval',
    usage: 'policy status --bu <id> [--local]',
    flags: { ...unitFlags },
    load: () => import('./policy-commands'),
  },
  {
    name: 'objectives submit',
    summary: 'submit the information security objectives (JSON: id, text, measure, target, owner, due) for approval',
    usage: 'objectives submit --bu <id> --file <objectives.json> [--version <version>] [--summary <what changed>] [--by <email>] [--local]',
    flags: { ...unitFlags, file: 'string', version: 'string', summary: 'string', by: 'string' },
    load: () => import('./policy-commands'),
  },
  {
    name: 'objectives update',
    summary: 'record a measurement of a current objective (status and value) as evidence',
    usage:
      'objectives update --bu <id> --id <objective> --status on-track|at-risk|achieved|missed --value <measured> [--note <text>] [--by <email>] [--local]',
    flags: { ...unitFlags, id: 'string', status: 'string', value: 'string', note: 'string', by: 'string' },
    load: () => import('./policy-commands'),
  },
  {
    name: 'objectives list',
    summary: 'the current objectives with their latest status and value',
    usage: 'objectives list --bu <id> [--local]',
    flags: { ...unitFlags },
    load: () => import('./policy-commands'),
  },
  {
    name: 'absence set',
    summary: 'mark a top manager or approver absent: invitations, reminders and request levels go to their deputy',
    usage: 'absence set --bu <id> --person EMAIL --from YYYY-MM-DD --to YYYY-MM-DD [--deputy EMAIL] [--confirm] [--local]',
    flags: { ...unitFlags, person: 'string', from: 'string', to: 'string', deputy: 'string', confirm: 'boolean' },
    load: () => import('./absence-commands'),
  },
  {
    name: 'absence list',
    summary: 'absences of the unit (NOW marks those in effect today)',
    usage: 'absence list --bu <id> [--local]',
    flags: { ...unitFlags },
    load: () => import('./absence-commands'),
  },
  {
    name: 'absence end',
    summary: 'end an absence now (the id as absence list prints it)',
    usage: 'absence end --bu <id> --id <absence id> [--local]',
    flags: { ...unitFlags, id: 'string' },
    load: () => import('./absence-commands'),
  },
  {
    name: 'doctor',
    summary: 'check each unit: stack version, SES, alarm subscription, schedule, endpoint, workflows, dead letters, sealing, data schema',
    usage: 'doctor --bu <id>|all [--since 24h] [--local]',
    flags: { ...unitFlags, since: 'string' },
    load: () => import('./doctor-commands'),
  },
  {
    name: 'smoke-test',
    summary: 'after a deploy: an alarm reaches the topic, the sender can email the ISMS manager, decision links reach the endpoint',
    usage: 'smoke-test --bu <id> [--local]',
    flags: { ...unitFlags },
    load: () => import('./smoke-commands'),
  },
];

/** The manifest entry of a command; throws for a name that has none (a command module without its entry). */
export function specOf(name: string): CommandSpec {
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) throw new Error(`The command "${name}" has no entry in cli/manifest.ts`);
  return spec;
}

/** What a command module puts in its `usage`: the manifest's synopsis, so that the two cannot differ. */
export const usageOf = (name: string): string => specOf(name).usage;

/** The command's flags as node:util parseArgs options. */
export function optionsOf(name: string): Record<string, { type: FlagType }> {
  return Object.fromEntries(Object.entries(specOf(name).flags).map(([flag, type]) => [flag, { type }]));
}
