// People as identities, not strings (DESIGN decision 12): one canonical form of an address, and the configured person it stands for.

/**
 * The mailbox an address reaches, as one string: trimmed, case-folded, the plus-tag dropped from the local part
 * ("Oona.Byrne+x@Example.com" → "oona.byrne@example.com"). Mail systems deliver all of these to the same person,
 * so a comparison of people that looks at the raw string can be sidestepped by typing it differently.
 */
export function canonicalAddress(address: string): string {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at <= 0) return a;
  const local = a.slice(0, at);
  const plus = local.indexOf('+');
  // "+tag@x" has no mailbox before the tag: leave it whole rather than invent an empty local part.
  return plus > 0 ? `${local.slice(0, plus)}${a.slice(at)}` : a;
}

/**
 * The address an AWS principal's name carries, if it is one: IAM Identity Center names a user's role session after their
 * email ("arn:aws:sts::…:assumed-role/AWSReservedSSO_…/oona.byrne@example.com"), and IAM user names may be addresses.
 */
export function principalAddress(arn: string | undefined): string | undefined {
  const name = /^arn:aws[a-z-]*:(?:sts::\d{12}:assumed-role\/[^/]+|iam::\d{12}:user(?:\/[^/]+)*)\/([^/]+)$/.exec(arn ?? '')?.[1];
  return name && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(name) ? name : undefined;
}

/** A person as the config names them: one address, and the other addresses that are theirs too. */
export interface KnownPerson {
  name?: string;
  email: string;
  aliases?: readonly string[];
}

/** An alias that already belongs to someone else; `where` is the caller's label of the entry that lists it. */
export interface AliasClash<W> {
  where: W;
  aliasIndex: number;
  alias: string;
  /** The identity (canonical address) of the person who owns it already. */
  owner: string;
  ownerName?: string;
  /** Whether it is the other person's own address (else one of their aliases). */
  ownersAddress: boolean;
}

/**
 * Who an address is. Entries with the same canonical address are one person (the config repeats people in several roles),
 * whose aliases are the union of all the entries' aliases: an alias listed once applies to every role of that person.
 */
export class Identities {
  private constructor(
    private readonly byAddress: ReadonlyMap<string, string>,
    private readonly names: ReadonlyMap<string, string>,
  ) {}

  /** The directory of `people`, and the aliases that could not be added because they are someone else's. */
  static build<W>(people: Iterable<{ person: KnownPerson; where: W }>): { identities: Identities; clashes: AliasClash<W>[] } {
    const entries = [...people].filter((e) => e.person && typeof e.person.email === 'string');
    const byAddress = new Map<string, string>();
    const names = new Map<string, string>();
    const aliasOwner = new Map<string, string>();
    // Own addresses first, so an alias is checked against every person whichever order the config lists them in.
    for (const { person } of entries) {
      const id = canonicalAddress(person.email);
      byAddress.set(id, id);
      if (person.name && !names.has(id)) names.set(id, person.name);
    }
    const clashes: AliasClash<W>[] = [];
    for (const { person, where } of entries) {
      const id = canonicalAddress(person.email);
      (Array.isArray(person.aliases) ? person.aliases : []).forEach((alias, aliasIndex) => {
        if (typeof alias !== 'string') return;
        const a = canonicalAddress(alias);
        const owner = byAddress.get(a);
        if (owner === undefined || owner === id) {
          byAddress.set(a, id);
          aliasOwner.set(a, id);
          return;
        }
        clashes.push({ where, aliasIndex, alias, owner, ownerName: names.get(owner), ownersAddress: !aliasOwner.has(a) });
      });
    }
    return { identities: new Identities(byAddress, names), clashes };
  }

  /** The person an address stands for: the configured person's canonical address, else the address's own canonical form. */
  of(address: string): string {
    const a = canonicalAddress(address);
    return this.byAddress.get(a) ?? a;
  }

  /** Whether two addresses are the same person. */
  same(a: string, b: string): boolean {
    return this.of(a) === this.of(b);
  }

  /** The configured name of the person an address stands for, if they are configured. */
  nameOf(address: string): string | undefined {
    return this.names.get(this.of(address));
  }
}
