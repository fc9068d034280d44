// State transitions, task invocations and emails per policy approval, for 3, 10 and 30 members: flat in members, as the
// review's (one wait for everyone; reminders and links are per member, but they are work inside a task, not transitions).
// Run: npm run bench -- policy-transitions   (local runtime on free ports; about 15 s)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { startLocalRuntime } from '../local/runtime';
import { commands } from '../cli/policy-commands';
import { executionArnOf } from '../core/names';
import { executionNameOf } from '../core/policy';
import { FREE_PORTS, postDecision, runCli, until } from '../tests/support/workflow';
import { testUnit } from '../tests/support/units';
import { history, members } from './support';

const SIZES = [3, 10, 30];
const units = SIZES.map((n) =>
  testUnit({
    id: `pbench-${n}`,
    name: `Policy bench ${n}`,
    topManagement: members(n),
    quorum: Math.floor(n / 2) + 1,
    policyAudience: ['all-staff@example.com', 'contractors@example.com'],
    reminders: { interval: '60s', maximum: 1 },
    decisionLinkLifetime: '300s',
  }),
);

const lr = await startLocalRuntime({ units, ports: FREE_PORTS });
const dir = mkdtempSync(path.join(tmpdir(), 'policy-bench-'));
const file = path.join(dir, 'policy.md');
writeFileSync(file, '# Information security policy\n\nWe protect information.\n');
const rows: string[][] = [];
try {
  for (const unit of units) {
    const n = unit.topManagement.length;
    const started = Date.now();
    const r = await runCli(lr, commands, 'policy submit', ['--bu', unit.id, '--file', file, '--version', '1', '--summary', 'bench']);
    if (r.code !== 0) throw new Error(r.err.join('\n'));
    const invitations = await until(
      'every invitation',
      async () => {
        const mails = (await lr.emails()).filter((e) => e.subject.startsWith('Decision needed: ') && e.subject.endsWith(`(${unit.name})`));
        return mails.length === n && mails;
      },
      30_000,
      25,
    );
    for (const m of invitations.slice(0, Math.floor(n / 2) + 1)) await postDecision(m, { choice: 'approve' }, { unitId: unit.id });
    const arn = executionArnOf(
      lr.units.find((u) => u.unit.id === unit.id)!.stateMachineArns['policy-approval'],
      executionNameOf(unit.id, 'policy', '1'),
    );
    const done = await until(
      'the execution to end',
      async () => {
        const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        return d.status !== 'RUNNING' && d;
      },
      30_000,
      25,
    );
    const events = await history(lr, arn);
    const transitions = events.filter((e) => e.type?.endsWith('StateEntered')).length;
    const tasks = events.filter((e) => e.type === 'TaskScheduled' || e.type === 'LambdaFunctionScheduled').length;
    const emails = (await lr.emails()).filter((e) => e.subject.includes(unit.name)).length;
    rows.push([
      String(n),
      String(Math.floor(n / 2) + 1),
      done.status ?? '',
      String(transitions),
      String(tasks),
      String(emails),
      `${Date.now() - started} ms`,
    ]);
  }
} finally {
  await lr.close();
}
const header = ['members', 'quorum', 'status', 'state transitions', 'tasks', 'emails', 'wall time'];
console.log('Policy approval, decided before any reminder (invitations, quorum of approvals, communication to 2 addresses):');
console.log(header.join(' | '));
for (const row of rows) console.log(row.join(' | '));
console.log(
  'State transitions and tasks stay the same for every size: one wait for all members. Emails grow with members (one invitation and one confirmation each).',
);
