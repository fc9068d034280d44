// `isms doctor --local` on a real local runtime: the tables, the decision endpoint's 404 page, both state machines, the
// schedule stand-in and the data schema are OK; an execution that failed shows as FAIL with what to run.
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../cli/doctor-commands';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { FREE_PORTS, QUICK_RETRIES, runCli, until } from '../support/workflow';
import { testUnit } from '../support/units';

let lr: LocalRuntime;
const unit = testUnit();

beforeAll(async () => {
  lr = await startLocalRuntime({ units: [unit], ports: FREE_PORTS, retryIntervalOverrides: QUICK_RETRIES });
});
afterAll(async () => {
  await lr?.close();
});

const lines = (out: string[]) => out.filter((l) => l.startsWith('  ')).map((l) => l.trim().replace(/:.*/, '').replace(/\s+/, ' '));

describe('isms doctor --local', () => {
  it('a fresh runtime is all OK: tables, schedule, endpoint, workflows, data schema', async () => {
    const r = await runCli(lr, commands, 'doctor', ['--bu', unit.id]);
    expect(r.err).toEqual([]);
    expect(lines(r.out)).toEqual([
      `OK table isms-${unit.id}-evidence`,
      `OK table isms-${unit.id}-links`,
      'OK review schedule',
      'OK decision endpoint',
      'OK workflow management-review',
      'OK workflow resource-approval',
      'OK workflow policy-approval',
      'OK data schema',
    ]);
    expect(r.out[0]).toBe(`${unit.id} (IsmsLeadership-${unit.id}, local runtime)`);
    expect(r.code).toBe(0);
  });

  it('an execution that failed since --since is a FAIL naming it and the restart command; exit 1', async () => {
    const arn = lr.units[0].stateMachineArns['resource-approval'];
    const { executionArn } = await lr.sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'req-doctor', input: '{}' }));
    await until('the execution fails', async () => {
      const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'FAILED';
    });
    const r = await runCli(lr, commands, 'doctor', ['--bu', unit.id, '--since', '1h']);
    expect(r.code).toBe(1);
    const line = r.out.find((l) => l.includes('workflow resource-approval'));
    expect(line).toMatch(/^ {2}FAIL workflow resource-approval: 1 execution\(s\) ended without an outcome .*req-doctor \(FAILED\)/);
    expect(line).toContain(`npx isms request restart --bu ${unit.id} --id req-doctor`);
    expect(r.out.at(-1)).toBe(`1 of 1 unit(s) need attention: ${unit.id} (1 FAIL)`);
  });
});
