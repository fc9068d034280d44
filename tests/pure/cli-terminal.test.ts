// What a person meets in the terminal (issue 12): help on stdout with exit 0, the nearest command or flag for a typo,
// and the spellings people type for a period, an amount or a category. Nothing here reaches AWS (mocked clients).
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../bin/isms';
import { COMMANDS } from '../../cli/manifest';
import { editDistance, nearest } from '../../cli/suggest';
import { amountProblem, readPeriod, resolvePeriod } from '../../cli/inputs';
import { nextPeriod, periodOf } from '../../core/period';

const cfn = mockClient(CloudFormationClient);
const sfn = mockClient(SFNClient);
const ddb = mockClient(DynamoDBDocumentClient);
const sts = mockClient(STSClient);
const APPROVAL_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:isms-example-emea-resource-approval';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeEach(() => {
  for (const m of [cfn, sfn, ddb, sts]) m.reset();
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'IsmsLeadership-example-emea',
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [{ OutputKey: 'ResourceApprovalStateMachineArn', OutputValue: APPROVAL_ARN }],
      },
    ],
  });
  sfn
    .on(StartExecutionCommand)
    .resolves({ executionArn: `${APPROVAL_ARN.replace(':stateMachine:', ':execution:')}:x`, startDate: new Date() });
  sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::123456789012:assumed-role/IsmsRequesters/irene' });
  ddb.on(GetCommand).resolves({});
});
// Test files share a worker process (isolate: false): give the next file the real clients back.
afterAll(() => {
  for (const m of [cfn, sfn, ddb, sts]) m.restore();
});

const submit = (...extra: string[]) => {
  const base: Record<string, string> = {
    '--bu': 'example-emea',
    '--category': 'equipment',
    '--title': 'Replacement laptops',
    '--justification': 'End of support',
    '--amount': '25000',
    '--currency': 'EUR',
    '--requester': 'irene.schulz@example.com',
  };
  for (let i = 0; i < extra.length; i += 2) base[extra[i]] = extra[i + 1];
  return run('request', 'submit', ...Object.entries(base).flat());
};

describe('help', () => {
  it('isms --help and isms <command> --help print usage on stdout and exit 0, for every command', async () => {
    for (const argv of [['--help'], ['-h'], []]) {
      const r = await run(...argv);
      expect(r).toMatchObject({ code: 0, err: '' });
      for (const c of COMMANDS) expect(r.out).toContain(`  ${c.name}`);
    }
    for (const c of COMMANDS) {
      const r = await run(...c.name.split(' '), '--help');
      expect(r, c.name).toMatchObject({ code: 0, err: '' });
      expect(r.out).toContain(`Usage: isms ${c.usage}`);
    }
  });
});

describe('typos', () => {
  it('an unknown command says so and suggests the nearest one (misspelt, swapped, plural, a first word only)', async () => {
    const cases: Array<[string[], string]> = [
      [['reveiw', 'status'], 'review status'],
      [['status', 'review'], 'review status'],
      [['request', 'list'], 'requests list'],
      [['smoketest'], 'smoke-test'],
    ];
    for (const [typed, meant] of cases) {
      const r = await run(...typed, '--bu', 'example-emea');
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain(`"${typed.join(' ')}" is not a command. Did you mean "isms ${meant}"?`);
    }
    expect((await run('review')).err).toContain('Did you mean "isms review start" or "isms review status"?');
    const far = await run('deploy', 'everything');
    expect(far.code).toBe(2);
    expect(far.err).toContain('"deploy everything" is not a command.');
    expect(far.err).not.toContain('Did you mean');
  });

  it('an unknown flag names it and suggests the nearest flag of that command, before anything runs', async () => {
    const r = await run('requests', 'list', '--bu', 'example-emea', '--staus', 'pending', '--sice', '2026-01-01');
    expect(r.code).toBe(2);
    expect(r.err).toContain('isms requests list: --staus is not a flag of this command. Did you mean --status?');
    expect(r.err).toContain('isms requests list: --sice is not a flag of this command. Did you mean --since?');
    expect(r.err).toContain('usage: isms requests list --bu <id>');
    expect((await run('review', 'status', '--bu', 'example-emea', '--perod', '2026-Q3')).err).toContain('Did you mean --period?');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('nearest: edit distance, case-blind, and nothing when the word is far from every known one', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearest('PERIOD', ['period', 'bu'])).toBe('period');
    expect(nearest('xyz', ['period', 'bu', 'local'])).toBeUndefined();
  });
});

describe('what people type', () => {
  it('a period in any case is accepted; "Q3 2026" is answered with the form to use', async () => {
    expect(readPeriod('--period', '2026-q3')).toEqual({ value: '2026-Q3' });
    for (const typed of ['Q3 2026', 'q3/2026', '2026 Q3']) {
      expect(readPeriod('--period', typed)).toEqual({
        problem: `--period: "${typed}" is not a period like "2026-Q4"; did you mean 2026-Q3?`,
      });
    }
    const accepted = await run('review', 'status', '--bu', 'example-emea', '--period', '2026-q3');
    expect(accepted.err).toContain('no review for 2026-Q3 in example-emea');
    expect(ddb.commandCalls(GetCommand)[0].args[0].input.Key).toEqual({ pk: 'REVIEW#example-emea#2026-Q3', sk: 'REVIEW' });
    const refused = await run('review', 'start', '--bu', 'example-emea', '--period', 'Q3 2026');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('did you mean 2026-Q3?');
    expect(sfn.calls()).toHaveLength(0);
  });

  it("current, next and previous name quarters in the unit's time zone, so a walk-through works on any date", async () => {
    // 23:30 UTC on 31 Dec is already the next year's first quarter in Berlin.
    const at = new Date('2026-12-31T23:30:00Z');
    expect(resolvePeriod('CURRENT', 'Europe/Berlin', at)).toBe('2027-Q1');
    expect(resolvePeriod('NEXT', 'Europe/Berlin', at)).toBe('2027-Q2');
    expect(resolvePeriod('PREVIOUS', 'UTC', at)).toBe('2026-Q3');
    const next = nextPeriod(periodOf(new Date(), 'Europe/Berlin'));
    expect((await run('review', 'status', '--bu', 'example-emea', '--period', 'next')).err).toContain(
      `no review for ${next} in example-emea`,
    );
  });

  it('an amount with a thousands separator is answered with the digits to type, and nothing starts', async () => {
    expect(amountProblem('25000')).toBeUndefined();
    expect(amountProblem('99.5')).toBeUndefined();
    expect(amountProblem('1.250.000,50')).toContain('use 1250000.50');
    const r = await submit('--amount', '25,000');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--amount: "25,000" has a thousands separator; use 25000');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('a category in capitals and a review period in lower case are accepted as the workflow spells them', async () => {
    const r = await submit('--category', 'Equipment', '--review', '2026-q3');
    expect(r.err).toContain('Submitted equipment request "Replacement laptops"');
    expect(r.code).toBe(0);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!);
    expect(input).toMatchObject({ category: 'equipment', reviewPeriod: '2026-Q3' });
    expect((await submit('--category', 'furniture')).err).toContain('"furniture" is not one of financial, human, equipment');
  });
});
