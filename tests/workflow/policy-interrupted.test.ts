// `npm start --data-dir` restarted while a policy approval waits: recorded as a stopped workflow on the submission, by the
// same workflow-failed handler AWS's failure rule calls, and the ISMS manager is told to submit a new version.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { keys, prefixes } from '../../core/keys';
import { submissionIdOf } from '../../core/policy';
import { getPolicy } from '../../lambdas/shared/policy-store';
import { commands } from '../../cli/policy-commands';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { testUnit } from '../support/units';
import { FREE_PORTS, partitionItems, runCli, until } from '../support/workflow';

const unit = testUnit({
  id: 'pd-restart',
  name: 'Unit pd-restart',
  reminders: { interval: '60s', maximum: 1 },
  decisionLinkLifetime: '300s',
});
const dataDir = mkdtempSync(path.join(tmpdir(), 'isms-policy-data-'));
let lr: LocalRuntime | undefined;
afterEach(async () => {
  await lr?.close();
  lr = undefined;
});

it('a waiting policy approval is recorded as stopped after a restart, once', async () => {
  lr = await startLocalRuntime({ units: [unit], ports: FREE_PORTS, dataDir });
  const file = path.join(dataDir, 'policy.md');
  writeFileSync(file, '# Policy\n');
  expect((await runCli(lr, commands, 'policy submit', ['--bu', unit.id, '--file', file, '--version', '3', '--summary', 'x'])).code).toBe(0);
  const id = submissionIdOf(unit.id, 'policy', '3');
  await until('awaiting decisions', async () => (await getPolicy(lr!.units[0].runtime, id))?.status === 'awaiting-decisions');
  await lr.close();

  lr = await startLocalRuntime({ units: [unit], ports: FREE_PORTS, dataDir });
  expect(lr.interrupted).toEqual([expect.objectContaining({ unitId: unit.id, workflow: 'policy-approval', subject: 'policy 3' })]);
  const item = (await getPolicy(lr.units[0].runtime, id))!;
  expect(item).toMatchObject({ status: 'awaiting-decisions', workflowFailedExecution: item.executionId });
  const types = (await partitionItems<{ type: string }>(lr.units[0].runtime, keys.policy(id).pk, prefixes.event)).map((e) => e.type);
  expect(types).toContain('policy.workflow-failed');
  const mail = await until('failure email', async () =>
    (await lr!.emails()).find((e) => e.subject === `ISMS ${unit.id}: the approval workflow of policy version 3 was stopped`),
  );
  expect(mail.body.text).toContain('submit the document again as a new version');
  await lr.close();

  // A third start finds it recorded already: nothing new.
  lr = await startLocalRuntime({ units: [unit], ports: FREE_PORTS, dataDir });
  expect(lr.interrupted).toEqual([]);
});
