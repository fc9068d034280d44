// The project's dead-letter queues: encrypted, TLS only, kept as long as SQS allows, acknowledged once for cdk-nag.
import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** `of` names what the queue catches, for the acknowledgement (e.g. "the review schedule"). */
export function deadLetterQueue(scope: Construct, id: string, of: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // The longest SQS allows: an undelivered quarterly fire or failure report must stay visible long enough to be noticed.
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself the dead-letter queue of ${of}; a DLQ of a DLQ would only move the same undelivered messages.`,
  });
  return queue;
}
