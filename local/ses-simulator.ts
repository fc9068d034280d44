// SES's mailbox simulator on the local runtime: a copy sent to bounce@, complaint@, suppressionlist@, success@ or ooto@simulator.amazonses.com produces the SES events (EventBridge-shaped) that SES would, delivered to the unit's email-events handler.
import { randomUUID } from 'node:crypto';
import type { SESClient, SendEmailCommandInput } from '@aws-sdk/client-ses';
import { configurationSetName, SES_DETAIL_TYPES, simulatorScenario, type SesEventType } from '../core/email-delivery';

type Deliver = (event: unknown) => Promise<unknown>;

export interface SesSimulator {
  /** Adds the simulator to a function's SES client: after each SendEmail it answers, the events follow. */
  attach(ses: SESClient, unit: { id: string; region: string; account: string }, deliver: Deliver): void;
  /** Resolves once every event produced so far was handled (tests, close). */
  settled(): Promise<void>;
}

/** The simulator's answers (SES developer guide, "Using the mailbox simulator"). */
const BOUNCE_DIAGNOSTIC = 'smtp; 550 5.1.1 user unknown';
const SUPPRESSED_DIAGNOSTIC = 'Amazon SES did not send the message to this address because it is on the suppression list for your account.';

export function createSesSimulator(log: (line: string) => void = () => {}): SesSimulator {
  const pending = new Set<Promise<unknown>>();
  return {
    attach(ses, unit, deliver) {
      ses.middlewareStack.add(
        (next, context) => async (args) => {
          const out = await next(args);
          if (context.commandName === 'SendEmailCommand') {
            const input = args.input as SendEmailCommandInput;
            const messageId = (out.output as { MessageId?: string }).MessageId ?? randomUUID();
            for (const event of simulatedEvents(input, messageId, unit)) {
              // Asynchronous, as EventBridge is: the send returns first, the event arrives a moment later.
              const p: Promise<unknown> = new Promise((resolve) => setTimeout(resolve, 10))
                .then(() => deliver(event))
                .catch((err) => log(`email-events of ${unit.id} failed on a simulated SES event: ${(err as Error).message}`))
                .finally(() => pending.delete(p));
              pending.add(p);
            }
          }
          return out;
        },
        { step: 'initialize', name: 'ismsSesSimulator', override: true },
      );
    },
    async settled() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}

/** The events SES publishes for one SendEmail to a simulator address: none for any other address. */
export function simulatedEvents(input: SendEmailCommandInput, messageId: string, unit: { id: string; region: string; account: string }) {
  const to = [...(input.Destination?.ToAddresses ?? []), ...(input.Destination?.CcAddresses ?? [])];
  const sentAt = new Date();
  const at = (ms: number) => new Date(sentAt.getTime() + ms).toISOString();
  const tags: Record<string, string[]> = {};
  for (const t of input.Tags ?? []) if (t.Name && t.Value !== undefined) tags[t.Name] = [t.Value];
  if (input.ConfigurationSetName) tags['ses:configuration-set'] = [input.ConfigurationSetName];
  tags['ses:from-domain'] = [String(input.Source ?? '').split('@')[1] ?? ''];
  const mail = {
    timestamp: sentAt.toISOString(),
    source: input.Source,
    sendingAccountId: unit.account,
    messageId,
    destination: to,
    headersTruncated: false,
    commonHeaders: { from: [input.Source], to, messageId, subject: input.Message?.Subject?.Data },
    tags,
  };
  const envelope = (eventType: SesEventType, body: Record<string, unknown>) => ({
    version: '0',
    id: randomUUID(),
    'detail-type': SES_DETAIL_TYPES[eventType],
    source: 'aws.ses',
    account: unit.account,
    time: sentAt.toISOString(),
    region: unit.region,
    resources: [
      `arn:aws:ses:${unit.region}:${unit.account}:configuration-set/${input.ConfigurationSetName ?? configurationSetName(unit.id)}`,
    ],
    detail: { eventType, mail, ...body },
  });
  const delivery = (address: string) =>
    envelope('Delivery', {
      delivery: {
        timestamp: at(1000),
        processingTimeMillis: 1000,
        recipients: [address],
        smtpResponse: '250 2.6.0 Message received',
        reportingMTA: 'a8-70.smtp-out.amazonses.com',
      },
    });
  const bounce = (address: string, subType: string, diagnosticCode: string) =>
    envelope('Bounce', {
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: subType,
        bouncedRecipients: [{ emailAddress: address, action: 'failed', status: '5.1.1', diagnosticCode }],
        timestamp: at(1000),
        feedbackId: `${messageId}-bounce`,
        reportingMTA: 'dns; amazonses.com',
      },
    });
  const events: unknown[] = [];
  for (const address of to) {
    switch (simulatorScenario(address)) {
      case 'success':
      case 'ooto': // the out-of-office reply goes to the sender's mailbox; SES publishes only the delivery
        events.push(delivery(address));
        break;
      case 'bounce':
        events.push(bounce(address, 'General', BOUNCE_DIAGNOSTIC));
        break;
      case 'suppressionlist':
        events.push(bounce(address, 'OnAccountSuppressionList', SUPPRESSED_DIAGNOSTIC));
        break;
      case 'complaint':
        events.push(delivery(address));
        events.push(
          envelope('Complaint', {
            complaint: {
              complainedRecipients: [{ emailAddress: address }],
              timestamp: at(2000),
              feedbackId: `${messageId}-complaint`,
              complaintFeedbackType: 'abuse',
              userAgent: 'Amazon SES Mailbox Simulator',
            },
          }),
        );
        break;
    }
  }
  return events;
}
