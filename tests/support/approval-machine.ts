// What the CDK tests of the two approval workflows (resource approval, policy approval) check alike: the unit's state
// machine as synthesized, its substitutions and numbers, and least privilege for it and for each of its functions.
import { beforeAll, expect, it } from 'vitest';
import { timing, type BusinessUnitConfig } from '../../core/config';
import { arnPlaceholder, FUNCTIONS } from '../../core/functions';
import { numericSubstitutions } from '../../lib/definitions';
import { exampleTemplate } from './synth';

export type Statement = { Action: string | string[]; Resource: any; Effect: string; Condition?: any };
export const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
/** The logical id a Fn::GetAtt / Ref points at, or the literal string. */
export const target = (r: any): string => (typeof r === 'string' ? r : (r?.['Fn::GetAtt']?.[0] ?? r?.Ref ?? JSON.stringify(r)));

/** A unit's resources (the example units' one synth-only app, built once per process: support/synth.ts) and lookups in them. */
export interface MachineTemplate {
  resources: Record<string, any>;
  machine: any;
  definition: any;
  byLogicalId: (fnId: string) => string;
  policiesOfRole: (roleId: string) => Statement[];
  roleOfFunction: (fnId: string) => string;
}

export function machineTemplate(unitId: string, workflow: 'resource-approval' | 'policy-approval'): MachineTemplate {
  const resources: Record<string, any> = exampleTemplate(unitId).toJSON().Resources;
  const machine = Object.values(resources).find(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Properties.StateMachineName === `isms-${unitId}-${workflow}`,
  );
  const body = machine?.Properties.DefinitionString;
  const byLogicalId = (fnId: string) => {
    const prefix = arnPlaceholder(fnId).replace(/Arn$/, '');
    return Object.keys(resources).find((id) => id.startsWith(prefix) && resources[id].Type === 'AWS::Lambda::Function')!;
  };
  const policiesOfRole = (roleId: string): Statement[] =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
  return {
    resources,
    machine,
    definition: body && JSON.parse(typeof body === 'string' ? body : body['Fn::Join'][1].join('')),
    byLogicalId,
    policiesOfRole,
    roleOfFunction: (fnId) => target(resources[byLogicalId(fnId)].Properties.Role),
  };
}

/**
 * The tests every approval machine passes, inside the describe of a unit: one machine, traced, logging no execution
 * data; exactly its functions substituted; the unit's numbers; invoking only its functions; and for each function, least
 * privilege (`functions` plus `alsoFunctions`, e.g. the schedule's).
 */
export function approvalMachineTests(
  unit: BusinessUnitConfig,
  t: () => MachineTemplate,
  opts: {
    /** "the seven policy functions", as the test names say it. */
    what: string;
    functions: readonly string[];
    alsoFunctions?: readonly string[];
    /** The waiting state and the choice that counts reminders, as the definition names them. */
    awaitState: string;
    remindChoice: string;
  },
): void {
  let m: MachineTemplate;
  beforeAll(() => {
    m = t();
  });

  it('is one state machine per unit, logging without execution data, traced', () => {
    expect(m.machine).toBeDefined();
    expect(m.machine.Properties.LoggingConfiguration).toMatchObject({ IncludeExecutionData: false, Level: 'ALL' });
    expect(m.machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it(`gets exactly ${opts.what} as substitutions, each the function the catalogue names`, () => {
    const subs = m.machine.Properties.DefinitionSubstitutions;
    expect(Object.keys(subs).sort()).toEqual(opts.functions.map(arnPlaceholder).sort());
    for (const id of opts.functions) {
      const logical = target(subs[arnPlaceholder(id)]);
      expect(m.resources[logical].Properties.FunctionName).toBe(`isms-${unit.id}-${id}`);
    }
  });

  it("has the unit's numbers filled in as numbers: interval, reminders, wait after escalation", () => {
    const n = numericSubstitutions(unit);
    expect(m.definition.States[opts.awaitState].TimeoutSeconds).toBe(timing(unit).reminderIntervalSeconds);
    expect(m.definition.States[opts.remindChoice].Choices[0].NumericLessThan).toBe(unit.reminders.maximum);
    expect(m.definition.States.AwaitAfterEscalation.TimeoutSeconds).toBe(n.AfterEscalationSeconds);
    expect(n.AfterEscalationSeconds).toBeGreaterThan(0);
    // Every waiting task sets its timeout (the local interpreter's default would be 60 s, AWS's a year).
    for (const [name, state] of Object.entries<any>(m.definition.States)) {
      if (String(state.Resource).endsWith('.waitForTaskToken')) expect([name, typeof state.TimeoutSeconds]).toEqual([name, 'number']);
    }
  });

  it(`lets the state machine invoke only ${opts.what}, nothing in the table or SES`, () => {
    const statements = m.policiesOfRole(target(m.machine.Properties.RoleArn));
    const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(invoke[0].Resource.map(target).sort()).toEqual(opts.functions.map(m.byLogicalId).sort());
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => /^(dynamodb|ses|states):/.test(a))).toEqual([]);
    // Only log delivery and X-Ray need "*" (they have no resource-level permissions).
    for (const s of statements.filter((x) => resourcesOf(x).includes('*'))) {
      expect(actionsOf(s).every((a) => /^(logs:(Create|Delete|Describe|Get|List|Put|Update)\w*|xray:\w+)$/.test(a))).toBe(true);
    }
  });

  it.each([...opts.functions, ...(opts.alsoFunctions ?? [])])(
    '%s: the table of its unit, SES only if it emails, task results only if it resumes',
    (id) => {
      const spec = FUNCTIONS.find((f) => f.id === id)!;
      const statements = m.policiesOfRole(m.roleOfFunction(id));
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
      const tables = Object.keys(m.resources).filter((k) => m.resources[k].Type === 'AWS::DynamoDB::GlobalTable');
      expect(tables).toHaveLength(2);
      expect(tableTargets.every((r) => tables.some((tb) => JSON.stringify(r).includes(tb)))).toBe(true);
      const env = m.resources[m.byLogicalId(id)].Properties.Environment.Variables;
      expect('DECISION_BASE_URL' in env).toBe(Boolean(spec.access.mintsLinks));
    },
  );
}
