// The sealer: on its schedule, seals the evidence written since the last digest (docs/evidence-sealing.md).
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { lambdaHandler, type Runtime } from './shared/runtime';
import { type SealResult, sealDue, sealTargetFrom } from './shared/seal-store';

export function createHandler(rt: Runtime) {
  const target = sealTargetFrom(rt);
  // The lag alarm (lib/evidence-seal.ts) watches this; locally there is no CloudWatch, so the environment leaves it off.
  const metrics =
    rt.env.SEAL_LAG_METRIC === 'on' ? new Metrics({ namespace: 'IsmsLeadership', serviceName: 'isms-evidence-seal' }) : undefined;
  return async (_event: unknown): Promise<SealResult> => {
    const now = rt.now();
    const result = await sealDue(rt, target, target.intervalSeconds, now);
    if (result.sealed.length) rt.logger.info('sealed', { digests: result.sealed, behind: result.behind });
    if (metrics && result.sealedUntil) {
      metrics.addDimension('unit', rt.config.id);
      metrics.addMetric('SealLagSeconds', MetricUnit.Seconds, Math.round((now.getTime() - Date.parse(result.sealedUntil)) / 1000));
      metrics.publishStoredMetrics();
    }
    return result;
  };
}

export const handler = lambdaHandler(createHandler);
