// Sends one email (HTML and plain text) from the unit's sender through SES.
import { SendEmailCommand } from '@aws-sdk/client-ses';
import type { Runtime } from './runtime';

export interface Email {
  to: string[];
  cc?: string[];
  subject: string;
  html: string;
  text: string;
}

export async function sendEmail(rt: Runtime, email: Email): Promise<string | undefined> {
  const result = await rt.ses.send(
    new SendEmailCommand({
      Source: rt.config.sender,
      Destination: { ToAddresses: email.to, CcAddresses: email.cc },
      Message: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
      },
    }),
  );
  return result.MessageId;
}
