// The function catalogue: every Lambda, its entry, what it may touch and its environment, read by CDK and the local runtime.
import type { BusinessUnitConfig } from './config';
import { keys } from './keys';
import { pascalCase, type WorkflowName } from './names';
import { LINKS_KEY_PREFIX } from './table-schema';
import { SEAL_INDEX } from './evidence-seal';

/** The partition-key prefix of each workflow's subject (core/keys.ts): a review, a request. */
export const SUBJECT_KEY_PREFIX: Record<WorkflowName, string> = {
  'management-review': keys.review('').pk,
  'resource-approval': keys.request('').pk,
  'policy-approval': keys.policy('').pk,
};

/**
 * What a function may do with the evidence table. Nothing may delete, and nothing but the workflow steps that change a
 * review's, request's or action's state may update: a decision or an event, once put, is changed by no one (docs/architecture.md#evidence-is-append-only).
 * - read: GetItem, Query
 * - append: read + PutItem (new items: decisions, audit events, sent-email markers; every put is conditional in code)
 * - update: append + UpdateItem (the state of reviews, requests and actions)
 */
export type EvidenceAccess = 'read' | 'append' | 'update';

export interface FunctionSpec {
  /** kebab-case id: names the construct, the local function and the ASL placeholder (review-open → ${ReviewOpenFunctionArn}). */
  id: string;
  /** Handler module from the repository root; it exports `handler` (Lambda) and `createHandler(rt)` (local runtime, tests). */
  entry: string;
  description: string;
  /**
   * What it may touch, read from what the handler and the shared helpers it calls actually do: CDK turns this into
   * its role's only statements (tableGrants); the local runtime has no IAM and enforces the same grants on each
   * function's clients (local/catalogue-access.ts), so a handler that strays fails in local tests too.
   */
  access: {
    evidence: EvidenceAccess;
    /** Queries the evidence table's gsi1 (listings by kind and time); no index otherwise. */
    queriesIndex?: boolean;
    /**
     * `LINK#` items of the links table: read (GetItem); update (also UpdateItem: re-issue, extend, supersede an existing
     * link); mint (also PutItem: a new link). Only minting can create a secret, so only the functions that email new links do.
     */
    links?: 'read' | 'update' | 'mint';
    /**
     * Resumes these workflows: reads the task token of their reviews or requests (`TOKEN#REVIEW#…`, `TOKEN#REQUEST#…`)
     * and may call states:SendTaskSuccess on their state machines only.
     */
    resumes?: readonly WorkflowName[];
    /**
     * Cuts a wait of these workflows short: reads their task tokens and may call states:SendTaskFailure (never
     * SendTaskSuccess) on their state machines. A failure carries no decision; the workflow's Catch routes it.
     */
    failsWaits?: readonly WorkflowName[];
    /** Stores the task token of a wait of the workflows it resumes (PutItem on those `TOKEN#` items). */
    storesTaskTokens?: boolean;
    /** ses:SendEmail from the unit's sender identity. */
    sendEmail?: boolean;
    /** Gets DECISION_BASE_URL: it mints decision links. */
    mintsLinks?: boolean;
    /**
     * The sealer (docs/evidence-sealing.md): reads evidence by the sealing index, scans the table once for the first digest,
     * signs with the unit's seal key and writes digests to the seal bucket (lib/evidence-seal.ts grants those two).
     */
    seals?: boolean;
  };
  /** @default 30 */
  timeoutSeconds?: number;
  /** @default 256 */
  memoryMb?: number;
}

const review = (id: string, description: string, access: FunctionSpec['access']): FunctionSpec => ({
  id: `review-${id}`,
  entry: `lambdas/review-${id}.ts`,
  description,
  access,
});
const request = (id: string, description: string, access: FunctionSpec['access']): FunctionSpec => ({
  id: `request-${id}`,
  entry: `lambdas/request-${id}.ts`,
  description,
  access,
});

const policy = (id: string, description: string, access: FunctionSpec['access']): FunctionSpec => ({
  id: `policy-${id}`,
  entry: `lambdas/policy-${id}.ts`,
  description,
  access,
});

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    id: 'decision-endpoint',
    entry: 'lambdas/decision-endpoint.ts',
    description: 'Decision links: GET shows the confirmation page, POST records the decision and resumes the workflow',
    // Puts the decision, its events and the confirmation's sent-mark; never updates evidence, never writes a token. It mints
    // a link in two cases only (issue 15, lambdas/shared/hand-over.ts): a valid, unused link's holder passes it to one of
    // their configured deputies, or the content changed since the link was issued; both for the same seat and subject.
    access: {
      evidence: 'append',
      links: 'mint',
      resumes: ['management-review', 'resource-approval', 'policy-approval'],
      sendEmail: true,
    },
  },
  // Management review (statemachines/management-review.asl.json)
  review('open', 'Opens the review of a period once (deterministic key, conditional write)', { evidence: 'update' }),
  review('compile-pack', 'Compiles the review pack (9.3.2 a-g, requests, resource adequacy) as an immutable snapshot', {
    evidence: 'update',
    queriesIndex: true,
  }),
  review('issue-links', 'Emails each top manager the pack summary and a personal decision link', {
    evidence: 'update',
    links: 'mint',
    sendEmail: true,
    mintsLinks: true,
  }),
  review('await', 'Stores the task token, then resumes at once if the recorded tally is already complete', {
    evidence: 'read',
    resumes: ['management-review'],
    storesTaskTokens: true,
  }),
  review(
    'read-tally',
    'Reads the tally from the recorded decisions after a wait is resumed; refuses a resume message the table does not support',
    { evidence: 'append' },
  ),
  review('remind', 'Reminds the members who have not decided, with a link to their same decision', {
    evidence: 'update',
    links: 'mint',
    sendEmail: true,
    mintsLinks: true,
  }),
  review('escalate', 'Emails the escalation contacts, marks the review overdue and keeps the links working to the end of the wait', {
    evidence: 'update',
    links: 'update',
    sendEmail: true,
  }),
  review('close', 'Writes and emails the minutes, creates actions, records the outcome', {
    evidence: 'update',
    links: 'update',
    sendEmail: true,
  }),
  // Resource-adequacy approval (statemachines/resource-approval.asl.json)
  request('record', 'Validates and stores a resource request and its approval route', { evidence: 'update', queriesIndex: true }),
  request('issue-link', 'Emails the approver of the current level a personal decision link (never the requester)', {
    evidence: 'update',
    links: 'mint',
    sendEmail: true,
    mintsLinks: true,
  }),
  request('await', 'Stores the task token, then resumes at once if the level is already decided', {
    evidence: 'read',
    resumes: ['resource-approval'],
    storesTaskTokens: true,
  }),
  request(
    'read-decision',
    "Reads the current level's recorded decision after a wait ends; refuses a resume message the table does not support",
    { evidence: 'append', links: 'update' },
  ),
  request('remind', 'Reminds the approver of the current level', { evidence: 'update', links: 'mint', sendEmail: true, mintsLinks: true }),
  request('escalate', "Moves the current level's decision to its escalation contact with a new link", {
    evidence: 'update',
    links: 'mint',
    sendEmail: true,
    mintsLinks: true,
  }),
  request('finish', 'Records the outcome and emails the requester and the ISMS manager', { evidence: 'update', sendEmail: true }),
  // Policy and objectives approval (statemachines/policy-approval.asl.json)
  policy('open', 'Checks the stored document against its fingerprint and opens the submission of a version once', { evidence: 'update' }),
  policy('issue-links', 'Emails each top manager but the submitter the summary, the fingerprint and a personal decision link', {
    evidence: 'update',
    links: 'mint',
    sendEmail: true,
    mintsLinks: true,
  }),
  policy('await', 'Stores the task token, then resumes at once if the recorded tally is already complete', {
    evidence: 'read',
    resumes: ['policy-approval'],
    storesTaskTokens: true,
  }),
  policy(
    'read-tally',
    'Reads the tally from the recorded decisions after a wait is resumed; refuses a resume message the table does not support',
    { evidence: 'append' },
  ),
  policy('remind', 'Reminds the members who have not decided, with a link to their same decision', {
    evidence: 'update',
    links: 'mint',
    sendEmail: true,
    mintsLinks: true,
  }),
  policy('escalate', 'Emails the escalation contacts, marks the submission overdue and keeps the links working to the end of the wait', {
    evidence: 'update',
    links: 'update',
    sendEmail: true,
  }),
  policy('close', 'Records the outcome; approved: communicates the version to the audience; else returns it to the ISMS manager', {
    evidence: 'update',
    links: 'update',
    sendEmail: true,
    queriesIndex: true,
  }),
  policy('check-due', 'Daily: reminds the ISMS manager when the current policy or objectives are due or overdue for re-confirmation', {
    evidence: 'append',
    queriesIndex: true,
    sendEmail: true,
  }),
  // Operations: called by an EventBridge rule (lib/operations.ts) on AWS, by the local Step Functions service locally.
  {
    id: 'workflow-failed',
    entry: 'lambdas/workflow-failed.ts',
    description: 'Records a workflow execution that failed, timed out or was stopped on its review or request, and tells the ISMS manager',
    access: { evidence: 'update', sendEmail: true },
  },
  // Upgrades: invoked by the deploy (a custom resource, lib/stack.ts) and by the local runtime at start.
  {
    id: 'migrate',
    entry: 'lambdas/migrate.ts',
    description: "Migrates the unit's stored data to this release's schema version, once, and records schema.migrated",
    access: { evidence: 'update', queriesIndex: true },
    // The most Lambda allows: a large table's migration must not be cut off (lambdas/migrate.ts answers before it).
    timeoutSeconds: 900,
  },
  {
    id: 'email-events',
    entry: 'lambdas/email-events.ts',
    description:
      'Records SES bounce, complaint, reject, delivery and delay events on their review or request; tells the ISMS manager of an undeliverable decision email and escalates a request level at once',
    // Appends events and marks (never updates a review or request); finds untagged copies by message id on gsi1; may only
    // fail a request's wait, which the workflow answers by escalating from the table.
    access: { evidence: 'append', queriesIndex: true, sendEmail: true, failsWaits: ['resource-approval'] },
  },
  // Sealed evidence: called by its own EventBridge Scheduler schedule (lib/evidence-seal.ts), by a timer locally.
  {
    id: 'evidence-seal',
    entry: 'lambdas/evidence-seal.ts',
    description: 'Seals the evidence written since the last digest into the next signed, chained digest (one per interval)',
    access: { evidence: 'read', seals: true },
    // A catch-up after an outage seals many windows in one run; the next run carries on where this one stopped.
    timeoutSeconds: 300,
    memoryMb: 512,
  },
];

export type TableAction = 'GetItem' | 'Query' | 'Scan' | 'PutItem' | 'UpdateItem';

/** One statement of a function's table access: what CDK puts in its role and the local runtime enforces (local/catalogue-access.ts). */
export interface TableGrant {
  sid: string;
  table: 'evidence' | 'links';
  actions: TableAction[];
  /** Partition-key prefixes it is limited to (IAM: dynamodb:LeadingKeys `<prefix>*`); absent: any key of the table. */
  leadingKeyPrefixes?: string[];
  /** Also these indexes of the evidence table (gsi1 for listings, the sealing index for the sealer). */
  indexes?: string[];
}

/** The catalogue entry as table statements: no delete, no scan, no batch, and the links table only by key and kind. */
export function tableGrants(spec: FunctionSpec): TableGrant[] {
  const { evidence, queriesIndex, links, resumes = [], storesTaskTokens, failsWaits = [], seals } = spec.access;
  const evidenceActions: TableAction[] = ['GetItem', 'Query'];
  if (evidence !== 'read') evidenceActions.push('PutItem');
  if (evidence === 'update') evidenceActions.push('UpdateItem');
  // The sealer's first digest scans the table once: records written before the sealing index existed are not in it.
  if (seals) evidenceActions.push('Scan');
  const indexes = [...(queriesIndex ? ['gsi1'] : []), ...(seals ? [SEAL_INDEX.indexName] : [])];
  const grants: TableGrant[] = [{ sid: 'Evidence', table: 'evidence', actions: evidenceActions, ...(indexes.length ? { indexes } : {}) }];
  if (links) {
    const actions: TableAction[] =
      links === 'mint' ? ['GetItem', 'PutItem', 'UpdateItem'] : links === 'update' ? ['GetItem', 'UpdateItem'] : ['GetItem'];
    grants.push({ sid: 'Links', table: 'links', actions, leadingKeyPrefixes: [LINKS_KEY_PREFIX.link] });
  }
  if (resumes.length) {
    const actions: TableAction[] = storesTaskTokens ? ['GetItem', 'PutItem'] : ['GetItem'];
    grants.push({
      sid: 'TaskTokens',
      table: 'links',
      actions,
      leadingKeyPrefixes: resumes.map((w) => `${LINKS_KEY_PREFIX.token}${SUBJECT_KEY_PREFIX[w]}`),
    });
  }
  const failsOnly = failsWaits.filter((w) => !resumes.includes(w));
  if (failsOnly.length) {
    grants.push({
      sid: 'TaskTokensToFail',
      table: 'links',
      actions: ['GetItem'],
      leadingKeyPrefixes: failsOnly.map((w) => `${LINKS_KEY_PREFIX.token}${SUBJECT_KEY_PREFIX[w]}`),
    });
  }
  return grants;
}

/** Whether the function gets the links table at all (its name in the environment, and a grant). */
export function usesLinksTable(spec: FunctionSpec): boolean {
  return Boolean(spec.access.links || spec.access.resumes?.length || spec.access.failsWaits?.length);
}

export function functionSpec(id: string): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.id === id);
  if (!spec) throw new Error(`Unknown function "${id}". Known: ${FUNCTIONS.map((f) => f.id).join(', ')}`);
  return spec;
}

/** review-open → ReviewOpenFunctionArn, the ASL placeholder for its ARN. */
export function arnPlaceholder(id: string): string {
  return `${pascalCase(id)}FunctionArn`;
}

/** Lambda's limit on all environment variables of one function together. */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;

/** The environment a function gets, the same on AWS and locally (the local runtime adds endpoint overrides). */
export function functionEnvironment(
  spec: FunctionSpec,
  unit: BusinessUnitConfig,
  ctx: { tableName: string; linksTableName: string; decisionBaseUrl?: string },
): Record<string, string> {
  const env: Record<string, string> = {
    TABLE_NAME: ctx.tableName,
    ...(usesLinksTable(spec) ? { LINKS_TABLE_NAME: ctx.linksTableName } : {}),
    BU_CONFIG: JSON.stringify(unit),
    POWERTOOLS_SERVICE_NAME: `isms-${spec.id}`,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    // Responses carry decision pages, links and names: never in a trace (lambdas/shared/observability.ts).
    POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
  };
  if (spec.access.mintsLinks) {
    if (!ctx.decisionBaseUrl) throw new Error(`${spec.id} mints decision links and needs a decision base URL`);
    // The stack passes its API URL (the custom domain or base URL when configured), the local runtime its own server.
    env.DECISION_BASE_URL = ctx.decisionBaseUrl;
  }
  return env;
}

/** Fails synth, naming the unit, when its config would not fit in a Lambda environment. */
export function checkEnvironmentSize(unit: BusinessUnitConfig, env: Record<string, string>): void {
  const bytes = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  // Unresolved CDK tokens (the API URL) are short strings now and about 100 bytes once deployed.
  if (bytes + 100 > LAMBDA_ENV_LIMIT_BYTES) {
    throw new Error(
      `Business unit "${unit.id}": its config is ${bytes} bytes as a Lambda environment; the limit is ${LAMBDA_ENV_LIMIT_BYTES}. ` +
        "Shorten names or lists (a person's aliases apply to all their roles: list them on one entry only).",
    );
  }
}
