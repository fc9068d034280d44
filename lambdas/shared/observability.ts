// Powertools Metrics beside the Logger: made once per Runtime, with the namespace and dimensions of core/metrics.ts.
//
// No Powertools Tracer: it brings aws-xray-sdk-core (with semver and cls-hooked), about 115 KB minified in every bundle,
// which puts the decision endpoint over the 600 KB budget of tests/cdk/bundling.test.ts and every function over the 1.3x
// goal of `npm run bench -- bundles`. Lambda's active tracing (lib/isms-function.ts) still traces each invocation.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, METRICS_SERVICE, metricDimensions, type MetricName } from '../../core/metrics';
import type { Runtime } from './runtime';

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
