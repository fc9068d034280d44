// The policy-approval state machine as synthesized per unit, least privilege for it and its functions, and the daily re-confirmation check.
import { beforeAll, describe, expect, it } from 'vitest';
import { timing, type BusinessUnitConfig } from '../../core/config';
import { loadBusinessUnits } from '../../lib/config-files';
import { numericSubstitutions } from '../../lib/definitions';
import { arnPlaceholder, FUNCTIONS } from '../../core/functions';
import { exampleTemplate } from '../support/synth';

/** The functions the state machine invokes; policy-check-due is the schedule's, not the workflow's. */
const POLICY_FUNCTIONS = FUNCTIONS.filter((f) => f.id.startsWith('policy-') && f.id !== 'policy-check-due').map((f) => f.id);
const units = loadBusinessUnits();

/** Every unit's stack of one synth-only app, built once per process (support/synth.ts; synth is the slow part). */
let templates: Map<string, Record<string, any>> | undefined;
function resourcesOfUnit(unitId: string): Record<string, any> {
  if (!templates) {
    templates = new Map(units.map((u) => [u.id, exampleTemplate(u.id).toJSON().Resources]));
  }
  return templates.get(unitId)!;
}

type Statement = { Action: string | string[]; Resource: any; Effect: string; Condition?: any };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
/** The logical id a Fn::GetAtt / Ref points at, or the literal string. */
const target = (r: any): string => (typeof r === 'string' ? r : (r?.['Fn::GetAtt']?.[0] ?? r?.Ref ?? JSON.stringify(r)));

describe.each(units)('policy approval in the stack of $id', (unit: BusinessUnitConfig) => {
  let resources: Record<string, any>;
  let machine: any;
  let definition: any;
  const byLogicalId = (fnId: string) => {
    const prefix = arnPlaceholder(fnId).replace(/Arn$/, '');
    return Object.keys(resources).find((id) => id.startsWith(prefix) && resources[id].Type === 'AWS::Lambda::Function')!;
  };
  const policiesOfRole = (roleId: string): Statement[] =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
  const roleOfFunction = (fnId: string) => target(resources[byLogicalId(fnId)].Properties.Role);

  beforeAll(() => {
    resources = resourcesOfUnit(unit.id);
    machine = Object.values(resources).find(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Properties.StateMachineName === `isms-${unit.id}-policy-approval`,
    );
    const body = machine.Properties.DefinitionString;
    definition = JSON.parse(typeof body === 'string' ? body : body['Fn::Join'][1].join(''));
  });

  it('is one state machine per unit, logging without execution data, traced', () => {
    expect(machine).toBeDefined();
    expect(machine.Properties.LoggingConfiguration).toMatchObject({ IncludeExecutionData: false, Level: 'ALL' });
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('gets exactly the seven policy functions as substitutions, each the function the catalogue names', () => {
    const subs = machine.Properties.DefinitionSubstitutions;
    expect(Object.keys(subs).sort()).toEqual(POLICY_FUNCTIONS.map(arnPlaceholder).sort());
    for (const id of POLICY_FUNCTIONS) {
      const logical = target(subs[arnPlaceholder(id)]);
      expect(resources[logical].Properties.FunctionName).toBe(`isms-${unit.id}-${id}`);
    }
  });

  it("has the unit's numbers filled in as numbers: interval, reminders, wait after escalation", () => {
    const n = numericSubstitutions(unit);
    expect(definition.States.AwaitDecisions.TimeoutSeconds).toBe(timing(unit).reminderIntervalSeconds);
    expect(definition.States['RemindersLeft?'].Choices[0].NumericLessThan).toBe(unit.reminders.maximum);
    expect(definition.States.AwaitAfterEscalation.TimeoutSeconds).toBe(n.AfterEscalationSeconds);
    expect(n.AfterEscalationSeconds).toBeGreaterThan(0);
    // Every waiting task sets its timeout (the local interpreter's default would be 60 s, AWS's a year).
    for (const [name, state] of Object.entries<any>(definition.States)) {
      if (String(state.Resource).endsWith('.waitForTaskToken')) expect([name, typeof state.TimeoutSeconds]).toEqual([name, 'number']);
    }
  });

  it('lets the state machine invoke only the seven policy functions, nothing in the table or SES', () => {
    const statements = policiesOfRole(target(machine.Properties.RoleArn));
    const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(invoke[0].Resource.map(target).sort()).toEqual(POLICY_FUNCTIONS.map(byLogicalId).sort());
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => /^(dynamodb|ses|states):/.test(a))).toEqual([]);
    // Only log delivery and X-Ray need "*" (they have no resource-level permissions).
    for (const s of statements.filter((x) => resourcesOf(x).includes('*'))) {
      expect(actionsOf(s).every((a) => /^(logs:(Create|Delete|Describe|Get|List|Put|Update)\w*|xray:\w+)$/.test(a))).toBe(true);
    }
  });

  it.each([...POLICY_FUNCTIONS, 'policy-check-due'])(
    '%s: the table of its unit, SES only if it emails, task results only if it resumes',
    (id) => {
      const spec = FUNCTIONS.find((f) => f.id === id)!;
      const statements = policiesOfRole(roleOfFunction(id));
      // Only X-Ray's two write actions take "*" (they have no resource-level permissions); nothing else does.
      for (const s of statements.filter((x) => resourcesOf(x).includes('*'))) {
        expect(actionsOf(s).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
      const actions = statements.flatMap(actionsOf);
      expect(actions.some((a) => a.startsWith('ses:'))).toBe(Boolean(spec.access.sendEmail));
      expect(actions.some((a) => a.startsWith('states:'))).toBe(Boolean(spec.access.resumes?.length));
      expect(actions.filter((a) => a.startsWith('dynamodb:')).every((a) => !/Delete|Scan|Batch|\*/.test(a))).toBe(true);
      const ses = statements.find((s) => actionsOf(s).includes('ses:SendEmail'));
      if (ses) expect(ses.Condition).toEqual({ StringEquals: { 'ses:FromAddress': unit.sender } });
      const tableTargets = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:'))).flatMap(resourcesOf);
      // The unit's own evidence and links tables, nothing else.
      const tables = Object.keys(resources).filter((k) => resources[k].Type === 'AWS::DynamoDB::GlobalTable');
      expect(tables).toHaveLength(2);
      expect(tableTargets.every((r) => tables.some((t) => JSON.stringify(r).includes(t)))).toBe(true);
      const env = resources[byLogicalId(id)].Properties.Environment.Variables;
      expect('DECISION_BASE_URL' in env).toBe(Boolean(spec.access.mintsLinks));
    },
  );

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
