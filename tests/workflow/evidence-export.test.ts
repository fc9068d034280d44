// The auditor's export: a real request decided on the local runtime comes out whole, and without secrets.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessUnitSchema } from '../../core/config';
import type { CliContext } from '../../cli/context';
import { evidenceExport } from '../../cli/evidence-commands';
import { submitCommand } from '../../cli/request-commands';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { testUnit } from '../support/units';
import { FREE_PORTS, IRENE, OONA, decisionLink, localCliContext, postDecision, until } from '../support/workflow';
import { executionArnOf } from '../../core/names';

const unit = businessUnitSchema.parse({ ...testUnit(), reminders: { interval: '10m', maximum: 1 }, decisionLinkLifetime: '1h' });

describe('isms evidence export', () => {
  let runtime: LocalRuntime;
  let ctx: CliContext;
  let dir: string;
  const out: string[] = [];
  const err: string[] = [];
  let requestId = '';
  let secret = '';

  beforeAll(async () => {
    runtime = await startLocalRuntime({ units: [unit], ports: FREE_PORTS });
    dir = mkdtempSync(path.join(tmpdir(), 'isms-evidence-'));
    ctx = localCliContext(runtime, { out, err });

    const args = [
      '--bu',
      unit.id,
      '--category',
      'human',
      '--title',
      'Security analyst',
      '--justification',
      'SOC coverage at night',
      '--amount',
      '900',
      '--currency',
      'EUR',
      '--requester',
      IRENE,
      '--local',
    ];
    expect(await submitCommand.run(args, ctx)).toBe(0);
    requestId = out.pop()!.trim();
    const email = await until('the approval email', async () =>
      (await runtime.emails()).find((e) => e.subject.includes('Security analyst')),
    );
    secret = decisionLink(email).searchParams.get('k')!;
    expect(await postDecision(email, { choice: 'approve', comment: 'yes' })).toBe(303);
    const executionArn = executionArnOf(runtime.units[0].stateMachineArns['resource-approval'], requestId);
    await until(
      'the request to finish',
      async () => (await runtime.sfn.send(new DescribeExecutionCommand({ executionArn }))).status !== 'RUNNING',
    );
  });
  afterAll(() => runtime?.close());

  it('exports the events of the range and every item of the request, with no task token, secret or hash', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const file = path.join(dir, 'evidence.json');
    expect(await evidenceExport.run(['--bu', unit.id, '--from', month, '--to', month, '--out', file, '--local'], ctx)).toBe(0);
    const text = readFileSync(file, 'utf8');
    const evidence = JSON.parse(text);
    expect(evidence).toMatchObject({ format: 'isms-leadership/evidence-export@1', bu: unit.id, from: month, to: month });
    const types = evidence.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['request.submitted', 'link.issued', 'decision.recorded', 'request.approved']));
    const times = evidence.events.map((e: { at: string }) => e.at);
    expect(times).toEqual([...times].sort());
    const items = evidence.subjects[`REQUEST#${requestId}`];
    expect([...new Set(items.map((i: { kind: string }) => i.kind))].sort()).toEqual(['decision', 'email-sent', 'request']);
    // Who was emailed what, each copy with its SES message id: the approval request to the sponsor, the outcome to the requester (Irene).
    const sent = items.filter((i: { kind: string }) => i.kind === 'email-sent');
    expect(sent.map((i: { recipient: string }) => i.recipient)).toEqual(expect.arrayContaining([OONA, IRENE]));
    for (const i of sent)
      expect(i).toMatchObject({ message: expect.any(String), sesMessageId: expect.stringMatching(/.+/), sentAt: expect.any(String) });
    expect(items.find((i: { kind: string }) => i.kind === 'decision')).toMatchObject({
      choice: 'approve',
      comment: 'yes',
      recipient: { email: OONA },
    });
    expect(text).not.toContain('taskToken');
    expect(text).not.toContain('secretHashes');
    expect(text).not.toContain(secret);
  });

  it('--format html: the same evidence as one page an auditor reads, the decided level with who and when', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const file = path.join(dir, 'evidence.html');
    expect(
      await evidenceExport.run(['--bu', unit.id, '--from', month, '--to', month, '--format', 'html', '--out', file, '--local'], ctx),
    ).toBe(0);
    const page = readFileSync(file, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(`<td>${requestId}<br>`);
    expect(page).toContain('<td>Security analyst</td>');
    expect(page).toMatch(new RegExp(`1\\. ISMS sponsor: ${OONA}: approved at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(“yes”\\)`));
    for (const type of ['request.submitted', 'decision.recorded', 'request.approved']) expect(page).toContain(`<td>${type}</td>`);
    expect(page).not.toContain('taskToken');
    expect(page).not.toContain(secret);
  });

  it('refuses bad ranges and units, naming the flag, and reads nothing', async () => {
    err.length = 0;
    expect(await evidenceExport.run(['--bu', 'nope', '--from', '2026-13', '--to', '2026-01', '--local'], ctx)).toBe(2);
    expect(err).toContain('--from: "2026-13" is not a month like "2026-11"');
    expect(err.some((l) => l.startsWith('--bu: Unknown business unit "nope"'))).toBe(true);
    err.length = 0;
    expect(await evidenceExport.run(['--bu', unit.id, '--from', '2026-12', '--to', '2026-01', '--local'], ctx)).toBe(2);
    expect(err).toContain('--from 2026-12 is after --to 2026-01');
    err.length = 0;
    expect(await evidenceExport.run(['--bu', unit.id, '--format', 'xml', '--local'], ctx)).toBe(2);
    expect(err).toContain('--format: "xml" is not one of json, html, bundle');
  });
});
