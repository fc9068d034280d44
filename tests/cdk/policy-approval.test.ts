// The policy-approval state machine as synthesized per unit, least privilege for it and its functions, and the daily re-confirmation check.
import { beforeAll, describe, expect, it } from 'vitest';
import type { BusinessUnitConfig } from '../../core/config';
import { FUNCTIONS } from '../../core/functions';
import { loadBusinessUnits } from '../../lib/config-files';
import { actionsOf, approvalMachineTests, machineTemplate, resourcesOf, target, type MachineTemplate } from '../support/approval-machine';

/** The functions the state machine invokes; policy-check-due is the schedule's, not the workflow's. */
const POLICY_FUNCTIONS = FUNCTIONS.filter((f) => f.id.startsWith('policy-') && f.id !== 'policy-check-due').map((f) => f.id);

describe.each(loadBusinessUnits())('policy approval in the stack of $id', (unit: BusinessUnitConfig) => {
  approvalMachineTests(unit, () => machineTemplate(unit.id, 'policy-approval'), {
    what: 'the seven policy functions',
    functions: POLICY_FUNCTIONS,
    alsoFunctions: ['policy-check-due'],
    awaitState: 'AwaitDecisions',
    remindChoice: 'RemindersLeft?',
  });

  let resources: MachineTemplate['resources'];
  let byLogicalId: MachineTemplate['byLogicalId'];
  let policiesOfRole: MachineTemplate['policiesOfRole'];
  let roleOfFunction: MachineTemplate['roleOfFunction'];
  beforeAll(() => {
    ({ resources, byLogicalId, policiesOfRole, roleOfFunction } = machineTemplate(unit.id, 'policy-approval'));
  });

  it('policy-await alone of the workflow steps resumes it: SendTaskSuccess on this state machine only, its own tokens only', () => {
    const statements = policiesOfRole(roleOfFunction('policy-await'));
    const states = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('states:')));
    expect(states.flatMap(actionsOf)).toEqual(['states:SendTaskSuccess']);
    expect(JSON.stringify(states[0].Resource)).toContain(`isms-${unit.id}-policy-approval`);
    const tokens = statements.find((s) => JSON.stringify(s.Condition ?? {}).includes('TOKEN#'));
    expect(JSON.stringify(tokens?.Condition)).toContain('TOKEN#POLICY#');
    expect(JSON.stringify(tokens?.Condition)).not.toContain('TOKEN#REVIEW#');
    // The decision endpoint resumes all three workflows.
    const endpoint = policiesOfRole(roleOfFunction('decision-endpoint')).filter((s) => actionsOf(s).includes('states:SendTaskSuccess'));
    expect(JSON.stringify(endpoint)).toContain(`isms-${unit.id}-policy-approval`);
  });

  it('re-confirmation: a daily schedule in the unit time zone invokes policy-check-due, with retries and a dead-letter queue', () => {
    const schedule = Object.values(resources).find(
      (r) => r.Type === 'AWS::Scheduler::Schedule' && r.Properties.Name === `isms-${unit.id}-policy-check`,
    );
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 8 * * ? *)',
      ScheduleExpressionTimezone: unit.timeZone,
      State: 'ENABLED',
    });
    expect(target(schedule.Properties.Target.Arn)).toBe(byLogicalId('policy-check-due'));
    expect(schedule.Properties.Target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 10 });
    expect(schedule.Properties.Target.DeadLetterConfig.Arn).toBeDefined();
  });

  it('the approval is evidence: the document and the decisions go only to the unit evidence table, which keeps everything', () => {
    const open = policiesOfRole(roleOfFunction('policy-open'));
    const evidence = Object.keys(resources).find(
      (k) => resources[k].Type === 'AWS::DynamoDB::GlobalTable' && resources[k].Properties.TableName === `isms-${unit.id}-evidence`,
    )!;
    const tableTargets = open.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:'))).flatMap(resourcesOf);
    expect(tableTargets.length).toBeGreaterThan(0);
    expect(tableTargets.every((r) => JSON.stringify(r).includes(evidence))).toBe(true);
    expect(resources[evidence].Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
    expect(resources[evidence].Properties.TimeToLiveSpecification).toBeUndefined();
  });
});
