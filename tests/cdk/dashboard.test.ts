// Each unit's operations dashboard and tracing: the widgets an on-call engineer needs, on the metrics the functions publish.
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBusinessUnits } from '../../lib/config-files';
import { FUNCTIONS } from '../../core/functions';
import { functionName } from '../../core/names';
import { METRIC, METRICS_NAMESPACE } from '../../core/metrics';
import { exampleTemplate } from '../support/synth';

const units = loadBusinessUnits();

/** The dashboard body with each CloudFormation token as "{token}", parsed. */
function body(template: Template): any {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const parts = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : '{token}')).join(''));
}

describe.each(units)('operations of $id, seen from the dashboard', (unit) => {
  let template: Template;
  let widgets: any[];
  beforeAll(() => {
    template = exampleTemplate(unit.id);
    widgets = body(template).widgets;
  });
  const titled = (title: RegExp) => {
    const w = widgets.find((x) => title.test(x.properties?.title ?? ''));
    expect(w, String(title)).toBeDefined();
    return w.properties;
  };
  const metricsOf = (p: any): string[][] => p.metrics.map((m: unknown[]) => m.filter((x) => typeof x === 'string'));

  it('is one dashboard named for the unit, its URL an output', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `isms-${unit.id}` });
    expect(JSON.stringify(template.toJSON().Outputs.DashboardUrl.Value)).toContain(`#dashboards/dashboard/isms-${unit.id}`);
  });

  it('shows started, succeeded, failed, timed-out and stopped executions of each workflow', () => {
    for (const workflow of ['management-review', 'resource-approval']) {
      const names = metricsOf(titled(new RegExp(`Workflow ${workflow}`))).map((m) => m[1]);
      expect(names).toEqual(['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']);
    }
  });

  it('graphs the business counts in the functions’ namespace, with their exact dimensions (service, unit)', () => {
    const business = widgets.flatMap((w) => (w.properties?.metrics ?? []) as unknown[][]).filter((m) => m[0] === METRICS_NAMESPACE);
    const names = business.map((m) => m[1]);
    for (const name of Object.values(METRIC).filter((n) => n !== METRIC.decisionAnswers)) expect(names).toContain(name);
    for (const m of business) expect(m.slice(2, 6)).toEqual(['service', 'isms-leadership', 'unit', unit.id]);
    expect(JSON.stringify(titled(/answers by status/).metrics)).toContain(
      `MetricName=\\"${METRIC.decisionAnswers}\\" unit=\\"${unit.id}\\"`,
    );
  });

  it('shows the API’s latency, 4xx and 5xx, every dead-letter queue, SES reputation, and every alarm', () => {
    expect(metricsOf(titled(/Decision API/)).map((m) => m[1])).toEqual(['Latency', 'Latency', '4xx', '5xx']);
    const dlqs = titled(/Dead-letter/).metrics;
    expect(dlqs).toHaveLength(5);
    for (const m of dlqs) expect(m[1]).toBe('ApproximateNumberOfMessagesVisible');
    expect(metricsOf(titled(/Email delivery/)).map((m) => m[1])).toEqual(
      expect.arrayContaining(['Reputation.BounceRate', 'Reputation.ComplaintRate', METRIC.emailsBounced]),
    );
    const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length;
    // Every alarm but the smoke test's (it watches nothing).
    expect(titled(/^Alarms$/).alarms).toHaveLength(alarms - 1);
  });

  it('traces every function (X-Ray, active)', () => {
    for (const spec of FUNCTIONS) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: functionName(unit.id, spec.id),
        TracingConfig: { Mode: 'Active' },
      });
    }
  });
});
