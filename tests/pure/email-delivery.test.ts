// What SES events mean for the ISMS, the tags that bring them back to their subject, the simulator's addresses, and the senderDomain config.
import { describe, expect, it } from 'vitest';
import {
  deliveryFindings,
  deliveryStatus,
  emailTags,
  readEmailTags,
  sesEventSchema,
  simulatorScenario,
  undeliverableEmail,
} from '../../core/email-delivery';
import { validateUnit } from '../../core/config';
import { loadBusinessUnits } from '../../lib/config-files';
import { testUnit } from '../support/units';

const copy = {
  unitId: 'example-emea',
  subjectPk: 'REVIEW#example-emea#2026-Q4',
  message: 'invitation-d_1',
  recipient: 'Clara.Weber+isms@Example.com',
  about: { role: 'member' as const, decisionId: 'abc-123_x', level: 2 },
};

describe('email tags', () => {
  it('carry the subject, message, recipient and decision in the characters SES allows, and read back the same', () => {
    const tags = emailTags(copy);
    for (const t of tags) expect(`${t.Name}=${t.Value}`).toMatch(/^[A-Za-z0-9_-]+=[A-Za-z0-9_-]{1,256}$/);
    const read = readEmailTags(Object.fromEntries(tags.map((t) => [t.Name, [t.Value]])));
    expect(read).toEqual({ ...copy, recipient: 'clara.weber+isms@example.com' });
    expect(tags.find((t) => t.Name === 'isms-decision-email')?.Value).toBe('true');
  });

  it('mark only emails that carry a decision link as decision emails', () => {
    const minutes = emailTags({ ...copy, about: { role: 'minutes' } });
    expect(minutes.find((t) => t.Name === 'isms-decision-email')?.Value).toBe('false');
    const confirmation = emailTags({ ...copy, about: { role: 'confirmation', decisionId: 'abc' } });
    expect(confirmation.find((t) => t.Name === 'isms-decision-email')?.Value).toBe('false');
  });

  it('are not ours when any of unit, subject, message or recipient is missing', () => {
    const tags = Object.fromEntries(emailTags(copy).map((t) => [t.Name, [t.Value]]));
    delete tags['isms-subject'];
    expect(readEmailTags(tags)).toBeUndefined();
    expect(readEmailTags(undefined)).toBeUndefined();
  });
});

const event = (detail: Record<string, unknown>) =>
  sesEventSchema.parse({
    id: 'e1',
    source: 'aws.ses',
    'detail-type': 'x',
    detail: { mail: { timestamp: '2026-12-01T10:00:00Z', messageId: 'm1', destination: ['a@x.org', 'b@x.org'] }, ...detail },
  });

describe('deliveryFindings', () => {
  it('fails an address on a permanent bounce, a complaint or a reject; not on a transient bounce, a delay or a delivery', () => {
    const bounce = (bounceType: string) =>
      deliveryFindings(
        event({
          eventType: 'Bounce',
          bounce: { bounceType, bouncedRecipients: [{ emailAddress: 'a@x.org', diagnosticCode: 'smtp; 550' }], timestamp: 't1' },
        }),
      );
    expect(bounce('Permanent')).toMatchObject([
      { outcome: 'bounced', eventType: 'email.bounced', failed: true, recipient: 'a@x.org', at: 't1' },
    ]);
    expect(bounce('Transient')).toMatchObject([{ outcome: 'soft-bounced', failed: false }]);
    expect(bounce('Undetermined')).toMatchObject([{ outcome: 'soft-bounced', failed: false }]);
    expect(
      deliveryFindings(
        event({ eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'b@x.org' }], timestamp: 't2' } }),
      ),
    ).toMatchObject([{ outcome: 'complained', failed: true, recipient: 'b@x.org' }]);
    // A reject is of the whole message: every destination, at the time it was sent.
    expect(deliveryFindings(event({ eventType: 'Reject', reject: { reason: 'Bad content' } }))).toMatchObject([
      { outcome: 'rejected', failed: true, recipient: 'a@x.org', at: '2026-12-01T10:00:00Z', detail: { reason: 'Bad content' } },
      { outcome: 'rejected', failed: true, recipient: 'b@x.org' },
    ]);
    expect(
      deliveryFindings(
        event({ eventType: 'DeliveryDelay', deliveryDelay: { timestamp: 't3', delayedRecipients: [{ emailAddress: 'a@x.org' }] } }),
      ),
    ).toMatchObject([{ outcome: 'delayed', failed: false }]);
    expect(deliveryFindings(event({ eventType: 'Delivery', delivery: { timestamp: 't4', recipients: ['a@x.org'] } }))).toMatchObject([
      { outcome: 'delivered', failed: false },
    ]);
  });

  it('refuses an event type it does not handle (opens, clicks) by name', () => {
    expect(
      sesEventSchema.safeParse({ id: 'e', source: 'aws.ses', 'detail-type': 'Email Opened', detail: { eventType: 'Open' } }).success,
    ).toBe(false);
  });
});

describe('deliveryStatus', () => {
  const at = (type: string, when: string, recipient = 'a@x.org', diagnosticCode?: string) => ({
    type,
    at: when,
    detail: { recipient, diagnosticCode },
  });
  it('shows a failure over any later delivery, else the latest event, and nothing for an address SES said nothing of', () => {
    const events = [
      at('email.delivered', '2026-12-01T10:00:00Z'),
      at('email.bounced', '2026-12-01T09:00:00Z', 'A@x.org', 'smtp; 550'),
      at('email.delivered', '2026-12-01T11:00:00Z', 'b@x.org'),
    ];
    expect(deliveryStatus(events, 'a@x.org')).toBe('email BOUNCED at 2026-12-01T09:00:00Z (smtp; 550)');
    expect(deliveryStatus(events, 'b@x.org')).toBe('email delivered at 2026-12-01T11:00:00Z');
    expect(deliveryStatus(events, 'c@x.org')).toBeUndefined();
  });
});

describe('the mailbox simulator', () => {
  it('knows its addresses, labels included, and nothing else', () => {
    expect(simulatorScenario('bounce@simulator.amazonses.com')).toBe('bounce');
    expect(simulatorScenario('Complaint+cfo@Simulator.AmazonSES.com')).toBe('complaint');
    expect(simulatorScenario('suppressionlist@simulator.amazonses.com')).toBe('suppressionlist');
    expect(simulatorScenario('success@simulator.amazonses.com')).toBe('success');
    expect(simulatorScenario('bounce@example.com')).toBeUndefined();
    expect(simulatorScenario('someone@simulator.amazonses.com')).toBeUndefined();
  });
});

describe('the ISMS manager’s notice', () => {
  it('escapes what comes from config and SES in its HTML', () => {
    const mail = undeliverableEmail({
      unit: testUnit(),
      subjectLabel: 'resource request R-1 ("<b>HSM</b>")',
      person: { name: 'Eve <script>', email: 'eve@x.org' },
      outcome: 'bounced',
      reason: 'smtp; 550 <img src=x>',
      consequence: 'Level 1 escalated.',
      fix: ['npx cdk deploy X'],
    });
    expect(mail.html).not.toMatch(/<script>|<img|<b>/);
    expect(mail.text).toContain('Eve <script> <eve@x.org>');
  });
});

describe('senderDomain in the unit config', () => {
  const emea = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
  it('defaults the MAIL FROM subdomain to "mail"', () => {
    const { unit } = validateUnit({ ...emea, senderDomain: { domain: 'example.com' } }, 'f.json');
    expect(unit?.senderDomain).toEqual({ domain: 'example.com', mailFromSubdomain: 'mail' });
  });
  it('refuses a domain other than the sender’s (DMARC would not align) and a subdomain that is not one label, naming the field', () => {
    const { problems } = validateUnit({ ...emea, senderDomain: { domain: 'other.org', mailFromSubdomain: 'a.b' } }, 'f.json');
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('senderDomain.domain: "other.org" is not the domain of sender "isms-emea@example.com"; use "example.com"'),
        expect.stringContaining('senderDomain.mailFromSubdomain: "a.b" is not one DNS label'),
      ]),
    );
  });
});
