// Fills a unit's evidence table the way a release's own code does (a management review decided and closed, a resource
// request approved, on the local runtime) and dumps it to tests/fixtures/schema-v0/evidence.json, the table the
// migration tests upgrade. Run it with the code of the release whose data you want:
//   git worktree add /tmp/v0 b90b471 && ln -s "$PWD/node_modules" /tmp/v0/node_modules
//   npx tsx scripts/make-schema-fixture.ts --code /tmp/v0 --out tests/fixtures/schema-v0/evidence.json
// b90b471 is the last commit before items carried schemaVersion; today's code would write version 1 items instead.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';

const { values } = parseArgs({ options: { code: { type: 'string' }, out: { type: 'string' } } });
const code = path.resolve(values.code ?? path.join(import.meta.dirname, '..'));
const out = path.resolve(values.out ?? path.join(import.meta.dirname, '..', 'tests', 'fixtures', 'schema-v0', 'evidence.json'));
const load = (rel: string) => import(pathToFileURL(path.join(code, rel)).href);

const { startLocalRuntime } = await load('local/runtime.ts');
const { testUnit } = await load('tests/support/units.ts');
const { runCli, postDecision, reviewForm, decisionLink, until, FREE_PORTS, CLARA, FARID, OONA, IRENE } =
  await load('tests/support/workflow.ts');
const { commands: reviewCommands } = await load('cli/review-commands.ts');
const { commands: requestCommands } = await load('cli/request-commands.ts');
const { executionArnOf } = await load('core/names.ts');

const unit = { ...testUnit(), reminders: { interval: '10m', maximum: 1 }, decisionLinkLifetime: '1h' };
const lr = await startLocalRuntime({ units: [unit], ports: FREE_PORTS });
try {
  const u = lr.units[0];
  const finished = (arn: string) =>
    until(
      `${arn} to finish`,
      async () => (await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status !== 'RUNNING',
      60_000,
    );
  type Email = { subject: string; destination: { to: string[] } };
  const mailTo = (who: string, subject: RegExp) =>
    until(`email to ${who}`, async () =>
      ((await lr.emails()) as Email[]).find((e) => e.destination.to.includes(who) && subject.test(e.subject)),
    );

  // A review: opened, pack compiled, every member decides (one asks for changes, so the minutes carry an action), closed.
  const started = await runCli(lr, reviewCommands, 'review start', ['--bu', unit.id, '--period', '2026-Q3']);
  if (started.code !== 0) throw new Error(started.err.join('\n'));
  for (const [who, choice] of [
    [CLARA, 'approve'],
    [FARID, 'approve'],
    [OONA, 'request-changes'],
  ] as const) {
    const email = await mailTo(who, /your decision is needed/);
    await postDecision(email, reviewForm(choice, choice === 'approve' ? 'Agreed' : 'Add a second admin to the ticketing tenant', {}), {
      unitId: unit.id,
    });
  }
  await finished(executionArnOf(u.stateMachineArns['management-review'], `${unit.id}-2026-Q3`));

  // A resource request: submitted, approved at its one level, finished.
  const submitted = await runCli(lr, requestCommands, 'request submit', [
    '--bu',
    unit.id,
    '--category',
    'equipment',
    '--title',
    'Replacement laptops',
    '--justification',
    'End of support in March',
    '--amount',
    '900',
    '--currency',
    'EUR',
    '--requester',
    IRENE,
  ]);
  if (submitted.code !== 0) throw new Error(submitted.err.join('\n'));
  const requestId = submitted.out.at(-1)!.trim();
  const approval = await mailTo(unit.resourceApproval.levels[0].approver.email, /Replacement laptops/);
  decisionLink(approval);
  await postDecision(approval, { choice: 'approve', comment: 'Yes' });
  await finished(executionArnOf(u.stateMachineArns['resource-approval'], requestId));

  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await u.runtime.ddb.send(new ScanCommand({ TableName: u.tableName, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  items.sort((a, b) => `${a.pk}\0${a.sk}`.localeCompare(`${b.pk}\0${b.sk}`));
  writeFileSync(out, `${JSON.stringify({ generatedBy: 'scripts/make-schema-fixture.ts', unit: unit.id, items }, null, 1)}\n`);
  console.log(`${items.length} items → ${path.relative(process.cwd(), out)}`);
} finally {
  await lr.close();
}
