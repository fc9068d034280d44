// Daily (EventBridge Scheduler on AWS, the local scheduler locally): when the current policy or objectives are due for
// re-confirmation, the ISMS manager is reminded once; once overdue, that is recorded as evidence and they are told once more.
import * as z from '../core/zod';
import { DOCUMENT_KINDS, reconfirmationDue, reconfirmationState } from '../core/policy';
import { reconfirmationEmail } from '../core/policy-render';
import { recordEvent } from './shared/audit';
import { currentVersion } from './shared/policy-store';
import { sendOnce } from './shared/sent-store';
import { lambdaHandler, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';

/** The schedule's payload is not read; any object (or none) will do. */
const eventSchema = z.optional(z.unknown());

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  parseEvent(eventSchema, event, 'policy-check-due');
  const now = rt.now();
  const checked = [];
  for (const kind of DOCUMENT_KINDS) {
    const current = await currentVersion(rt, kind);
    if (!current?.closedAt) {
      checked.push({ documentKind: kind, state: 'none' as const });
      continue;
    }
    const dueAt = reconfirmationDue(rt.config, current.closedAt);
    const state = reconfirmationState(current.closedAt, dueAt, now);
    checked.push({ documentKind: kind, version: current.version, dueAt, state });
    if (state === 'current') continue;
    // Keyed by the state: one email when due, one when overdue, whatever how often the check runs.
    const fanOut = await sendOnce(
      rt,
      { subjectPk: current.pk, message: `reconfirmation-${state}` },
      reconfirmationEmail({ unit: rt.config, policy: current, state, dueAt }),
    );
    const copy = fanOut.sent[0] ?? fanOut.skipped[0];
    await recordEvent(rt, {
      type: `policy.reconfirmation-${state}`,
      subjectPk: current.pk,
      actor: 'system',
      at: copy?.sentAt ?? now.toISOString(),
      eventId: `reconfirmation-${state}`,
      detail: {
        documentKind: kind,
        version: current.version,
        approvedAt: current.closedAt,
        dueAt,
        remindedTo: rt.config.ismsManager.email,
      },
    });
  }
  return { checked };
};

export const handler = lambdaHandler(createHandler);
