// Control characters and bidi overrides never reach a stored field, an email subject or a terminal (issue 9, finding 8).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/isms';
import { createCliContext } from '../../cli/context';
import { requestListLine } from '../../cli/request-commands';
import { validateUnit } from '../../core/config';
import { loadBusinessUnits } from '../../lib/config-files';
import { terminalSafe, textProblem } from '../../core/text';
import { actionListLine, type StoredAction } from '../../lambdas/shared/actions';
import { parseDecisionForm } from '../../core/decision-form';
import { sendEmail } from '../../lambdas/shared/email';
import { outcomeEmail } from '../../core/request-emails';
import { parseRequest } from '../../core/request';
import type { StoredRequest } from '../../lambdas/shared/request-store';
import { parseReviewInputs, type ReviewInputsError } from '../../core/review-inputs';
import { testRuntime } from '../support/local-aws';
import { sharedDynalite, sharedSes } from '../support/shared-emulators';

const ESC = '\u001b';
const RLO = '\u202e';
/** Anything a terminal or a mail header would act on: C0 (but newline/tab where allowed), DEL, C1, bidi controls. */
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
const UNSAFE_OR_BREAK = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

const emea = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
const raw = JSON.parse(readFileSync('config/business-units/example-emea.json', 'utf8'));

describe('the shared rule (core/text)', () => {
  it('refuses C0, DEL, C1 and bidi overrides/isolates in one line, and allows only newline and tab more in several', () => {
    for (const c of ['\u0000', '\r', '\n', '\t', ESC, '\u007f', '\u0085', '\u009b', '\u202a', RLO, '\u2066', '\u2069']) {
      expect(textProblem(`a${c}b`, 'single-line'), JSON.stringify(c)).toMatch(
        /^contains the control character U\+[0-9A-F]{4} at position 2; allowed is one line of printable text/,
      );
    }
    expect(textProblem('Zoë Ångström – 50 000 €, 日本', 'single-line')).toBeUndefined();
    expect(textProblem('line one\nline two\tindented', 'multi-line')).toBeUndefined();
    expect(textProblem(`line one\n${ESC}[2J`, 'multi-line')).toBe(
      'contains the control character U+001B at position 10; allowed is printable text, line breaks and tabs (no other control characters or bidi overrides)',
    );
    expect(textProblem('a\rb', 'multi-line')).toMatch(/U\+000D/);
  });
});

describe('every field that is stored refuses them, naming the field and what is allowed', () => {
  it('config: names, roles and the unit name', () => {
    const unit = structuredClone(raw);
    unit.name = `EMEA${ESC}]0;owned${'\u0007'}`;
    unit.topManagement[0].role = `CEO${RLO}`;
    unit.ismsManager.name = 'Ian\r\nBcc: x@example.com';
    unit.resourceApproval.levels[0].name = 'Sponsor\u0085';
    const { problems } = validateUnit(unit, 'emea.json');
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^emea\.json: name: contains the control character U\+001B at position 5; allowed is one line of printable text/,
        ),
        expect.stringMatching(/^emea\.json: topManagement\[0\]\.role: contains the control character U\+202E/),
        expect.stringMatching(/^emea\.json: ismsManager\.name: contains the control character U\+000D/),
        expect.stringMatching(/^emea\.json: resourceApproval\.levels\[0\]\.name: contains the control character U\+0085/),
      ]),
    );
    // The message never carries the character itself.
    for (const p of problems) expect(p).not.toMatch(UNSAFE_OR_BREAK);
  });

  it('request: the title is one line; the justification may have lines and tabs only', () => {
    const base = { bu: emea.id, category: 'equipment', amount: 100, currency: 'EUR', requester: 'ann@example.com' };
    const bad = parseRequest({ ...base, title: 'HSM\r\nBcc: eve@example.com', justification: `Because${ESC}[8m` }, emea);
    expect(bad.problems).toEqual([
      expect.stringMatching(/^title: contains the control character U\+000D at position 4; allowed is one line of printable text/),
      expect.stringMatching(
        /^justification: contains the control character U\+001B at position 8; allowed is printable text, line breaks and tabs/,
      ),
    ]);
    expect(parseRequest({ ...base, title: `invoice${RLO}fdp.exe`, justification: 'ok' }, emea).problems).toEqual([
      expect.stringMatching(/^title: .*U\+202E/),
    ]);
    const good = parseRequest({ ...base, title: 'Two HSMs', justification: 'Line one\r\n\tLine two' }, emea);
    expect(good.request?.justification).toBe('Line one\n\tLine two');
  });

  it('review inputs: each point may have lines and tabs only', () => {
    const inputs = JSON.parse(readFileSync('config/examples/review-inputs.json', 'utf8'));
    inputs.risk.assessmentResults = ['fine', `two\nlines\tand a tab`, `bad${'\u009b'}31m`];
    let problems: string[] = [];
    try {
      parseReviewInputs(inputs);
    } catch (err) {
      problems = (err as ReviewInputsError).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/^risk\.assessmentResults\[2\]: contains the control character U\+009B at position 4/),
    ]);
  });

  it('decision comment: lines and tabs are fine, an override is refused on the comment field', () => {
    expect(parseDecisionForm('request', { k: 's', choice: 'approve', comment: 'Yes.\r\n\tGo ahead.' })).toMatchObject({
      ok: true,
      input: { comment: 'Yes.\n\tGo ahead.' },
    });
    const refused = parseDecisionForm('request', { k: 's', choice: 'approve', comment: `ok ${'\u2067'}` });
    expect(refused).toMatchObject({
      ok: false,
      problems: [{ field: 'comment', message: expect.stringMatching(/^contains the control character U\+2067 at position 4/) }],
    });
  });

  it('CLI flags that become stored values: refused before anything starts, and the refusal prints no control character', async () => {
    const err: string[] = [];
    const submit = await main(
      [
        'request',
        'submit',
        '--bu',
        emea.id,
        '--category',
        'equipment',
        '--title',
        `HSM${ESC}]0;pwned\u0007`,
        '--justification',
        'x',
        '--amount',
        '5',
        '--currency',
        'EUR',
        '--requester',
        'ann@example.com',
      ],
      { out: () => {}, err: (l) => err.push(l) },
    );
    expect(submit).toBe(2);
    expect(err[0]).toMatch(/^isms request submit: --title: contains the control character U\+001B at position 4/);
    const close = await main(['action', 'close', '--bu', emea.id, '--action', 'example-emea#2026-Q4#A1', '--note', `done${RLO}`], {
      out: () => {},
      err: (l) => err.push(l),
    });
    expect(close).toBe(2);
    expect(err.join('\n')).toMatch(/--note: contains the control character U\+202E at position 5/);
    for (const l of err) expect(l).not.toMatch(UNSAFE);
  });
});

describe('nothing printed to a terminal carries an escape sequence (values stored before the fix included)', () => {
  const title = `Two HSMs${ESC}[2J${ESC}]0;owned\u0007\r\nApproved by the board${RLO}`;

  it('request and action lines are one line with every control shown escaped', () => {
    const request = {
      requestId: 'req-1',
      status: 'pending',
      currentLevel: 0,
      category: 'equipment',
      amount: 5,
      currency: 'EUR',
      requester: 'ann@example.com',
      submittedAt: '2026-12-01T09:00:00.000Z',
      title,
      levels: [{ index: 0, name: 'Sponsor', approver: { name: 'O', email: 'o@example.com' } }],
    } as unknown as StoredRequest;
    const line = requestListLine(request);
    expect(line).not.toMatch(UNSAFE_OR_BREAK);
    expect(line).toContain('Two HSMs\\u001b[2J\\u001b]0;owned\\u0007\\u000d\\u000aApproved by the board\\u202e');
    const action = {
      actionId: 'A1',
      status: 'open',
      dueDate: '2027-01-01',
      owner: { name: `Ian${ESC}[31m`, email: 'ian@example.com' },
      title,
    } as unknown as StoredAction;
    expect(actionListLine(action, '2026-12-01')).not.toMatch(UNSAFE_OR_BREAK);
  });

  it('every line the CLI prints goes through one filter that keeps line breaks and tabs only', () => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx = createCliContext({ local: false, out: (l) => out.push(l), err: (l) => err.push(l) });
    ctx.out(`a\n\tb ${title}`);
    ctx.err(title);
    expect(out[0].startsWith('a\n\tb Two HSMs\\u001b[2J')).toBe(true);
    for (const l of [...out, ...err]) expect(l).not.toMatch(UNSAFE);
    expect(terminalSafe(terminalSafe(title))).toBe(terminalSafe(title));
  });
});

describe('email subjects are one line', () => {
  let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
  let ses: Awaited<ReturnType<typeof sharedSes>>;
  beforeAll(async () => {
    [dynamo, ses] = await Promise.all([sharedDynalite(), sharedSes()]);
  });
  afterAll(async () => {
    await Promise.all([dynamo?.close(), ses?.close()]);
  });

  it('a request title stored before the fix cannot add a header line or an override to the subject', async () => {
    const rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit: emea });
    const request = {
      requestId: 'req-legacy',
      category: 'equipment',
      amount: 5,
      currency: 'EUR',
      requester: 'ann@example.com',
      submittedAt: '2026-12-01T09:00:00.000Z',
      title: `HSM\r\nBcc: eve@example.com${RLO}${ESC}[1m`,
      justification: 'x',
      levels: [],
      currentLevel: 0,
    } as unknown as StoredRequest;
    await sendEmail(rt, outcomeEmail({ unit: emea, request, outcome: 'expired' }));
    const [mail] = await ses.emails();
    expect(mail.subject).toBe(`Request expired without a decision: HSM Bcc: eve@example.com [1m (${emea.name})`);
    expect(mail.subject).not.toMatch(UNSAFE_OR_BREAK);
  });
});
