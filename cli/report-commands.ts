// `isms report`: the leadership report (summary, clause map, reviews, requests, charts) as one printable HTML file,
// from the same gathering as `isms evidence export`, for one unit or every unit side by side.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BusinessUnitConfig } from '../core/config';
import { buildUnitReport, quarterStartMonth, type UnitReport } from '../core/report-model';
import { chartsOf, renderReport } from '../core/report-render';
import { listActions } from '../lambdas/shared/actions';
import { exportEvidence, subjectEvidence, type EvidenceExport } from '../lambdas/shared/evidence';
import { readMonthRange } from './inputs';
import { DOCUMENT_KINDS } from '../core/policy';
import { currentOf, submissionsOf } from '../lambdas/shared/policy-store';
import type { Runtime } from '../lambdas/shared/runtime';
import { loadBusinessUnits } from '../lib/config-files';
import type { CliCommand, CliContext } from './context';
import { optionsOf, usageOf } from './manifest';
import { sealStatus } from './evidence-commands';
import { renderCharts } from './report-svg';

/** Under out/, which git ignores: a report holds names, comments and amounts that do not belong in a commit. */
export const DEFAULT_OUT = path.join('out', 'report.html');
const usage = usageOf('report');

/** Units read at the same time by `--bu all`. */
const GATHER_CONCURRENCY = 4;

/** What the report is made from, per unit: the evidence export of the range (from the start of its first quarter) and the unit's actions. */
export interface UnitData {
  unit: string;
  evidence: EvidenceExport;
  actions: Record<string, unknown>[];
  /** Partitions of the policy and objectives versions approved before the range and in force at its start. */
  inForce: Record<string, Record<string, unknown>[]>;
}

/**
 * The version of each kind in force when the range begins, approved before it: its partition whole (decisions, the
 * communication, a recorded re-confirmation), unless the export read it already because something of it is in the range.
 */
async function policiesInForce(rt: Runtime, start: string, read: Record<string, unknown>): Promise<UnitData['inForce']> {
  const out: UnitData['inForce'] = {};
  for (const kind of DOCUMENT_KINDS) {
    const current = currentOf((await submissionsOf(rt, kind)).filter((s) => s.closedAt && s.closedAt < start));
    if (!current || current.pk in read) continue;
    out[current.pk] = await subjectEvidence(rt, current.pk);
  }
  return out;
}

/** Reads one unit with the evidence export's own gathering, plus its actions (status and closing notes live on the action items). */
export async function gatherUnit(ctx: CliContext, unitId: string, range: { from: string; to: string }): Promise<UnitData> {
  const rt = ctx.runtime(unitId);
  // From the start of the quarter, so a review opened before --from (in the same quarter) is read whole.
  const evidence = await exportEvidence(rt, { from: quarterStartMonth(range.from), to: range.to });
  const actions = (await listActions(rt, 'all')) as unknown as Record<string, unknown>[];
  const inForce = await policiesInForce(rt, `${evidence.from}-01T00:00:00.000Z`, evidence.subjects);
  return { unit: unitId, evidence, actions, inForce };
}

export function dataFileOf(out: string): string {
  return `${out.replace(/\.html?$/i, '')}.data.json`;
}

export const reportCommand: CliCommand = {
  name: 'report',
  usage: usageOf('report'),
  async run(args, ctx) {
    let values: { bu?: string; from?: string; to?: string; out?: string };
    try {
      values = parseArgs({
        args,
        options: optionsOf('report'),
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (err) {
      ctx.err((err as Error).message.replace(/\. To specify .*$/s, ''));
      ctx.err(`usage: ${usage}`);
      return 2;
    }
    const now = new Date();
    const { from, to, problems } = readMonthRange(values, now);
    if (!values.bu) problems.push('--bu: is required (a business-unit id, or "all")');
    let units: BusinessUnitConfig[] = [];
    if (values.bu === 'all') {
      units = ctx.units?.() ?? loadBusinessUnits();
    } else if (values.bu) {
      try {
        units = [ctx.unit(values.bu)];
      } catch (err) {
        problems.push(`--bu: ${(err as Error).message}`);
      }
    }
    const out = values.out ?? DEFAULT_OUT;
    if (values.out !== undefined && !/\.html?$/i.test(out)) problems.push(`--out: ${JSON.stringify(out)} must end in .html`);
    if (problems.length) {
      for (const p of problems) ctx.err(p);
      ctx.err(`usage: ${usage}`);
      return 2;
    }

    const generatedAt = new Date().toISOString();
    // A few units at a time (each is its own table, often its own region): a group report does not wait for them in
    // turn, and no account sees a burst. A unit not deployed, or not readable with these credentials, is listed
    // with the reason; the others go on.
    const results: Array<UnitData | { unit: string; reason: string }> = new Array(units.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < units.length; i = next++) {
        results[i] = await gatherUnit(ctx, units[i].id, { from, to }).catch((err: Error) => ({
          unit: units[i].id,
          reason: err.message || String(err),
        }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(GATHER_CONCURRENCY, units.length) }, worker));
    const data = results.filter((r): r is UnitData => 'evidence' in r);
    const failures = results.filter((r): r is { unit: string; reason: string } => 'reason' in r);
    if (!data.length) {
      for (const f of failures) ctx.err(`${f.unit}: ${f.reason}`);
      ctx.err('No unit could be read; no report written.');
      return 1;
    }
    const reports: UnitReport[] = data.map((d) => {
      const u = units.find((x) => x.id === d.unit)!;
      return buildUnitReport({
        unit: {
          id: u.id,
          name: u.name,
          timeZone: u.timeZone,
          reviewSchedule: u.reviewSchedule,
          policyReviewInterval: u.policyReviewInterval,
        },
        from,
        to,
        evidence: d.evidence,
        actions: d.actions,
        inForce: d.inForce,
        generatedAt,
      });
    });
    const dataJson = `${JSON.stringify({ format: 'isms-leadership/report-data@1', generatedAt, from, to, units: data, unreadable: failures }, null, 2)}\n`;
    const sha256 = createHash('sha256').update(dataJson).digest('hex');
    // Each unit's live table against its sealed digests, as `isms evidence verify --bu` checks it; a unit whose sealing
    // cannot be read (no digests yet, not deployed) says why, and the report is written all the same.
    const seals = await Promise.all(
      data.map(async (d) => {
        const s = await sealStatus(ctx, d.unit);
        return { unit: d.unit, ok: s.ok, summary: s.summary, keyFingerprint: s.publicKeySha256 };
      }),
    );
    const { svgs, problems: chartProblems } = await renderCharts(chartsOf(reports));
    for (const p of chartProblems) ctx.err(`chart ${p}`);
    const dataFile = dataFileOf(out);
    const page = renderReport({
      reports,
      failures,
      from,
      to,
      generatedAt,
      command: `isms report ${args.join(' ')}`,
      integrity: { sha256, dataFile: path.basename(dataFile), seals },
      svgs,
    });
    mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    writeFileSync(dataFile, dataJson);
    writeFileSync(out, page);
    for (const f of failures) ctx.err(`not in the report: ${f.unit}: ${f.reason}`);
    ctx.err(
      `Report of ${reports.map((r) => r.unit.id).join(', ')}, ${from} to ${to}: ${reports.reduce((n, r) => n + r.reviews.length, 0)} reviews, ${reports.reduce((n, r) => n + r.requests.length, 0)} requests, ${svgs.size} charts; written to ${out} (data ${dataFile}, SHA-256 ${sha256})`,
    );
    ctx.out(out);
    return 0;
  },
};

export const commands: CliCommand[] = [reportCommand];
