// Opens the submission of one version of the policy or the objectives once: the document the CLI stored must match the
// fingerprint in the execution input, and whoever submitted it is left out of those who decide.
import * as z from '../core/zod';
import { gsi1, keys } from '../core/keys';
import {
  DOCUMENT_KINDS,
  VERSION_PATTERN,
  documentMatches,
  parseObjectives,
  policyApprovers,
  submissionIdOf,
  type PolicyItem,
} from '../core/policy';
import { recordEvent } from './shared/audit';
import { createPolicy, getDocument, getPolicy, storeRenderedOnce } from './shared/policy-store';
import { renderMarkdown } from '../core/policy-markdown';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';

/** What `isms policy submit` / `isms objectives submit` start the workflow with (the document itself is in the table). */
export const policyStartSchema = z.strictObject({
  bu: z.string(),
  documentKind: z.enum(DOCUMENT_KINDS),
  version: z.string().check(z.regex(VERSION_PATTERN)),
  summary: z.string().check(z.minLength(1), z.maxLength(1000)),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  submitter: z.email(),
  submittedBy: z.optional(z.string().check(z.maxLength(2048))),
  submittedAt: z.iso.datetime(),
});

const eventSchema = z.object({ input: z.unknown(), executionId: z.string().check(z.minLength(1)) });

/** What one item may hold of rendered HTML beside its other attributes (DynamoDB's item limit is 400 KB). */
const RENDERED_MAX_BYTES = 350_000;

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const { input: raw, executionId } = parseEvent(eventSchema, event, 'policy-open', 'InvalidPolicyInput');
  const input = parseEvent(policyStartSchema, raw, 'policy-open: the execution input', 'InvalidPolicyInput');
  if (input.bu !== rt.config.id) throw new WorkflowError('WrongUnit', `bu: "${input.bu}" is not this workflow's unit ("${rt.config.id}")`);
  const submissionId = submissionIdOf(input.bu, input.documentKind, input.version);
  const doc = await getDocument(rt, submissionId);
  // The fingerprint in the input is what the submitter saw; a document that differs from it is never put to anyone.
  if (!doc || doc.sha256 !== input.sha256 || !documentMatches(doc.contentBase64, input.sha256)) {
    throw new WorkflowError(
      'DocumentMismatch',
      `${submissionId}: the stored document is missing or does not match the fingerprint ${input.sha256}`,
    );
  }
  let objectives: PolicyItem['objectives'];
  if (input.documentKind === 'objectives') {
    const parsed = parseObjectives(JSON.parse(Buffer.from(doc.contentBase64, 'base64').toString('utf8')));
    if (!parsed.objectives) throw new WorkflowError('InvalidObjectives', `${submissionId}: ${parsed.problems.join('; ')}`);
    objectives = parsed.objectives;
  }
  if (doc.format === 'markdown') {
    // Rendered here, once, from the bytes just checked against the fingerprint: the public endpoint serves this HTML and
    // carries no Markdown parser. Too large for one item (a 400 KB limit): the page offers the Markdown file instead.
    const rendered = renderMarkdown(Buffer.from(doc.contentBase64, 'base64').toString('utf8')).value;
    if (Buffer.byteLength(rendered) <= RENDERED_MAX_BYTES) {
      await storeRenderedOnce(rt, {
        ...keys.policyDocumentHtml(submissionId),
        sk: 'DOCUMENT#HTML',
        kind: 'policy-document-html',
        submissionId,
        sha256: doc.sha256,
        html: rendered,
        renderedAt: rt.now().toISOString(),
      });
    }
  }
  let approvers: ReturnType<typeof policyApprovers>;
  try {
    approvers = policyApprovers(rt.config, input);
  } catch (err) {
    throw new WorkflowError('NoApprover', `${submissionId}: ${(err as Error).message}`);
  }
  const key = keys.policy(submissionId);
  const item: PolicyItem = {
    ...key,
    sk: 'POLICY',
    kind: 'policy',
    ...gsi1.policies(input.documentKind, input.submittedAt, input.version),
    submissionId,
    bu: input.bu,
    documentKind: input.documentKind,
    version: input.version,
    summary: input.summary,
    format: doc.format,
    fileName: doc.fileName,
    bytes: doc.bytes,
    sha256: doc.sha256,
    submitter: input.submitter,
    ...(input.submittedBy ? { submittedBy: input.submittedBy } : {}),
    submittedAt: input.submittedAt,
    status: 'open',
    requiredApprovals: approvers.requiredApprovals,
    members: approvers.members,
    ...(approvers.excluded.length ? { excluded: approvers.excluded } : {}),
    ...(objectives ? { objectives } : {}),
    executionId,
  };
  if (!(await createPolicy(rt, item))) {
    const existing = await getPolicy(rt, submissionId);
    // Our own earlier attempt (a retried invocation) carries on; anything else is a second submission of the version.
    if (existing?.executionId !== executionId) {
      throw new WorkflowError('AlreadySubmitted', `${submissionId} was submitted already; a new version is a new submission`);
    }
  }
  await recordEvent(rt, {
    type: 'policy.submitted',
    subjectPk: key.pk,
    actor: input.submitter,
    at: input.submittedAt,
    eventId: 'submitted',
    detail: {
      documentKind: input.documentKind,
      version: input.version,
      summary: input.summary,
      sha256: input.sha256,
      format: doc.format,
      bytes: doc.bytes,
      submittedBy: input.submittedBy,
      members: approvers.members.map((m) => m.email),
      requiredApprovals: approvers.requiredApprovals,
      excluded: approvers.excluded,
      executionId,
    },
  });
  return { submissionId, documentKind: input.documentKind, version: input.version };
};

export const handler = lambdaHandler(createHandler);
