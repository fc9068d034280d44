// Business metrics as EMF: one namespace, the unit as a dimension, published when an invocation ends; printed locally only at DEBUG.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite } from '../support/shared-emulators';
import { withMetrics } from '../../lambdas/shared/observability';
import { createHandler as emailEvents } from '../../lambdas/email-events';
import { createHandler as decisionEndpoint } from '../../lambdas/decision-endpoint';
import { emailTags } from '../../core/email-delivery';
import { METRICS_NAMESPACE } from '../../core/metrics';

let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
beforeAll(async () => {
  dynamo = await sharedDynalite();
});
afterAll(async () => {
  await dynamo?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const unit = testUnit({ id: 'metrics-unit' });
/** A delivery of an email that carried no decision: email-events records it and counts EmailsDelivered. */
const delivered = (id: string) => {
  const tags: Record<string, string[]> = {};
  for (const t of emailTags({
    unitId: unit.id,
    subjectPk: 'REVIEW#metrics-unit#2026-Q4',
    message: 'minutes',
    recipient: 'a@example.com',
    about: { role: 'minutes' },
  }))
    tags[t.Name] = [t.Value];
  return {
    id,
    source: 'aws.ses',
    'detail-type': 'Email Delivered',
    detail: {
      eventType: 'Delivery',
      mail: { timestamp: '2026-12-01T10:00:00.000Z', messageId: `m-${id}`, destination: ['a@example.com'], tags },
      delivery: { timestamp: '2026-12-01T10:00:01.000Z', recipients: ['a@example.com'] },
    },
  };
};

/** The EMF lines written to stdout while `run` runs. */
async function emfDuring(run: () => Promise<unknown>): Promise<any[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
    if (String(chunk).includes('"_aws"')) {
      lines.push(String(chunk));
      return true;
    }
    return write(chunk, ...rest);
  });
  await run();
  return lines.map((l) => JSON.parse(l));
}

describe('metrics', () => {
  it('publish each count once per invocation in the IsmsLeadership namespace with the unit as a dimension', async () => {
    const rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, unit, logLevel: 'DEBUG' });
    const handler = withMetrics(rt, emailEvents(rt));
    const emf = await emfDuring(async () => {
      await handler(delivered('d1'));
      await handler(delivered('d1')); // redelivered: recorded once, counted once
    });
    expect(emf).toHaveLength(1);
    const [line] = emf;
    expect(line._aws.CloudWatchMetrics).toEqual([
      { Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'unit']], Metrics: [{ Name: 'EmailsDelivered', Unit: 'Count' }] },
    ]);
    expect(line).toMatchObject({ service: 'isms-leadership', unit: unit.id, EmailsDelivered: 1 });
  });

  it('count the decision endpoint’s answers by HTTP status, with status as one more dimension of that metric only', async () => {
    const rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, unit, logLevel: 'DEBUG' });
    const handler = withMetrics(rt, decisionEndpoint(rt));
    const get = {
      version: '2.0',
      routeKey: 'GET /decisions/{proxy+}',
      rawPath: '/decisions/not-a-decision',
      rawQueryString: '',
      headers: { host: 'decide.example.com' },
      requestContext: {
        domainName: 'decide.example.com',
        http: { method: 'GET', path: '/decisions/not-a-decision' },
        requestId: 'r',
        stage: '$default',
      },
      isBase64Encoded: false,
    };
    const emf = await emfDuring(() => handler(get));
    expect(emf).toHaveLength(1);
    expect(emf[0]._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service', 'unit', 'status']],
        Metrics: [{ Name: 'DecisionEndpointAnswers', Unit: 'Count' }],
      },
    ]);
    expect(emf[0]).toMatchObject({ unit: unit.id, status: '404', DecisionEndpointAnswers: 1 });
  });

  it('print nothing outside Lambda below DEBUG, and keep nothing for later', async () => {
    const rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, unit, logLevel: 'WARN' });
    const handler = withMetrics(rt, emailEvents(rt));
    expect(await emfDuring(() => handler(delivered('d2')))).toEqual([]);
    expect(rt.metrics.hasStoredMetrics()).toBe(false);
  });
});
