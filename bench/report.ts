// `isms report` time: one unit with 5 years of quarterly reviews and 500 requests, and 20 such units (generated data):
// the model, the charts (vega) and the page, median of 5 runs; and the gather of the one unit from a local table (dynalite).
// Run: npm run bench -- report   (about a minute)
import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { gatherUnit } from '../cli/report-commands';
import type { CliContext } from '../cli/context';
import { buildUnitReport, type Item, type ReportSource } from '../core/report-model';
import { chartsOf, renderReport } from '../core/report-render';
import { renderCharts } from '../cli/report-svg';
import { generatedSource, UNIT } from '../tests/support/report-fixtures';
import { startDynalite, testRuntime, testUnit } from '../tests/support/local-aws';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeReport(sources: ReportSource[]) {
  const model: number[] = [];
  const charts: number[] = [];
  const page: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const reports = sources.map(buildUnitReport);
    const t1 = performance.now();
    const { svgs } = await renderCharts(chartsOf(reports));
    const t2 = performance.now();
    const html = renderReport({
      reports,
      failures: [],
      from: sources[0].from,
      to: sources[0].to,
      generatedAt: sources[0].generatedAt,
      command: 'bench',
      integrity: { sha256: '0'.repeat(64) },
      svgs,
    });
    const t3 = performance.now();
    model.push(t1 - t0);
    charts.push(t2 - t1);
    page.push(t3 - t2);
    bytes = html.length;
  }
  const total = median(model) + median(charts) + median(page);
  return `model ${median(model).toFixed(0)} ms, charts ${median(charts).toFixed(0)} ms, page ${median(page).toFixed(0)} ms; total ${total.toFixed(0)} ms; ${(bytes / 1e6).toFixed(1)} MB of HTML`;
}

/** The generated items as they are stored: events with their audit index, actions with theirs. */
function storedItems(src: ReportSource): Record<string, unknown>[] {
  const events = (src.evidence.events as Item[]).map((e, i) => ({
    ...e,
    pk: e.subject,
    sk: `EVENT#${e.at}#e${i}`,
    gsi1pk: `AUDIT#${String(e.at).slice(0, 7)}`,
    gsi1sk: `${e.at}#e${i}`,
    eventId: `e${i}`,
  }));
  const actions = (src.actions ?? []).map((a) => ({
    ...a,
    gsi1pk: a.status === 'closed' ? 'ACTIONS#CLOSED' : 'ACTIONS#OPEN',
    gsi1sk: `${a.dueDate}#${a.actionId}`,
  }));
  return [...Object.values(src.evidence.subjects).flat(), ...events, ...actions];
}

async function timeGather(src: ReportSource): Promise<string> {
  const dynalite = await startDynalite();
  try {
    const rt = await testRuntime({ dynamoEndpoint: dynalite.endpoint, unit: testUnit({ id: UNIT.id, name: UNIT.name }) });
    const doc = DynamoDBDocumentClient.from(rt.ddb as never, { marshallOptions: { removeUndefinedValues: true } });
    const items = storedItems(src);
    for (let i = 0; i < items.length; i += 25) {
      await doc.send(
        new BatchWriteCommand({ RequestItems: { [rt.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }),
      );
    }
    const ctx = { runtime: () => rt } as unknown as CliContext;
    const times: number[] = [];
    let read = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const data = await gatherUnit(ctx, UNIT.id, { from: src.from, to: src.to });
      times.push(performance.now() - t0);
      read = data.evidence.events.length + Object.values(data.evidence.subjects).flat().length + data.actions.length;
    }
    return `gather ${median(times).toFixed(0)} ms (${items.length} items stored, ${read} read: 60 monthly audit queries, one query per subject, actions by index)`;
  } finally {
    await dynalite.close();
  }
}

async function main() {
  const one = generatedSource({ years: 5, requests: 500 });
  console.log(`report, median of ${RUNS} runs (Node ${process.version}, ${new Date().toISOString()})`);
  console.log(`  1 unit, 5 years of quarterly reviews (20) and 500 requests: ${await timeReport([one])}`);
  const twenty = Array.from({ length: 20 }, (_, i) =>
    generatedSource({ years: 5, requests: 500, unit: { ...UNIT, id: `unit-${String(i + 1).padStart(2, '0')}`, name: `Unit ${i + 1}` } }),
  );
  console.log(`  20 such units (--bu all):                                 ${await timeReport(twenty)}`);
  console.log(`  1 unit from a local table (dynalite):                      ${await timeGather(one)}`);
}

await main();
