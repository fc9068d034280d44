// Powertools Metrics and Tracer beside the Logger: Metrics made once per Runtime, with the namespace and dimensions of
// core/metrics.ts; one Tracer per process, which traces each invocation and the SDK calls of the clients it captures.
//
// The Tracer is not in the function bundles: it brings aws-xray-sdk-core (with semver and cls-hooked), about 125 KB
// minified, which would put every function over issue 14's 1.3x budget (`npm run bench -- bundles`). It comes from the
// stack's own Powertools layer instead, with the Logger and Metrics (lib/powertools-layer.ts, at
// /opt/nodejs/node_modules/@aws-lambda-powertools/), and the bundles keep their imports external (lib/isms-function.ts BUNDLING).
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, METRICS_SERVICE, metricDimensions, type MetricName } from '../../core/metrics';
import type { Runtime } from './runtime';
import type { Tracer } from '@aws-lambda-powertools/tracer';

export function createMetrics(unitId: string): Metrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  // serviceName already sets the "service" dimension: setting it again printed a warning on every invocation.
  const { service: _service, ...rest } = metricDimensions(unitId);
  metrics.setDefaultDimensions(rest);
  return metrics;
}

/** Counts one occurrence (or n) of a business event; published when the invocation ends (flushMetrics). */
export function count(rt: Runtime, name: MetricName, n = 1): void {
  rt.metrics.addMetric(name, MetricUnit.Count, n);
}

/** A count with one extra dimension (the decision endpoint's status), kept apart from the invocation's other metrics. */
export function countBy(rt: Runtime, name: MetricName, dimension: string, value: string): void {
  if (!emitsMetrics(rt)) return;
  const single = rt.metrics.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, MetricUnit.Count, 1);
}

/**
 * EMF lines go to stdout, which CloudWatch turns into metrics on Lambda. Locally they would only fill the console and the
 * test output: they print at DEBUG (`POWERTOOLS_LOG_LEVEL=DEBUG npm start`), else they are dropped.
 */
const emitsMetrics = (rt: Runtime) => Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME) || rt.env.POWERTOOLS_LOG_LEVEL === 'DEBUG';

export function flushMetrics(rt: Runtime): void {
  if (emitsMetrics(rt) && rt.metrics.hasStoredMetrics()) rt.metrics.publishStoredMetrics();
  else rt.metrics.clearMetrics();
}

/** The handler with its metrics published when each invocation ends, thrown or not. */
export function withMetrics<E, R>(rt: Runtime, handler: (event: E) => Promise<R>): (event: E) => Promise<R> {
  return async (event: E) => {
    try {
      return await handler(event);
    } finally {
      flushMetrics(rt);
    }
  };
}

/**
 * The Tracer on Lambda, where AWS_EXECUTION_ENV is set; undefined elsewhere. Outside Lambda the Tracer disables itself,
 * so the local runtime, the CLI and the tests do not load it at all (unbundled, the X-Ray SDK costs tens of ms to import).
 * Never a response in a trace: a decision page or an event can carry links and names (POWERTOOLS_TRACER_CAPTURE_RESPONSE
 * is false on every function too). No HTTP(S) patching: every call a handler makes goes through a captured SDK client.
 */
export const tracer: Tracer | undefined = process.env.AWS_EXECUTION_ENV
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({
      serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'isms-leadership',
      captureHTTPsRequests: false,
    })
  : undefined;

/** An SDK client whose calls appear as subsegments of the invocation (service, operation, table, retries, errors). */
export function traced<C>(client: C): C {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}

/**
 * The handler inside its own subsegment (`## <handler>`, as Powertools' captureLambdaHandler names it), annotated with
 * ColdStart, Service and BusinessUnit so that X-Ray can filter on them (`annotation.BusinessUnit = "emea"`); an error
 * is recorded on the subsegment and thrown on. The handler's result is never recorded.
 */
export function withTracing<E, R>(rt: Runtime, handler: (event: E) => Promise<R>): (event: E) => Promise<R> {
  const t = tracer;
  if (!t) return handler;
  return async (event: E) => {
    const segment = t.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
    if (subsegment) t.setSegment(subsegment);
    t.annotateColdStart();
    t.addServiceNameAnnotation();
    t.putAnnotation('BusinessUnit', rt.config.id);
    try {
      return await handler(event);
    } catch (err) {
      t.addErrorAsMetadata(err as Error);
      throw err;
    } finally {
      if (segment && subsegment) {
        subsegment.close();
        t.setSegment(segment);
      }
    }
  };
}
