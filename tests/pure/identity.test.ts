// Canonical identities (docs/architecture.md#people-are-identities): one person however their address is written, and aliases that are theirs only.
import { describe, expect, it } from 'vitest';
import { canonicalAddress, Identities, principalAddress } from '../../core/identity';

describe('canonicalAddress', () => {
  it.each([
    ['oona.byrne@example.com', 'oona.byrne@example.com'],
    ['  Oona.Byrne@Example.COM ', 'oona.byrne@example.com'],
    ['oona.byrne+x@example.com', 'oona.byrne@example.com'],
    ['OONA.BYRNE+Budget+2027@EXAMPLE.COM', 'oona.byrne@example.com'],
    // Only the local part carries a tag; "+" in a domain is not an address anyone can get mail at, so leave it be.
    ['ann@ex+ample.com', 'ann@ex+ample.com'],
    // Nothing before the tag: no mailbox to fold it into.
    ['+x@example.com', '+x@example.com'],
    ['not-an-address', 'not-an-address'],
  ])('%j is %j', (address, canonical) => {
    expect(canonicalAddress(address)).toBe(canonical);
  });
});

describe('Identities', () => {
  const { identities, clashes } = Identities.build([
    {
      person: { name: 'Oona Byrne', email: 'oona.byrne@example.com', aliases: ['o.byrne@holding.example', 'OB+x@example.org'] },
      where: 'member',
    },
    { person: { name: 'Oona Byrne', email: 'Oona.Byrne@example.com' }, where: 'approver' },
    { person: { name: 'Clara Weber', email: 'clara.weber@example.com' }, where: 'contact' },
  ]);

  it('resolves every spelling and alias of a configured person to them, and an unknown address to itself', () => {
    expect(clashes).toEqual([]);
    for (const a of ['oona.byrne+hr@example.com', 'O.Byrne@Holding.example', 'ob@example.org', 'ob+y@example.org'])
      expect(identities.of(a)).toBe('oona.byrne@example.com');
    expect(identities.of('Someone+x@Example.com')).toBe('someone@example.com');
    expect(identities.same('OB@example.org', 'oona.byrne@example.com')).toBe(true);
    expect(identities.same('clara.weber@example.com', 'oona.byrne@example.com')).toBe(false);
    expect(identities.nameOf('ob@example.org')).toBe('Oona Byrne');
  });

  it("reports an alias that is another person's address or alias, whichever entry comes first, and keeps it theirs", () => {
    const built = Identities.build([
      { person: { email: 'a@example.com', aliases: ['shared@example.com', 'B@example.com'] }, where: 'first' },
      { person: { name: 'Bea', email: 'b@example.com', aliases: ['Shared+1@example.com'] }, where: 'second' },
    ]);
    expect(built.clashes).toEqual([
      { where: 'first', aliasIndex: 1, alias: 'B@example.com', owner: 'b@example.com', ownerName: 'Bea', ownersAddress: true },
      { where: 'second', aliasIndex: 0, alias: 'Shared+1@example.com', owner: 'a@example.com', ownerName: undefined, ownersAddress: false },
    ]);
    expect(built.identities.of('b@example.com')).toBe('b@example.com');
  });
});

describe('principalAddress', () => {
  it.each([
    ['arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0a1b2c/oona.byrne@example.com', 'oona.byrne@example.com'],
    ['arn:aws:iam::123456789012:user/people/oona.byrne@example.com', 'oona.byrne@example.com'],
    ['arn:aws:sts::123456789012:assumed-role/Deployer/ci-run-42', undefined],
    ['arn:aws:iam::123456789012:root', undefined],
    ['local:oona', undefined],
    [undefined, undefined],
  ])('%s names %s', (arn, address) => {
    expect(principalAddress(arn)).toBe(address);
  });
});
