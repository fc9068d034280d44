// Business-unit config: the shipped examples load, and each broken config gives the message a person can act on.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configWarnings,
  deployWarnings,
  exampleDomainOf,
  requiredApprovals,
  timing,
  unitIdentities,
  validateUnit,
} from '../../core/config';
import { loadBusinessUnits, selectUnits } from '../../lib/config-files';
import { numericSubstitutions } from '../../lib/definitions';
import { checkEnvironmentSize, FUNCTIONS, functionEnvironment } from '../../core/functions';
import { readUnitConfig } from '../../core/unit';

const units = loadBusinessUnits();
const emea = units.find((u) => u.id === 'example-emea')!;
const FILE = 'config/business-units/emea.json';

const DOMAIN = {
  name: 'decide.example.com',
  certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
};

/** A copy of the EMEA example with one change applied. */
function broken(change: (u: any) => void): unknown {
  const copy = structuredClone(emea) as any;
  change(copy);
  return copy;
}

describe('shipped examples', () => {
  it('load, both of them, with defaults applied', () => {
    expect(units.map((u) => u.id).sort()).toEqual(['example-apac', 'example-emea']);
    expect(requiredApprovals(emea)).toBe(2);
    expect(requiredApprovals(units.find((u) => u.id === 'example-apac')!)).toBe(2);
    expect(timing(emea)).toEqual({
      reminderIntervalSeconds: 172800,
      maxReminders: 2,
      linkLifetimeSeconds: 1209600,
      afterEscalationSeconds: 691200,
    });
  });

  it('leave time after escalation for the last wait', () => {
    for (const u of units) expect(numericSubstitutions(u).AfterEscalationSeconds).toBeGreaterThan(0);
  });
});

describe('decision domain', () => {
  it("accepts a custom domain with a certificate in the unit's region, and a base path", () => {
    const { unit, problems } = validateUnit(
      broken((u) => (u.decisionDomain = { ...DOMAIN, basePath: 'emea' })),
      FILE,
    );
    expect(problems).toEqual([]);
    expect(unit!.decisionDomain).toEqual({ ...DOMAIN, basePath: 'emea' });
  });
});

describe('broken configs', () => {
  const cases: Array<[string, (u: any) => void, string]> = [
    ['bad member email', (u) => (u.topManagement[1].email = 'bob@'), 'topManagement[1].email: "bob@" is not an email address'],
    ['missing sender', (u) => delete u.sender, 'sender: is required'],
    ['unknown field', (u) => (u.colour = 'blue'), 'colour: is not a known field'],
    ['unknown time zone', (u) => (u.timeZone = 'Mars/Olympus'), 'timeZone: "Mars/Olympus" is not an IANA time zone'],
    ['quorum above members', (u) => (u.quorum = 4), 'quorum: 4 is larger than the 3 members of topManagement'],
    ['quorum zero', (u) => (u.quorum = 0), 'quorum: 0 must be 1 or more'],
    ['no chair', (u) => (u.topManagement[0].chair = false), 'topManagement: must name exactly one chair'],
    ['two chairs', (u) => (u.topManagement[1].chair = true), 'found 2'],
    ['no members', (u) => (u.topManagement = []), 'topManagement: must list at least 1'],
    [
      'member listed twice',
      (u) => (u.topManagement[2].email = 'CLARA.WEBER@example.com'),
      'topManagement[2].email: "clara.weber@example.com" is listed twice',
    ],
    [
      'member listed twice under a plus-tag',
      (u) => (u.topManagement[2].email = 'clara.weber+md@example.com'),
      'topManagement[2].email: "clara.weber@example.com" is listed twice',
    ],
    // Entries name a person by their address; an alias of one person as the address of another entry is a clash.
    [
      "entry under another person's alias",
      (u) => {
        u.topManagement[0].aliases = ['cw@example.org'];
        u.topManagement[2].email = 'CW@example.org';
      },
      'topManagement[0].aliases[0]: "cw@example.org" is the address of Oona Byrne <cw@example.org>, another person',
    ],
    ['alias not an email', (u) => (u.topManagement[2].aliases = ['oona@']), 'topManagement[2].aliases[0]: "oona@" is not an email address'],
    ['aliases not a list', (u) => (u.ismsManager.aliases = 'irene@example.org'), 'ismsManager.aliases: "irene@example.org" is not a array'],
    [
      'too many aliases',
      (u) => (u.escalationContacts[0].aliases = Array.from({ length: 11 }, (_, i) => `board${i}@example.org`)),
      'escalationContacts[0].aliases: must list at most 10',
    ],
    [
      "alias that is another person's address",
      (u) => (u.resourceApproval.levels[0].approver.aliases = ['Farid.Haddad+oona@example.com']),
      'resourceApproval.levels[0].approver.aliases[0]: "Farid.Haddad+oona@example.com" is the address of Farid Haddad <farid.haddad@example.com>, another person; an alias must be an address of this person only',
    ],
    [
      "alias that is another person's alias",
      (u) => {
        u.topManagement[1].aliases = ['cfo@example.org'];
        u.ismsManager.aliases = ['CFO@example.org'];
      },
      'topManagement[1].aliases[0]: "cfo@example.org" is an alias of Irene Schulz <irene.schulz@example.com>, another person',
    ],
    [
      "action owner alias that is a member's address",
      (u) => (u.actionOwner = { name: 'Ops', email: 'ops@example.com', aliases: ['oona.byrne@example.com'] }),
      'actionOwner.aliases[0]: "oona.byrne@example.com" is the address of Oona Byrne <oona.byrne@example.com>, another person',
    ],
    ['bad duration', (u) => (u.reminders.interval = '2 days'), 'reminders.interval: "2 days" is not a duration'],
    [
      'lifetime too short for reminders',
      (u) => (u.decisionLinkLifetime = '5d'),
      'decisionLinkLifetime: "5d" must be longer than reminders.interval × (reminders.maximum + 1)',
    ],
    [
      'bad schedule',
      (u) => (u.reviewSchedule = 'cron(0 9 1 1,4,7,10 MON *)'),
      'reviewSchedule: "cron(0 9 1 1,4,7,10 MON *)": one of day-of-month and day-of-week must be "?"',
    ],
    ['schedule not an expression', (u) => (u.reviewSchedule = 'quarterly'), 'reviewSchedule: "quarterly" is not a schedule expression'],
    [
      'levels out of order',
      (u) => (u.resourceApproval.levels[2].fromAmount = 5000),
      'resourceApproval.levels[2].fromAmount: 5000 must be larger than the level before (10000)',
    ],
    [
      'negative amount',
      (u) => (u.resourceApproval.levels[1].fromAmount = -1),
      'resourceApproval.levels[1].fromAmount: -1 must be 0 or more',
    ],
    [
      'first level not from 0',
      (u) => (u.resourceApproval.levels[0].fromAmount = 10),
      'resourceApproval.levels[0]: the first level must apply from 0',
    ],
    ['bad currency', (u) => (u.resourceApproval.currency = 'euro'), 'resourceApproval.currency: "euro" is not an ISO 4217 currency code'],
    [
      'unknown category',
      (u) => (u.resourceApproval.levels[1].categories = ['snacks']),
      'resourceApproval.levels[1].categories[0]: "snacks" is not one of',
    ],
    ['bad unit id', (u) => (u.id = 'EMEA_1'), 'id: "EMEA_1" is not a unit id'],
    ['bad account', (u) => (u.account = '12345'), 'account: "12345" is not a 12-digit AWS account id'],
    ['retention not a number', (u) => (u.evidenceRetentionYears = 'seven'), 'evidenceRetentionYears: "seven" is not a number'],
    [
      'decision domain not a host name',
      (u) => (u.decisionDomain = { ...DOMAIN, name: 'https://decide.example.com' }),
      'decisionDomain.name: "https://decide.example.com" is not a host name',
    ],
    [
      'decision domain without certificate',
      (u) => (u.decisionDomain = { name: DOMAIN.name }),
      'decisionDomain.certificateArn: is required',
    ],
    [
      'certificate not an ACM ARN',
      (u) => (u.decisionDomain = { ...DOMAIN, certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' }),
      'decisionDomain.certificateArn: "arn:aws:iam::123456789012:server-certificate/x" is not an ACM certificate ARN',
    ],
    [
      'certificate in another region',
      (u) => (u.decisionDomain = { ...DOMAIN, certificateArn: DOMAIN.certificateArn.replace('eu-west-1', 'us-east-1') }),
      'decisionDomain.certificateArn: is in us-east-1, but the unit deploys to eu-west-1',
    ],
    [
      'base path with a slash',
      (u) => (u.decisionDomain = { ...DOMAIN, basePath: 'isms/emea' }),
      'decisionDomain.basePath: "isms/emea" is not a base path',
    ],
    [
      'custom domain and base URL',
      (u) => Object.assign(u, { decisionDomain: DOMAIN, decisionBaseUrl: 'https://decide.example.com' }),
      'decisionDomain: cannot be combined with decisionBaseUrl',
    ],
  ];

  it.each(cases)('%s', (_name, change, message) => {
    const { unit, problems } = validateUnit(broken(change), FILE);
    expect(unit).toBeUndefined();
    expect(
      problems.some((p) => p.startsWith(`${FILE}: `) && p.includes(message)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('reports every problem of a file at once, cross-field rules included', () => {
    const { problems } = validateUnit(
      broken((u) => {
        u.topManagement[1].email = 'bob@';
        u.quorum = 9;
        delete u.sender;
      }),
      FILE,
    );
    expect(problems).toHaveLength(3);
  });
});

describe('aliases (people are identities, not strings)', () => {
  it('are accepted on every kind of person, and listed once they apply to every role of the person', () => {
    const { unit, problems } = validateUnit(
      broken((u) => {
        u.topManagement[2].aliases = ['o.byrne@example-holding.com'];
        u.ismsManager.aliases = ['isms@example.com'];
        u.actionOwner = { name: 'Irene Schulz', email: 'irene.schulz@example.com', aliases: ['irene@example.org'] };
        u.escalationContacts[0].aliases = ['board@example.com'];
        u.resourceApproval.levels[1].approver.aliases = ['cfo@example.com', 'farid.haddad@example.com'];
        u.resourceApproval.levels[2].escalationContact.aliases = ['board@example.com'];
      }),
      FILE,
    );
    expect(problems).toEqual([]);
    const ids = unitIdentities(unit!);
    // Oona's alias is on her member entry; she approves level 1 under the same address, so it is hers there too.
    expect(ids.of(' O.Byrne+x@Example-Holding.com ')).toBe('oona.byrne@example.com');
    expect(ids.same('CFO@example.com', unit!.topManagement[1].email)).toBe(true);
    expect(ids.same('irene@example.org', 'isms@example.com')).toBe(true);
    expect(ids.of('someone+else@Example.com')).toBe('someone@example.com');
  });

  it('a config with aliases still fits a Lambda environment, or synth says which unit and what to shorten', () => {
    const spec = FUNCTIONS.find((f) => f.access.mintsLinks)!;
    const ctx = {
      tableName: 'isms-example-emea-evidence',
      linksTableName: 'isms-example-emea-links',
      decisionBaseUrl: 'https://abcdefghij.execute-api.eu-west-1.amazonaws.com',
    };
    const some = validateUnit(
      broken((u) =>
        u.topManagement.forEach((m: any, i: number) => {
          m.aliases = [`member${i}@example.org`, `member${i}@example.net`];
        }),
      ),
      FILE,
    ).unit!;
    expect(() => checkEnvironmentSize(some, functionEnvironment(spec, some, ctx))).not.toThrow();
    const many = validateUnit(
      broken((u) =>
        [...u.topManagement, u.ismsManager, ...u.escalationContacts].forEach((m: any, i: number) => {
          m.aliases = Array.from({ length: 10 }, (_, j) => `a-rather-long-alias-${i}-${j}@old-domain.example.org`);
        }),
      ),
      FILE,
    ).unit!;
    expect(() => checkEnvironmentSize(many, functionEnvironment(spec, many, ctx))).toThrow(
      /Business unit "example-emea": its config is \d+ bytes .* aliases apply to all their roles: list them on one entry only/,
    );
  });
});

// Issue 9, finding 3: one person in several levels' roles is valid, but works against the policy; say so, do not fail.
describe('warnings', () => {
  it('name each person who holds roles in several approval levels, with the levels, one line each', () => {
    expect(configWarnings(emea)).toEqual([
      expect.stringMatching(
        /^resourceApproval\.levels: Clara Weber <clara\.weber@example\.com> holds roles in levels 1, 2, 3 \(escalation contact of level 1 "ISMS sponsor", escalation contact of level 2 "Chief Financial Officer", approver of level 3 "Managing Director"\); one person decides at most one level/,
      ),
    ]);
    expect(configWarnings(units.find((u) => u.id === 'example-apac')!)).toEqual([
      expect.stringMatching(/^resourceApproval\.levels: Mei Lin <mei\.lin@example\.com> holds roles in levels 1, 2 /),
    ]);
    for (const w of configWarnings(emea)) expect(w).not.toContain('\n');
  });

  it("see through spellings, and leave a person in one level's two roles alone", () => {
    const unit = validateUnit(
      broken((u) => {
        u.resourceApproval.levels[0].escalationContact = { name: 'Farid', email: 'FARID.HADDAD+l1@example.com' };
        u.resourceApproval.levels[1].escalationContact = { name: 'Farid Haddad', email: 'farid.haddad@example.com' };
        u.resourceApproval.levels[2].escalationContact = { name: 'Clara Weber', email: 'Clara.Weber+board@example.com' };
      }),
      FILE,
    ).unit!;
    expect(configWarnings(unit)).toEqual([
      expect.stringMatching(
        /^resourceApproval\.levels: Farid Haddad <farid\.haddad@example\.com> holds roles in levels 1, 2 \(escalation contact of level 1 "ISMS sponsor", approver of level 2 "Chief Financial Officer", escalation contact of level 2/,
      ),
    ]);
  });

  it("are passed to the loader's warn, prefixed with the file, and fail nothing", () => {
    const lines: string[] = [];
    const loaded = loadBusinessUnits(undefined, (l) => lines.push(l));
    expect(loaded).toHaveLength(2);
    expect(lines).toEqual([
      expect.stringMatching(/^config\/business-units\/example-apac\.json: warning: resourceApproval\.levels: Mei Lin/),
      expect.stringMatching(
        /^config\/business-units\/example-emea\.json: warning: resourceApproval\.levels: Clara Weber .* levels 1, 2, 3/,
      ),
    ]);
  });
});

// Issue 19, finding 4: example addresses cannot work once deployed; synth says so for each unit, and fails nothing.
describe('deploy warnings', () => {
  it('name the unit and each of its sender and ISMS manager at a reserved example domain', () => {
    expect(deployWarnings(emea)).toEqual([
      expect.stringMatching(
        /^sender: isms-emea@example\.com of unit example-emea is at example\.com, .*SES cannot verify it.*replace it before cdk deploy$/,
      ),
      expect.stringMatching(
        /^ismsManager\.email: irene\.schulz@example\.com of unit example-emea is at example\.com, .*alarm subscription/,
      ),
    ]);
  });

  it('know example.org, example.net and their subdomains in any case, and leave real domains alone', () => {
    expect(exampleDomainOf('a@Mail.EXAMPLE.org')).toBe('example.org');
    expect(exampleDomainOf('a@example.net')).toBe('example.net');
    expect(exampleDomainOf('a@example.co')).toBeUndefined();
    expect(exampleDomainOf('a@myexample.com')).toBeUndefined();
    const real = validateUnit(
      broken((u) => {
        u.sender = 'isms@corp.test.de';
        u.ismsManager = { name: 'Irene Schulz', email: 'irene@corp.de' };
      }),
      FILE,
    ).unit!;
    expect(deployWarnings(real)).toEqual([]);
    const org = validateUnit(
      broken((u) => (u.sender = 'isms@example.org')),
      FILE,
    ).unit!;
    expect(deployWarnings(org)).toEqual([
      expect.stringMatching(/^sender: isms@example\.org of unit example-emea is at example\.org/),
      expect.any(String),
    ]);
  });

  it("reach the loader's warn after the unit's config warnings, only when asked for (synth), and fail nothing", () => {
    const lines: string[] = [];
    expect(loadBusinessUnits(undefined, (l) => lines.push(l), deployWarnings)).toHaveLength(2);
    expect(lines.filter((l) => l.includes('example-emea.json'))).toEqual([
      expect.stringMatching(/^config\/business-units\/example-emea\.json: warning: resourceApproval\.levels: Clara Weber/),
      expect.stringMatching(/^config\/business-units\/example-emea\.json: warning: sender: isms-emea@example\.com of unit example-emea /),
      expect.stringMatching(
        /^config\/business-units\/example-emea\.json: warning: ismsManager\.email: irene\.schulz@example\.com of unit example-emea /,
      ),
    ]);
  });
});

describe('loading a folder', () => {
  function folder(files: Record<string, unknown>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'isms-config-'));
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    }
    return dir;
  }

  it('fails on duplicate ids across files, naming both files', () => {
    const dir = folder({ 'a.json': emea, 'b.json': emea });
    expect(() => loadBusinessUnits(dir)).toThrow(/b\.json: id: "example-emea" is already used by .*a\.json/);
  });

  it('collects problems from every file, including files that are not JSON', () => {
    const dir = folder({ 'a.json': '{ nope', 'b.json': broken((u) => (u.quorum = 'most')) });
    try {
      loadBusinessUnits(dir);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const { problems } = err as ConfigError;
      expect(problems[0]).toMatch(/a\.json: is not valid JSON/);
      expect(problems[1]).toMatch(/b\.json: quorum: "most" is not a quorum/);
    }
  });

  it('selects one unit, or names the known ones for an unknown id', () => {
    expect(selectUnits(units, 'example-apac').map((u) => u.id)).toEqual(['example-apac']);
    expect(() => selectUnits(units, 'nope')).toThrow('Unknown business unit "nope". Known units: example-apac, example-emea');
  });
});

describe("a function's config (BU_CONFIG)", () => {
  it('is read as synth wrote it, the validated config with its defaults, without running the schema again', () => {
    const unit = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
    const env = functionEnvironment(FUNCTIONS[0], unit, { tableName: 't', linksTableName: 'l', decisionBaseUrl: 'https://d.example.com' });
    expect(readUnitConfig(env.BU_CONFIG)).toEqual(unit);
  });

  it('refuses what is not a unit config, naming BU_CONFIG and what it needs', () => {
    expect(() => readUnitConfig(undefined)).toThrow('BU_CONFIG is not JSON');
    expect(() => readUnitConfig('{"id":')).toThrow('BU_CONFIG is not JSON');
    for (const bad of ['null', '[]', '"example-emea"', '{"id":"x","timeZone":"UTC","topManagement":[]}']) {
      expect(() => readUnitConfig(bad), bad).toThrow(
        'BU_CONFIG is not a unit config: it needs id, timeZone, topManagement and resourceApproval.levels',
      );
    }
  });
});
