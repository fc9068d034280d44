// `isms smoke-test`: after a deploy, proves that an alarm reaches the ISMS manager's topic, that the unit's sender can
// email, and that decision links reach the product's own endpoint. It starts no review or request; what it did is
// recorded as smoke.* audit events.
import { newDecisionId } from '../lambdas/shared/links';
import { CloudWatchClient, DescribeAlarmHistoryCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { z } from 'zod';
import type { BusinessUnitConfig } from '../core/config';
import { NOT_FOUND_MARKER } from '../core/decision-pages';
import { html } from '../core/html';
import { stackName } from '../core/names';
import { recordEvent } from '../lambdas/shared/audit';
import { sendCopy } from '../lambdas/shared/email';
import type { Runtime } from '../lambdas/shared/runtime';
import type { CliCommand } from './context';
import { bu, parseFlags } from './flags';
import { optionsOf, usageOf } from './manifest';

/** What the smoke test waits with; tests replace these so that no test waits a minute. */
export const smokeTestDeps = {
  fetch: (url: string): Promise<Response> => fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(15_000) }),
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
  /** How long to wait for the alarm action's history entry, and how often to look. */
  historyTimeoutMs: 60_000,
  historyPollMs: 5_000,
};

export const SMOKE_SUBJECT_PREFIX = '[isms smoke test]';
export const SMOKE_ALARM_REASON = 'isms smoke-test';

interface StepResult {
  step: 'alarm' | 'email' | 'decision-endpoint';
  ok: boolean;
  detail: string;
}

const usage = usageOf('smoke-test');

const smokeTest: CliCommand = {
  name: 'smoke-test',
  usage,
  async run(args, ctx) {
    const parsed = parseFlags(args, optionsOf('smoke-test'), z.object({ bu, local: z.boolean().optional() }), ctx, usage);
    if (!parsed) return 2;
    const { unit } = parsed;
    const rt = ctx.runtime(unit.id);
    const results: StepResult[] = [];
    const report = (r: StepResult) => {
      results.push(r);
      (r.ok ? ctx.out : ctx.err)(`${r.ok ? 'OK' : 'FAIL'} ${r.detail}`);
    };

    let decisionBaseUrl: string;
    let alarmName: string | undefined;
    if (ctx.local) {
      ctx.out(
        `Against the local runtime (npm start) the smoke test checks the decision endpoint's 404 page and an email through the local SES to ${unit.ismsManager.email}.`,
      );
      ctx.out(
        `Alarms cannot be checked locally: the local runtime has no CloudWatch or SNS. Run \`npx isms smoke-test --bu ${unit.id}\` against the deployed stack.`,
      );
      decisionBaseUrl = rt.env.DECISION_BASE_URL ?? '';
    } else {
      let outputs: Record<string, string>;
      try {
        outputs = await ctx.stackOutputs(unit.id);
      } catch (err) {
        ctx.err(`FAIL stack ${stackName(unit.id)}: ${(err as Error).message}`);
        return 1;
      }
      decisionBaseUrl = outputs.DecisionBaseUrl ?? '';
      alarmName = outputs.SmokeTestAlarmName;
      if (!alarmName || !decisionBaseUrl) {
        ctx.err(
          `FAIL stack ${stackName(unit.id)}: it has no output ${alarmName ? 'DecisionBaseUrl' : 'SmokeTestAlarmName'}; deploy the current version (npx cdk deploy ${stackName(unit.id)}).`,
        );
        return 1;
      }
    }

    const actor = await ctx.caller(unit.id).catch(() => 'unknown');
    const startedAt = rt.now().toISOString();
    const subjectPk = `SMOKE#${startedAt}`;
    try {
      await recordEvent(rt, { type: 'smoke.started', subjectPk, actor, at: startedAt, detail: { local: ctx.local } });
    } catch (err) {
      ctx.err(`FAIL evidence: cannot record smoke.started in ${rt.tableName}: ${(err as Error).message}`);
      return 1;
    }

    if (alarmName) report(await alarmStep(unit, alarmName));
    report(await emailStep(rt, unit));
    report(await decisionEndpointStep(decisionBaseUrl));

    const passed = results.every((r) => r.ok);
    try {
      await recordEvent(rt, {
        type: passed ? 'smoke.passed' : 'smoke.failed',
        subjectPk,
        actor,
        detail: { local: ctx.local, startedAt, steps: results },
      });
    } catch (err) {
      ctx.err(`FAIL evidence: cannot record the smoke test's result in ${rt.tableName}: ${(err as Error).message}`);
      return 1;
    }
    ctx.out(`Recorded as smoke.${passed ? 'passed' : 'failed'} (${subjectPk}) in ${rt.tableName}.`);
    return passed ? 0 : 1;
  },
};

/**
 * Sets the test alarm to ALARM and back to OK, then waits for the alarm action's history entry: CloudWatch writes
 * whether its publish to the topic succeeded, and why not (the topic policy, the KMS key).
 */
async function alarmStep(unit: BusinessUnitConfig, alarmName: string): Promise<StepResult> {
  const what = `alarm ${alarmName} reaches the alarm topic`;
  const fail = (detail: string): StepResult => ({ step: 'alarm', ok: false, detail: `${what}: ${detail}` });
  const cw = new CloudWatchClient(unit.region ? { region: unit.region } : {});
  // CloudWatch stamps the history with its own clock: a little slack for this machine's.
  const since = new Date(Date.now() - 2_000);
  try {
    await cw.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: SMOKE_ALARM_REASON }));
    await cw.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'OK', StateReason: SMOKE_ALARM_REASON }));
  } catch (err) {
    const e = err as Error;
    return fail(`SetAlarmState failed (${e.name}: ${e.message}); check that you may call cloudwatch:SetAlarmState on it.`);
  }
  const confirm = `confirm the subscription from the email AWS sent to ${unit.ismsManager.email} after the first deploy`;
  const attempts = Math.ceil(smokeTestDeps.historyTimeoutMs / smokeTestDeps.historyPollMs);
  for (let i = 0; i <= attempts; i++) {
    if (i > 0) await smokeTestDeps.sleep(smokeTestDeps.historyPollMs);
    let items: Array<{ Timestamp?: Date; HistorySummary?: string; HistoryData?: string }>;
    try {
      const out = await cw.send(
        new DescribeAlarmHistoryCommand({
          AlarmName: alarmName,
          HistoryItemType: 'Action',
          StartDate: since,
          ScanBy: 'TimestampAscending',
        }),
      );
      items = out.AlarmHistoryItems ?? [];
    } catch (err) {
      const e = err as Error;
      return fail(`DescribeAlarmHistory failed (${e.name}: ${e.message}); check that you may call cloudwatch:DescribeAlarmHistory.`);
    }
    const entry = items.find((h) => !h.Timestamp || h.Timestamp >= since);
    if (!entry) continue;
    const summary = entry.HistorySummary ?? '';
    if (/^Successfully executed action arn:aws[\w-]*:sns:/.test(summary)) {
      return { step: 'alarm', ok: true, detail: `${what} (${summary}); ${confirm}, or the ISMS manager gets nothing` };
    }
    return fail(
      `CloudWatch says "${historyReason(entry)}". Check the topic policy (cloudwatch.amazonaws.com may publish) and the KMS key policy (CloudWatch may use the key), then ${confirm}.`,
    );
  }
  return fail(
    `no action in the alarm history within ${Math.round(smokeTestDeps.historyTimeoutMs / 1000)} s after setting it to ALARM; check that the alarm has the topic as its action (deploy the current version) and run the smoke test again.`,
  );
}

/** The summary, with the error CloudWatch put in the history data when there is one. */
function historyReason(entry: { HistorySummary?: string; HistoryData?: string }): string {
  const summary = entry.HistorySummary ?? 'no summary';
  try {
    const data = JSON.parse(entry.HistoryData ?? '{}') as { error?: unknown };
    if (typeof data.error === 'string' && data.error) return `${summary}: ${data.error}`;
  } catch {
    // Not JSON: the summary says it all.
  }
  return summary;
}

async function emailStep(rt: Runtime, unit: BusinessUnitConfig): Promise<StepResult> {
  const to = unit.ismsManager.email;
  const what = `email from ${unit.sender} to ${to}`;
  const text = `This is a test of the ISMS leadership workflows of ${unit.name} (isms smoke-test, run after a deploy). It needs no action: if you read this, the unit's sender can reach you.`;
  try {
    const messageId = await sendCopy(
      rt,
      {
        to: [to],
        subject: `${SMOKE_SUBJECT_PREFIX} ${unit.name}: email from the ISMS workflows reaches you`,
        text,
        html: html`<p>${text}</p>`.value,
      },
      to,
    );
    return { step: 'email', ok: true, detail: `${what} (SES message id ${messageId})` };
  } catch (err) {
    const e = err as Error;
    const region = unit.region ?? 'the default region';
    const hint = /not verified/i.test(e.message)
      ? `verify ${unit.sender} in SES in ${region}, and while the account is in the SES sandbox there, ${to} too (or request production access; the stack's SesConsoleUrl output opens the console)`
      : /sandbox/i.test(e.message)
        ? `the account is in the SES sandbox in ${region}: request production access (the stack's SesConsoleUrl output opens the console)`
        : `check SES in ${region} (sender identity, sandbox, sending quota)`;
    return { step: 'email', ok: false, detail: `${what}: SES ${e.name}: ${e.message}; ${hint}.` };
  }
}

export async function decisionEndpointStep(baseUrl: string): Promise<StepResult> {
  // An id of the real shape: one the endpoint refuses by its shape would never reach the links table, so a missing
  // table name or grant would pass unseen.
  const url = `${baseUrl.replace(/\/+$/, '')}/decisions/${newDecisionId()}?k=x`;
  const what = `unknown decision link answers the product's 404 page (GET ${url})`;
  const fail = (detail: string): StepResult => ({ step: 'decision-endpoint', ok: false, detail: `${what}: ${detail}` });
  let res: Response;
  try {
    res = await smokeTestDeps.fetch(url);
  } catch (err) {
    return fail(`no answer (${(err as Error).message}); check the DecisionBaseUrl output and that the API is reachable from here.`);
  }
  const body = await res.text().catch(() => '');
  if (res.status === 404 && body.includes(NOT_FOUND_MARKER)) return { step: 'decision-endpoint', ok: true, detail: what };
  if (res.status === 404) {
    return fail(
      'answered 404, but not with the product\'s "Link not found" page: something else answers these links (a custom domain\'s API mapping or base path, a proxy); check the route GET /decisions/{id}.',
    );
  }
  return fail(
    `answered ${res.status} instead of 404; ${res.status >= 500 ? 'the decision endpoint fails: see its logs and the DecisionApi5xx alarm' : 'check the API, its route GET /decisions/{id} and anything in front of it (custom domain, WAF)'}.`,
  );
}

export const commands: CliCommand[] = [smokeTest];
