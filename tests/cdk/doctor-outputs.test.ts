// What `isms doctor` reads from each unit's stack: the version of the deployed build, the alarm topic, the dead-letter queues.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { buildInfo } from '../../lib/build-info';
import { loadBusinessUnits } from '../../lib/config-files';
import { exampleTemplate } from '../support/synth';

describe.each(loadBusinessUnits())('the stack of $id tells doctor', (unit) => {
  let outputs: Record<string, { Value: unknown }>;
  let resources: Record<string, { Type: string }>;
  beforeAll(() => {
    const template: Template = exampleTemplate(unit.id);
    outputs = template.toJSON().Outputs;
    resources = template.toJSON().Resources;
  });

  it('which build it runs: the package version and the build id of this checkout', () => {
    const { version, buildId } = buildInfo();
    expect(outputs.IsmsVersion.Value).toBe(`${version}+${buildId}`);
    expect(buildId).toMatch(/^[0-9a-f]{12}$/);
  });

  it('where its alarm topic and both dead-letter queues are', () => {
    const ref = (key: string) => (outputs[key].Value as { Ref: string }).Ref;
    expect(resources[ref('AlarmTopicArn')].Type).toBe('AWS::SNS::Topic');
    expect(resources[ref('ReviewScheduleDeadLetterQueueUrl')].Type).toBe('AWS::SQS::Queue');
    expect(resources[ref('WorkflowFailedDeadLetterQueueUrl')].Type).toBe('AWS::SQS::Queue');
    expect(ref('ReviewScheduleDeadLetterQueueUrl')).not.toBe(ref('WorkflowFailedDeadLetterQueueUrl'));
  });
});
