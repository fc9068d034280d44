// Sends one email (HTML and plain text) from the unit's sender through SES.
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { traced } from './observability';
import { clientConfig, type Runtime } from './runtime';
import { subjectLine } from '../../core/text';
import { recipients, type Email } from '../../core/email';
import { configurationSetName, emailTags, TAG, type EmailAbout } from '../../core/email-delivery';

/** The function's SES client, made on first use: only functions that send email bundle and load it. */
export function sesClient(rt: Runtime): SESClient {
  rt.ses ??= traced(new SESClient(clientConfig(rt.env, rt.env.AWS_ENDPOINT_URL_SES)));
  return rt.ses;
}

/**
 * Sends one copy per recipient: each person sees only their own address, each copy has its own message id
 * for the evidence, and the local SES emulator (which keeps only the first address of a v1 SendEmail) shows
 * every copy in the inbox. Returns the message ids in recipient order. A fan-out that a workflow may retry
 * sends through sendOnce (sent-store.ts) instead, which marks each copy so that a retry skips it.
 */
export async function sendEmail(rt: Runtime, email: Email): Promise<string[]> {
  const ids: string[] = [];
  for (const to of recipients(email)) ids.push(await sendCopy(rt, email, to));
  return ids;
}

/** What a copy is about, for its tags: SES hands them back in every delivery event (lambdas/email-events.ts). */
export interface CopyRef {
  subjectPk: string;
  message: string;
  about?: EmailAbout;
}

/**
 * One recipient's copy of the email; its SES message id. Every copy goes through the unit's configuration set, so its
 * bounces, complaints and deliveries come back as events (lib/email-delivery.ts).
 */
export async function sendCopy(rt: Runtime, email: Email, to: string, ref?: CopyRef): Promise<string> {
  // Subjects are built from validated values, but a value stored before validation refused control characters
  // (or by other means) must still not add a header line: the one place every copy is sent makes it one line.
  const subject = subjectLine(email.subject);
  const result = await sesClient(rt).send(
    new SendEmailCommand({
      Source: rt.config.sender,
      ConfigurationSetName: configurationSetName(rt.config.id),
      Tags: ref ? emailTags({ unitId: rt.config.id, recipient: to, ...ref }) : [{ Name: TAG.unit, Value: rt.config.id }],
      Destination: { ToAddresses: [to] },
      Message: {
        Subject: { Data: subject, Charset: 'UTF-8' },
        Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
      },
    }),
  );
  return result.MessageId ?? '';
}
