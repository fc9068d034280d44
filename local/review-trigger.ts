// Local stand-ins for EventBridge Scheduler: fire each unit's review schedule, and open current reviews at start.
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { nextFire } from '../core/schedule';
import { periodOf, reviewIdOf } from '../core/period';
import { keys } from '../core/keys';
import { startReviewInput } from '../core/review-start';
import type { LocalRuntime, LocalUnit } from './runtime';

/** Longest delay setTimeout takes; later fires are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

async function startReview(runtime: LocalRuntime, u: LocalUnit, period: string, trigger: string, log: (l: string) => void) {
  const { name, input } = startReviewInput(u.unit, period, trigger);
  try {
    const out = await runtime.sfn.send(
      new StartExecutionCommand({ stateMachineArn: u.stateMachineArns['management-review'], name, input: JSON.stringify(input) }),
    );
    log(`review ${u.unit.id} ${period} started (${trigger}): ${out.executionArn}`);
  } catch (err) {
    // Same name, other input (another trigger) means this period's review was already started.
    if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
    log(`review ${u.unit.id} ${period} already started`);
  }
}

/** What `npm start` does so a newcomer sees a review at once: the current period, for units that have none. */
export async function openCurrentReviews(runtime: LocalRuntime, now: Date, log: (l: string) => void): Promise<void> {
  for (const u of runtime.units) {
    const period = periodOf(now, u.unit.timeZone);
    const existing = await u.runtime.ddb.send(
      new GetCommand({ TableName: u.tableName, Key: keys.review(reviewIdOf(u.unit.id, period)), ConsistentRead: true }),
    );
    if (existing.Item) {
      log(`review ${u.unit.id} ${period} exists (${existing.Item.status})`);
      continue;
    }
    await startReview(runtime, u, period, 'local-start', log);
  }
}

/** Fires each unit's cron expression in its time zone, with croner (via core/schedule). Returns a stopper. */
export function startLocalScheduler(runtime: LocalRuntime, log: (l: string) => void): () => Promise<void> {
  const timers = new Set<NodeJS.Timeout>();
  const arm = (u: LocalUnit, from: Date) => {
    if (!u.unit.reviewSchedule.startsWith('cron(')) return;
    const at = nextFire(u.unit.reviewSchedule, u.unit.timeZone, from);
    if (!at) return;
    const delay = at.getTime() - Date.now();
    const timer = setTimeout(
      async () => {
        timers.delete(timer);
        if (delay > MAX_TIMER_MS) return arm(u, from);
        try {
          await startReview(runtime, u, periodOf(at, u.unit.timeZone), 'schedule', log);
        } catch (err) {
          log(`review schedule of ${u.unit.id} failed: ${(err as Error).message}`);
        }
        arm(u, at);
      },
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
    timer.unref();
    timers.add(timer);
  };
  for (const u of runtime.units) arm(u, new Date());
  return async () => {
    for (const t of timers) clearTimeout(t);
  };
}
