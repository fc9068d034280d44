// Fault injection for handler tests: an SES stand-in that throttles the n-th send, and a DynamoDB client that fails (or "crashes" after) the k-th write.
import { createHash } from 'node:crypto';
import { SendEmailCommand } from '@aws-sdk/client-ses';
import { Logger } from '@aws-lambda-powertools/logger';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Runtime } from '../../lambdas/shared/runtime';

export interface SentMail {
  to: string;
  subject: string;
  text: string;
}

/** The error SES answers when the account's sending rate is exceeded (after the SDK's own retries gave up). */
export const throttling = () => Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling', $fault: 'client' });

/**
 * SES as the handlers see it: every accepted copy is kept (so a test counts emails per recipient and message), and
 * `throttleAt(n)` makes the n-th send of the next run fail with Throttling, sending nothing.
 */
export class FakeSes {
  readonly mails: SentMail[] = [];
  sends = 0;
  private failAt = 0;
  fired = false;

  throttleAt(n: number): void {
    this.sends = 0;
    this.failAt = n;
    this.fired = false;
  }

  async send(command: unknown): Promise<{ MessageId: string }> {
    if (!(command instanceof SendEmailCommand)) throw new Error(`FakeSes: unexpected ${(command as object)?.constructor?.name}`);
    this.sends += 1;
    if (this.sends === this.failAt) {
      this.fired = true;
      this.failAt = 0;
      throw throttling();
    }
    const input = command.input;
    const mail = { to: input.Destination!.ToAddresses![0], subject: input.Message!.Subject!.Data!, text: input.Message!.Body!.Text!.Data! };
    this.mails.push(mail);
    // Deterministic, so the evidence of a run with faults compares equal to the run without.
    return { MessageId: createHash('sha256').update(`${mail.to}\n${mail.subject}`).digest('hex').slice(0, 20) };
  }

  /** `recipient | subject` of every copy, sorted: two runs that emailed the same people the same messages compare equal. */
  copies(): string[] {
    return this.mails.map((m) => `${m.to.toLowerCase()} | ${m.subject}`).sort();
  }
}

const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'BatchWriteCommand', 'TransactWriteCommand']);

export type WriteFault = 'fail' | 'crash-after';

/**
 * A DynamoDB document client that counts writes and, once armed, either fails the k-th write (nothing written) or
 * lets it through and then throws, as a Lambda that dies right after the write (the write happened, its caller never
 * learnt so). Reads pass through.
 */
export class FaultyDdb {
  writes = 0;
  private at = 0;
  private mode: WriteFault = 'fail';
  fired = false;

  constructor(private readonly real: Runtime['ddb']) {}

  arm(at: number, mode: WriteFault): void {
    this.writes = 0;
    this.at = at;
    this.mode = mode;
    this.fired = false;
  }

  disarm(): void {
    this.at = 0;
    this.writes = 0;
  }

  async send(command: object): Promise<unknown> {
    if (!WRITES.has(command.constructor.name)) return this.real.send(command as never);
    this.writes += 1;
    const hit = this.writes === this.at;
    if (hit) {
      this.fired = true;
      this.at = 0;
      if (this.mode === 'fail')
        throw Object.assign(new Error('injected: the write failed'), { name: 'InternalServerError', $fault: 'server' });
    }
    const out = await this.real.send(command as never);
    if (hit) throw Object.assign(new Error('injected: crashed after the write'), { name: 'InjectedCrash' });
    return out;
  }
}

/** The handler's runtime with the fakes in place (and silent: injected faults make handlers log errors on purpose). */
export function faultyRuntime(rt: Runtime, ses: FakeSes, ddb: FaultyDdb, extra: Partial<Runtime> = {}): Runtime {
  return {
    ...rt,
    ses: ses as unknown as Runtime['ses'],
    ddb: ddb as unknown as Runtime['ddb'],
    logger: new Logger({ serviceName: 'fault-injection', logLevel: 'SILENT' }),
    ...extra,
  };
}

/** Every item of the table. */
export async function scanAll(rt: Runtime): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  // The evidence table, and the links table (links and task tokens) when the runtime has one.
  for (const TableName of [rt.tableName, rt.linksTableName].filter((t): t is string => Boolean(t))) {
    let start: Record<string, any> | undefined;
    do {
      const out = await rt.ddb.send(new ScanCommand({ TableName, ExclusiveStartKey: start, ConsistentRead: true }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return items;
}

/**
 * The table as evidence, comparable across runs: decision ids (random) are replaced by their recipient, link items and
 * `link.issued` events are left out (a fault between minting a link and storing it on the subject leaves an unused,
 * never-sent link behind, which proves nothing), and so are the hashes of reissued link secrets.
 */
export async function evidenceOf(rt: Runtime): Promise<string[]> {
  const items = await scanAll(rt);
  const names = new Map<string, string>();
  for (const i of items) if (i.kind === 'link') names.set(i.decisionId, `<decision of ${i.recipient.email}>`);
  const linked = new Set<string>();
  const rest = items.filter((i) => i.kind !== 'link' && i.kind !== 'task-token' && !(i.kind === 'event' && i.type === 'link.issued'));
  let text = JSON.stringify(rest);
  for (const [id] of names) if (text.includes(id)) linked.add(id);
  // Links that the subject refers to: whether each still works is part of the state.
  const links = items
    .filter((i) => i.kind === 'link' && linked.has(i.decisionId))
    .map((i) => ({ link: i.decisionId, to: i.recipient.email, expiresAt: i.expiresAt, supersededAt: i.supersededAt ?? null }));
  text = JSON.stringify([...rest, ...links].map(stable));
  for (const [id, name] of names) text = text.split(id).join(name);
  text = text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');
  return (JSON.parse(text) as string[]).sort();
}

/** JSON with object keys sorted at every depth. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
