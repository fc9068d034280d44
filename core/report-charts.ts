// The report's charts as Vega-Lite specifications (plain data) with the text table each one stands beside.
// Rendering them to SVG needs vega, which stays in the CLI (cli/report-svg.ts) so no Lambda bundle ever carries it.
import { formatMoney } from './format';
import { dayFigure, type UnitReport } from './report-model';

export interface ChartTable {
  head: string[];
  rows: string[][];
}

export interface Chart {
  /** Unique within the report: the anchor and the key of its SVG. */
  id: string;
  title: string;
  /** One sentence on what it shows, for readers and screen readers. */
  description: string;
  /** A Vega-Lite specification with its data inline (no URL, so rendering fetches nothing). */
  spec: Record<string, unknown>;
  table: ChartTable;
}

const days = (n: number | undefined) => (n === undefined ? '' : dayFigure(n));
const WIDTH = 520;
const HEIGHT = 200;
const base = (description: string) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  description,
  width: WIDTH,
  height: HEIGHT,
  background: 'white',
  config: { font: 'sans-serif', axis: { labelLimit: 140 }, legend: { labelLimit: 160 } },
});

/** The charts of one unit (prefix its anchors) or, with several reports, of a group with units side by side. */
export function reportCharts(reports: UnitReport[], idPrefix: string): Chart[] {
  const group = reports.length > 1;
  const unitOf = (r: UnitReport) => r.unit.id;
  const reviewRows = reports.flatMap((r) => r.reviews.map((v) => ({ unit: unitOf(r), review: v.period, v })));

  const lead = reviewRows
    .filter((x) => x.v.medianLeadDays !== undefined)
    .map((x) => ({ unit: x.unit, review: x.review, days: Number((x.v.medianLeadDays ?? 0).toFixed(2)) }));
  const leadChart: Chart = {
    id: `${idPrefix}chart-lead`,
    title: 'Days from invitation to decision, median per review',
    description: 'For each review, the median number of days members took from their invitation to their decision.',
    spec: {
      ...base('Median days from invitation to decision per review'),
      data: { values: lead },
      mark: { type: 'bar', tooltip: false },
      encoding: {
        x: { field: 'review', type: 'ordinal', title: 'Review', sort: 'ascending' },
        y: { field: 'days', type: 'quantitative', title: 'Median days' },
        ...(group ? { xOffset: { field: 'unit' }, color: { field: 'unit', type: 'nominal', title: 'Unit' } } : {}),
      },
    },
    table: {
      head: [...(group ? ['Unit'] : []), 'Review', 'Median days to decision', 'Decisions'],
      rows: reviewRows.map((x) => [
        ...(group ? [x.unit] : []),
        x.review,
        days(x.v.medianLeadDays),
        String(x.v.members.filter((m) => m.decision).length),
      ]),
    },
  };

  const nudges = reviewRows.flatMap((x) => [
    { unit: x.unit, review: x.review, kind: 'reminders', count: x.v.remindersSent },
    { unit: x.unit, review: x.review, kind: 'escalations', count: x.v.escalatedAt ? 1 : 0 },
  ]);
  const nudgeChart: Chart = {
    id: `${idPrefix}chart-nudges`,
    title: 'Reminders and escalations per review',
    description: 'For each review, how many reminder rounds went out and whether it was escalated.',
    spec: {
      ...base('Reminders and escalations per review'),
      data: { values: nudges },
      mark: { type: 'bar', tooltip: false },
      encoding: {
        x: { field: 'review', type: 'ordinal', title: 'Review' },
        // Across units, one stacked bar per unit (reminders and escalations stacked) beside the others of that review.
        xOffset: { field: group ? 'unit' : 'kind' },
        y: { field: 'count', type: 'quantitative', title: 'Count', axis: { tickMinStep: 1 } },
        color: { field: 'kind', type: 'nominal', title: 'Needed' },
      },
    },
    table: {
      head: [...(group ? ['Unit'] : []), 'Review', 'Reminder rounds', 'Escalated'],
      rows: reviewRows.map((x) => [...(group ? [x.unit] : []), x.review, String(x.v.remindersSent), x.v.escalatedAt ? 'yes' : 'no']),
    },
  };

  const timeline = reports.flatMap((r) =>
    r.actionTimeline.flatMap((t) => [
      { unit: unitOf(r), month: t.month, state: 'open', count: t.open },
      { unit: unitOf(r), month: t.month, state: 'closed', count: t.closed },
    ]),
  );
  const actionChart: Chart = {
    id: `${idPrefix}chart-actions`,
    title: 'Open and closed actions at the end of each month',
    description: 'Actions from management reviews still open, and closed so far, at the end of each month of the range.',
    spec: {
      ...base('Open and closed actions over time'),
      data: { values: timeline },
      mark: { type: 'line', point: true, tooltip: false },
      encoding: {
        x: { field: 'month', type: 'ordinal', title: 'Month' },
        y: { field: 'count', type: 'quantitative', title: 'Actions', axis: { tickMinStep: 1 } },
        color: { field: 'state', type: 'nominal', title: 'Status', scale: { domain: ['open', 'closed'] } },
        ...(group ? { strokeDash: { field: 'unit', type: 'nominal', title: 'Unit' }, detail: { field: 'unit' } } : {}),
      },
    },
    table: {
      head: [...(group ? ['Unit'] : []), 'Month', 'Open', 'Closed'],
      rows: reports.flatMap((r) => r.actionTimeline.map((t) => [...(group ? [unitOf(r)] : []), t.month, String(t.open), String(t.closed)])),
    },
  };

  const byCategory = reports.flatMap((r) =>
    r.summary.requestsByCategory.map((g) => ({
      unit: unitOf(r),
      // Across units, one bar per category and unit, labelled with both.
      category: group ? `${g.label} · ${unitOf(r)}` : g.label,
      outcome: g.outcome,
      count: g.count,
      g,
    })),
  );
  const requestChart: Chart = {
    id: `${idPrefix}chart-requests`,
    title: 'Resource requests by category and outcome',
    description: 'How many resource requests were submitted in each category, and how they ended.',
    spec: {
      ...base('Resource requests by category and outcome'),
      data: { values: byCategory.map(({ g: _g, ...v }) => v) },
      mark: { type: 'bar', tooltip: false },
      encoding: {
        y: { field: 'category', type: 'nominal', title: 'Category' },
        x: { field: 'count', type: 'quantitative', title: 'Requests', axis: { tickMinStep: 1 } },
        color: { field: 'outcome', type: 'nominal', title: 'Outcome' },
      },
    },
    table: {
      head: [...(group ? ['Unit'] : []), 'Category', 'Outcome', 'Requests', 'Amount'],
      rows: byCategory.map((x) => [
        ...(group ? [x.unit] : []),
        x.g.label,
        x.outcome,
        String(x.count),
        x.g.amounts.map((a) => formatMoney(a.amount, a.currency)).join('; '),
      ]),
    },
  };
  return [leadChart, nudgeChart, actionChart, requestChart];
}
