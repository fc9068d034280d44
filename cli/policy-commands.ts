// `isms policy submit|status` and `isms objectives submit|update|list`: the information security policy and objectives
// (ISO/IEC 27001 5.2, 6.2), approved by top management through the policy-approval workflow.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import type { BusinessUnitConfig } from '../core/config';
import type { CliCommand, CliContext } from './context';
import { usageOf } from './manifest';
import { keys, prefixes } from '../core/keys';
import { formatTime } from '../core/format';
import type { DecisionRecord } from '../core/decisions';
import { textProblem } from '../core/text';
import {
  DOCUMENT_LABELS,
  VERSION_PATTERN,
  checkPolicyDocument,
  executionNameOf,
  fingerprint,
  objectiveProgressSchema,
  parseObjectives,
  policyAudience,
  reconfirmationDue,
  reconfirmationState,
  submissionIdOf,
  type DocumentFormat,
  type DocumentKind,
  type ObjectiveProgressItem,
} from '../core/policy';
import { currentObjectives, currentOf, getPolicy, recordProgress, storeDocumentOnce, submissionsOf } from '../lambdas/shared/policy-store';
import { recordEvent } from '../lambdas/shared/audit';
import { getItem, itemsWithPrefix } from '../lambdas/shared/store';
import type { Runtime } from '../lambdas/shared/runtime';
import { bu, flagCommand } from './flags';

const version = z.string({ error: '--version: is required (like "2.1")' }).regex(VERSION_PATTERN, {
  error: (iss) => `--version: ${JSON.stringify(iss.input)} is not a version: 1-32 letters, digits, ".", "-", "_"`,
});
const summary = z
  .string({ error: '--summary: is required (what changed, one line)' })
  .trim()
  .min(1, { error: '--summary: must not be empty' })
  .max(1000, { error: '--summary: must be at most 1000 characters' })
  .superRefine((v, c) => {
    const p = textProblem(v, 'single-line');
    if (p) c.addIssue({ code: 'custom', message: `--summary: ${p}` });
  });
const by = z.email({ error: (iss) => `--by: ${JSON.stringify(iss.input)} is not an email address` }).optional();
const file = z.string({ error: '--file: is required' }).min(1, { error: '--file: is required' });

const when = (iso: string | undefined, unit: BusinessUnitConfig) => (iso ? formatTime(iso, unit.timeZone) : 'not known');

function readFile(ctx: CliContext, name: string): Buffer | undefined {
  try {
    return readFileSync(name);
  } catch (err) {
    ctx.err(`--file: ${name}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    return undefined;
  }
}

/**
 * Stores the document as evidence (once: its key is the version), then starts the approval. A version that was submitted
 * before is refused, so what top management approved can never be replaced under the same version.
 */
async function submitDocument(
  ctx: CliContext,
  unit: BusinessUnitConfig,
  args: { kind: DocumentKind; fileName: string; bytes: Buffer; format: DocumentFormat; version: string; summary: string; by?: string },
): Promise<number> {
  const rt = ctx.runtime(unit.id);
  const submissionId = submissionIdOf(unit.id, args.kind, args.version);
  const sha256 = fingerprint(args.bytes);
  const existing = await getPolicy(rt, submissionId);
  if (existing) {
    ctx.err(
      `--version: ${args.version} of the ${DOCUMENT_LABELS[args.kind]} was submitted at ${existing.submittedAt} already (${existing.status}); a new version is a new submission. Nothing was stored.`,
    );
    return 2;
  }
  const submittedBy = await ctx.caller(unit.id);
  const submitter = args.by ?? unit.ismsManager.email;
  const storedAt = new Date().toISOString();
  const stored = await storeDocumentOnce(rt, {
    ...keys.policyDocument(submissionId),
    sk: 'DOCUMENT',
    kind: 'policy-document',
    submissionId,
    documentKind: args.kind,
    version: args.version,
    format: args.format,
    fileName: path.basename(args.fileName).slice(0, 200),
    bytes: args.bytes.length,
    sha256,
    contentBase64: args.bytes.toString('base64'),
    storedAt,
    storedBy: submittedBy,
  });
  if (!stored) {
    // A submission whose workflow never opened it (the start failed) may be started again, with the very same document only.
    const prior = await getItem<{ sha256: string }>(rt, keys.policyDocument(submissionId));
    if (prior?.sha256 !== sha256) {
      ctx.err(
        `--version: ${args.version} of the ${DOCUMENT_LABELS[args.kind]} is stored already with another document; a new version is a new submission. Nothing was stored.`,
      );
      return 2;
    }
  }
  const stateMachineArn = await ctx.stateMachineArn(unit.id, 'policy-approval');
  try {
    await ctx.sfn(unit.id).send(
      new StartExecutionCommand({
        stateMachineArn,
        name: executionNameOf(unit.id, args.kind, args.version),
        input: JSON.stringify({
          bu: unit.id,
          documentKind: args.kind,
          version: args.version,
          summary: args.summary,
          sha256,
          submitter,
          submittedBy,
          submittedAt: storedAt,
        }),
      }),
    );
  } catch (err) {
    if ((err as Error).name === 'ExecutionAlreadyExists') {
      ctx.err(`--version: the approval of ${args.version} was started already; see isms policy status --bu ${unit.id}.`);
      return 2;
    }
    throw err;
  }
  ctx.out(submissionId);
  ctx.err(
    `Submitted ${DOCUMENT_LABELS[args.kind]} version ${args.version} of ${unit.id} (${args.format}, ${args.bytes.length} bytes, SHA-256 ${sha256}) for top management's approval.`,
  );
  // What happens now and what to do, as the other submit commands say it.
  ctx.err(
    `Each top manager but the submitter gets a personal decision link now${ctx.inboxUrl ? `; open ${ctx.inboxUrl} to decide` : ''}. Follow it with: isms policy status --bu ${unit.id}${ctx.local ? ' --local' : ''}`,
  );
  return 0;
}

export const policySubmit = flagCommand(
  'policy submit',
  z.object({ bu, file, version, summary, by, local: z.boolean().optional() }),
  async (parsed, ctx) => {
    const { opts, unit } = parsed;
    const bytes = readFile(ctx, opts.file);
    if (!bytes) return 2;
    const checked = checkPolicyDocument(opts.file, bytes);
    if (!checked.ok) {
      for (const p of checked.problems) ctx.err(p);
      ctx.err('Nothing was stored.');
      return 2;
    }
    return submitDocument(ctx, unit, { kind: 'policy', fileName: opts.file, bytes, format: checked.format, ...opts });
  },
);

export const objectivesSubmit = flagCommand(
  'objectives submit',
  z.object({ bu, file, version: version.optional(), summary: summary.optional(), by, local: z.boolean().optional() }),
  async (parsed, ctx) => {
    const { opts, unit } = parsed;
    const bytes = readFile(ctx, opts.file);
    if (!bytes) return 2;
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      ctx.err(`--file: ${opts.file}: is not valid JSON (${(err as Error).message})`);
      return 2;
    }
    const { objectives, problems } = parseObjectives(raw);
    if (!objectives) {
      for (const p of problems) ctx.err(`${opts.file}: ${p}`);
      ctx.err('Nothing was stored.');
      return 2;
    }
    // Stored as submitted, canonical enough to read: the fingerprint covers exactly these bytes.
    const canonical = Buffer.from(`${JSON.stringify({ objectives }, null, 2)}\n`, 'utf8');
    const checked = checkPolicyDocument('objectives.md', canonical);
    if (!checked.ok) {
      for (const p of checked.problems) ctx.err(p.replace('objectives.md', opts.file));
      return 2;
    }
    const rt = ctx.runtime(unit.id);
    const next = opts.version ?? String((await submissionsOf(rt, 'objectives')).length + 1);
    return submitDocument(ctx, unit, {
      kind: 'objectives',
      fileName: opts.file,
      bytes: canonical,
      format: 'json',
      version: next,
      summary:
        opts.summary ?? `${objectives.length} objective${objectives.length === 1 ? '' : 's'}: ${objectives.map((o) => o.id).join(', ')}`,
      by: opts.by,
    });
  },
);

/** What an auditor asks top management for: the current version, who approved it when, to whom it was communicated, when it is due again. */
async function statusLines(rt: Runtime, unit: BusinessUnitConfig, kind: DocumentKind, now: Date): Promise<string[]> {
  const all = await submissionsOf(rt, kind);
  const current = currentOf(all);
  const label = DOCUMENT_LABELS[kind].replace(/^./, (c) => c.toUpperCase());
  const lines = [`${label} of ${unit.id}:`];
  if (!current) {
    lines.push('  Current version: none approved yet');
  } else {
    const pk = keys.policy(current.submissionId).pk;
    const decisions = await itemsWithPrefix<DecisionRecord>(rt, pk, prefixes.decision);
    const events = await itemsWithPrefix<{ type: string; at: string; detail: { recipients?: Array<{ to: string }> } }>(
      rt,
      pk,
      prefixes.event,
    );
    const approvals = decisions.filter((d) => d.choice === 'approve').sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
    lines.push(`  Current version: ${current.version}, approved ${when(current.closedAt, unit)}`);
    lines.push(`  Fingerprint (SHA-256): ${current.sha256} (${current.format}, ${current.bytes} bytes)`);
    lines.push(`  What changed: ${current.summary}`);
    lines.push(`  Approved by (${approvals.length} of ${current.requiredApprovals} required):`);
    // A deputy's approval names both: who decided, and for whom (issue 15).
    for (const d of approvals)
      lines.push(
        `    ${d.recipient.name} <${d.recipient.email}>${d.actingFor ? ` for ${d.actingFor.name} <${d.actingFor.email}>` : ''}, ${when(d.decidedAt, unit)}`,
      );
    const communicated = events.find((e) => e.type === 'policy.communicated');
    const recipients: Array<{ to: string }> = communicated?.detail?.recipients ?? [];
    lines.push(
      communicated
        ? `  Communicated: ${when(communicated.at, unit)}, to ${recipients.length} address${recipients.length === 1 ? '' : 'es'}: ${recipients.map((r) => r.to).join(', ')}`
        : `  Communicated: not yet (audience: ${policyAudience(unit).join(', ')})`,
    );
    const dueAt = reconfirmationDue(unit, current.closedAt!);
    const overdue = events.find((e) => e.type === 'policy.reconfirmation-overdue');
    // Overdue once recorded stays overdue for this version: the record is what the check saw, whatever the clock says now.
    const state = overdue ? 'overdue' : reconfirmationState(current.closedAt!, dueAt, now);
    lines.push(
      `  Re-confirmation due: ${when(dueAt, unit)}${state === 'overdue' ? ` (OVERDUE${overdue ? `, recorded ${when(overdue.at, unit)}` : ''})` : state === 'due' ? ' (due soon: the ISMS manager is reminded)' : ''}`,
    );
  }
  const pending = all.filter((s) => !['approved', 'changes-requested', 'not-held-on-time'].includes(s.status));
  for (const p of pending) lines.push(`  Awaiting approval: version ${p.version}, submitted ${when(p.submittedAt, unit)} (${p.status})`);
  const others = all.filter((s) => s !== current && !pending.includes(s));
  if (others.length) {
    lines.push('  Earlier submissions:');
    for (const s of others)
      lines.push(`    ${s.version}: ${s.status}${s.closedAt ? ` ${when(s.closedAt, unit)}` : ''}, SHA-256 ${s.sha256.slice(0, 16)}…`);
  }
  return lines;
}

export const policyStatus = flagCommand('policy status', z.object({ bu, local: z.boolean().optional() }), async (parsed, ctx) => {
  const rt = ctx.runtime(parsed.unit.id);
  const now = new Date();
  for (const kind of ['policy', 'objectives'] as const) for (const l of await statusLines(rt, parsed.unit, kind, now)) ctx.out(l);
  return 0;
});

export const objectivesUpdate = flagCommand(
  'objectives update',
  z
    .object({
      bu,
      id: z.string({ error: '--id: is required (an objective id, see objectives list)' }),
      by,
      local: z.boolean().optional(),
    })
    .passthrough(),
  async (parsed, ctx) => {
    const { opts, unit } = parsed;
    const values = opts as Record<string, unknown>;
    const progress = objectiveProgressSchema.safeParse({ status: values.status, value: values.value, note: values.note });
    if (!progress.success) {
      for (const iss of progress.error.issues) {
        const field = String(iss.path[0]);
        ctx.err(`--${field}: ${iss.code === 'invalid_type' && values[field] === undefined ? 'is required' : iss.message}`);
      }
      ctx.err(`usage: ${usageOf('objectives update')}`);
      return 2;
    }
    const rt = ctx.runtime(unit.id);
    const current = await currentObjectives(rt);
    if (!current) {
      ctx.err(`No approved objectives in ${unit.id} yet: submit them first (isms objectives submit). Nothing was recorded.`);
      return 1;
    }
    if (!current.objectives.some((o) => o.id === opts.id)) {
      ctx.err(
        `--id: ${JSON.stringify(opts.id)} is not an objective of version ${current.version}; known: ${current.objectives.map((o) => o.id).join(', ')}. Nothing was recorded.`,
      );
      return 2;
    }
    const recordedAt = new Date().toISOString();
    const recordedBy = opts.by ?? unit.ismsManager.email;
    const caller = await ctx.caller(unit.id);
    const item: ObjectiveProgressItem = {
      ...keys.objectiveProgress(opts.id, recordedAt),
      kind: 'objective-progress',
      objectiveId: opts.id,
      version: current.version,
      ...progress.data,
      recordedAt,
      recordedBy,
    };
    if (!(await recordProgress(rt, item))) {
      ctx.err('A measurement of this objective was recorded at exactly this time already; run the command again.');
      return 1;
    }
    await recordEvent(rt, {
      type: 'objective.progress',
      subjectPk: item.pk,
      actor: recordedBy,
      at: recordedAt,
      detail: { objectiveId: opts.id, version: current.version, ...progress.data, caller },
    });
    ctx.out(`Recorded ${opts.id}: ${progress.data.status}, ${progress.data.value} (${when(recordedAt, unit)}).`);
    return 0;
  },
);

export const objectivesList = flagCommand('objectives list', z.object({ bu, local: z.boolean().optional() }), async (parsed, ctx) => {
  const { unit } = parsed;
  const current = await currentObjectives(ctx.runtime(unit.id));
  if (!current) {
    ctx.out(`No approved objectives in ${unit.id} yet.`);
    return 0;
  }
  ctx.out(`Objectives of ${unit.id}, version ${current.version}, approved ${when(current.approvedAt, unit)}:`);
  for (const o of current.objectives) {
    ctx.out(`  ${o.id}: ${o.text}`);
    ctx.out(`    measure: ${o.measure}; target: ${o.target}; owner: ${o.owner}; due: ${o.due}`);
    ctx.out(
      o.latest
        ? `    latest: ${o.latest.status}, ${o.latest.value} (${when(o.latest.recordedAt, unit)}, by ${o.latest.recordedBy})${o.latest.note ? `: ${o.latest.note}` : ''}`
        : '    latest: no measurement recorded',
    );
  }
  return 0;
});

export const commands: CliCommand[] = [policySubmit, policyStatus, objectivesSubmit, objectivesUpdate, objectivesList];
