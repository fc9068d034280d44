// Where units deploy: account and region from the config, and synth refusing two units that would deploy the same stack
// or table into one account and region.
import { describe, expect, it } from 'vitest';
import { ConfigError, validateUnit } from '../../core/config';
import { checkDeployTargets, loadBusinessUnits } from '../../lib/config-files';
import { testUnit } from '../support/units';

const raw = () => JSON.parse(JSON.stringify(loadBusinessUnits().find((u) => u.id === 'example-emea')));

describe('a unit names its account and region (and whether it re-attaches retained resources)', () => {
  it.each([
    ['account', '12345678901', 'account: "12345678901" is not a 12-digit AWS account id'],
    ['account', '12345678901a', 'account: "12345678901a" is not a 12-digit AWS account id'],
    ['region', 'eu-west', 'region: "eu-west" is not an AWS region like "eu-west-1"'],
    ['region', 'EU-WEST-1', 'region: "EU-WEST-1" is not an AWS region like "eu-west-1"'],
    ['reattach', 'yes', 'reattach: "yes" is not a boolean'],
  ])('%s %s is refused, naming the field', (field, value, message) => {
    const r = validateUnit({ ...raw(), [field]: value }, 'u.json');
    expect(r.unit).toBeUndefined();
    expect(r.problems).toEqual([`u.json: ${message}`]);
  });

  it('a valid account and region are kept', () => {
    const r = validateUnit({ ...raw(), account: '123456789012', region: 'us-gov-west-1' }, 'u.json');
    expect(r.unit).toMatchObject({ account: '123456789012', region: 'us-gov-west-1' });
  });
});

describe('checkDeployTargets', () => {
  const a = testUnit({ id: 'unit-a', account: '111111111111', region: 'eu-west-1' });

  it('refuses two units deploying the same stack into one account and region, naming both and what to change', () => {
    const twin = testUnit({ id: 'unit-a', account: '111111111111', region: 'eu-west-1', name: 'Another unit' });
    let error: unknown;
    try {
      checkDeployTargets([a, twin]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'units "unit-a" and "unit-a" both deploy the stack IsmsLeadership-unit-a to 111111111111 / eu-west-1: give one of them another id, account or region',
      'units "unit-a" and "unit-a" both deploy the evidence table isms-unit-a-evidence to 111111111111 / eu-west-1: give one of them another id, account or region',
      'units "unit-a" and "unit-a" both deploy the links table isms-unit-a-links to 111111111111 / eu-west-1: give one of them another id, account or region',
    ]);
  });

  it('accepts the same stack name in another account or another region, and different units side by side', () => {
    expect(() =>
      checkDeployTargets([
        a,
        testUnit({ id: 'unit-a', account: '222222222222', region: 'eu-west-1' }),
        testUnit({ id: 'unit-a', account: '111111111111', region: 'eu-central-1' }),
        testUnit({ id: 'unit-b', account: '111111111111', region: 'eu-west-1' }),
      ]),
    ).not.toThrow();
  });

  it('compares units without account or region with each other', () => {
    const bare = testUnit({ id: 'unit-c', account: undefined, region: undefined });
    expect(() => checkDeployTargets([bare, { ...bare }])).toThrow(/IsmsLeadership-unit-c to the default account \/ the default region/);
  });
});
