// One synth-only app with every example unit's stack, built once per test process and read by every CDK test file that
// only looks at templates (test files share a worker process: vitest.config.ts, isolate: false; so the files of one worker share it).
// Bundling is skipped (STYLE.md: one test, tests/cdk/bundling.test.ts, bundles for real).
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import cdkJson from '../../cdk.json';
import type { BusinessUnitConfig } from '../../core/config';
import { stackName } from '../../core/names';
import { loadBusinessUnits } from '../../lib/config-files';
import { IsmsLeadershipStack } from '../../lib/stack';

/**
 * A synth-only App with the context of cdk.json, as `cdk synth` builds it, and one stack per unit. `validate: false` skips
 * the built-in CloudFormation validation at synth (about 1 s per stack, in WebAssembly): for apps whose stacks the cdk-nag
 * test of tests/cdk/stack.test.ts synthesizes again with it on (every example unit and the decisionDomain unit).
 */
export function synthOnlyApp(
  units: readonly BusinessUnitConfig[],
  { validate = true }: { validate?: boolean } = {},
): { app: App; stacks: IsmsLeadershipStack[] } {
  const app = new App({
    context: { ...cdkJson.context, [cxapi.BUNDLING_STACKS]: [] },
    builtinCloudFormationValidation: validate,
  });
  const stacks = units.map(
    (unit) => new IsmsLeadershipStack(app, stackName(unit.id), { unit, env: { account: '111111111111', region: unit.region } }),
  );
  return { app, stacks };
}

let shared: { stacks: IsmsLeadershipStack[]; templates: Map<string, Template> } | undefined;

/** The stacks of the example units (config/business-units), in the order loadBusinessUnits() gives them. */
export function exampleStacks(): IsmsLeadershipStack[] {
  // Not validated here: the cdk-nag test synthesizes the same units with CloudFormation validation (cdk.json makes it fail synth).
  shared ??= { stacks: synthOnlyApp(loadBusinessUnits(), { validate: false }).stacks, templates: new Map() };
  return shared.stacks;
}

/** The template of an example unit's stack; synthesized once (the tests only read it). */
export function exampleTemplate(unitId: string): Template {
  const stacks = exampleStacks();
  let template = shared!.templates.get(unitId);
  if (!template) {
    const stack = stacks.find((s) => s.stackName === stackName(unitId));
    if (!stack) throw new Error(`No example unit ${unitId}`);
    template = Template.fromStack(stack);
    shared!.templates.set(unitId, template);
  }
  return template;
}
