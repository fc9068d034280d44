// The information security policy and objectives (ISO/IEC 27001 5.1 a, 5.2, 6.2): documents, their fingerprint, the
// approval's members and quorum, the audience, re-confirmation and the objectives schema. Pure: no AWS, no fs.
import { createHash } from 'node:crypto';
import * as z from './zod';
import { policyApprovals, unitIdentities, type BusinessUnitConfig } from './unit';
import { canonicalAddress, principalAddress } from './identity';
import { checkText, show, textProblem } from './text';
import { quorumResumeSupported, quorumWaitOutcome, type QuorumRule } from './review-tally';
import type { DecisionRecord } from './decisions';
import type { ReviewMember } from './subjects';

export const DOCUMENT_KINDS = ['policy', 'objectives'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const DOCUMENT_LABELS: Record<DocumentKind, string> = {
  policy: 'information security policy',
  objectives: 'information security objectives',
};

/**
 * The document is stored in the evidence table, so the seal's digest chain covers it and no second store needs
 * securing. A DynamoDB item holds at most 400 KB; the content is kept base64 (JSON has no bytes, and the seal hashes
 * canonical JSON), which is 4/3 of the file: 256 KiB leaves room for the rest of the item.
 */
export const DOCUMENT_MAX_BYTES = 256 * 1024;

export type DocumentFormat = 'markdown' | 'pdf' | 'json';
export const MEDIA_TYPES: Record<DocumentFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  pdf: 'application/pdf',
  json: 'application/json',
};

/** `2.1`, `2026-1`, `v3`: kept in keys and execution names, so letters, digits, ".", "-" and "_" only. */
export const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$/;

export const fingerprint = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const kib = (n: number) => `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} KiB`;

/**
 * What a policy file is, or why it is refused: a PDF by its magic bytes, Markdown by its name (.md, .markdown) and valid
 * UTF-8 text without control characters. Every problem is named, with the limit and the file's size.
 */
export function checkPolicyDocument(
  fileName: string,
  bytes: Uint8Array,
): { ok: true; format: 'markdown' | 'pdf'; sha256: string } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (bytes.length === 0) problems.push(`--file: ${fileName} is empty`);
  if (bytes.length > DOCUMENT_MAX_BYTES) {
    problems.push(
      `--file: ${fileName} is ${bytes.length} bytes (${kib(bytes.length)}); the limit is ${DOCUMENT_MAX_BYTES} bytes (${kib(DOCUMENT_MAX_BYTES)}), ` +
        'because the document is kept in the evidence table (a DynamoDB item holds at most 400 KB) where the sealed digests cover it',
    );
  }
  const isPdf = bytes.length >= 5 && Buffer.from(bytes.subarray(0, 5)).toString('latin1') === '%PDF-';
  const isMarkdownName = /\.(md|markdown)$/i.test(fileName);
  if (!isPdf && !isMarkdownName) {
    problems.push(`--file: ${fileName} is neither Markdown (a .md or .markdown file) nor PDF (a file starting with %PDF-)`);
  }
  if (!isPdf && isMarkdownName && bytes.length > 0) {
    let text: string | undefined;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      problems.push(`--file: ${fileName} is not valid UTF-8 text`);
    }
    if (text !== undefined) {
      // Tabs and line breaks only (the project's text rule, CRLF files allowed): an escape sequence or bidi override would show differently to each reader.
      const problem = textProblem(text.replace(/\r\n/g, '\n'), 'multi-line');
      if (problem) problems.push(`--file: ${fileName} ${problem}`);
    }
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, format: isPdf ? 'pdf' : 'markdown', sha256: fingerprint(bytes) };
}

/** Whether a stored document is what its fingerprint says: a substituted content no longer matches. */
export function documentMatches(contentBase64: string, sha256: string): boolean {
  return fingerprint(Buffer.from(contentBase64, 'base64')) === sha256;
}

// ---------------------------------------------------------------- the approval

export type PolicyStatus = 'open' | 'awaiting-decisions' | 'overdue' | 'approved' | 'changes-requested' | 'not-held-on-time';
export const POLICY_TERMINAL: readonly PolicyStatus[] = ['approved', 'changes-requested', 'not-held-on-time'];
export type PolicyOutcome = 'approved' | 'changes-requested' | 'not-held-on-time';

/** One submission of one version of the policy or of the objectives: the subject of a policy-approval execution. */
export interface PolicyItem {
  pk: string;
  sk: 'POLICY';
  kind: 'policy';
  gsi1pk: 'POLICIES';
  /** `<documentKind>#<submittedAt>#<version>`: every submission of a kind, in time order. */
  gsi1sk: string;
  /** `<bu>#<documentKind>#<version>`: one submission per version (docs/architecture.md#idempotent-by-key). */
  submissionId: string;
  bu: string;
  documentKind: DocumentKind;
  version: string;
  summary: string;
  format: DocumentFormat;
  fileName: string;
  bytes: number;
  sha256: string;
  /** The person who submitted it (the ISMS manager unless --by says otherwise): may not approve it. */
  submitter: string;
  /** The AWS principal that ran the CLI, or local:<user>; an address in it is the submitter's too. */
  submittedBy?: string;
  submittedAt: string;
  status: PolicyStatus;
  requiredApprovals: number;
  members: ReviewMember[];
  /** Top managers who may not decide this submission, and why (they submitted it). */
  excluded?: Array<{ email: string; reason: string }>;
  objectives?: Objective[];
  executionId?: string;
  remindersSent?: number;
  awaitingSince?: string;
  escalatedAt?: string;
  escalationEmailedAt?: string;
  closingAt?: string;
  outcome?: PolicyOutcome;
  closedAt?: string;
  communicatedAt?: string;
  workflowFailedAt?: string;
  workflowError?: string;
  workflowFailedExecution?: string;
}

/** The document itself, once, never updated: its own item beside the submission, so that updates never rewrite it. */
export interface PolicyDocumentItem {
  pk: string;
  sk: 'DOCUMENT';
  kind: 'policy-document';
  submissionId: string;
  documentKind: DocumentKind;
  version: string;
  format: DocumentFormat;
  fileName: string;
  bytes: number;
  sha256: string;
  contentBase64: string;
  storedAt: string;
  storedBy: string;
}

export const submissionIdOf = (bu: string, kind: DocumentKind, version: string) => `${bu}#${kind}#${version}`;
/** Execution names allow letters, digits, "-", "_" and ".": the version pattern keeps within them. */
export const executionNameOf = (bu: string, kind: DocumentKind, version: string) => `${bu}-${kind}-${version}`;

export const POLICY_QUORUM: QuorumRule = {
  subjectType: 'policy',
  terminal: POLICY_TERMINAL,
  notApproved: 'changes-requested',
  endWhenImpossible: true,
};

/** One wait per submission, as a review's: the quorum of approvals, or changes requested by enough members that it cannot be reached. */
export function policyWaitOutcome(subject: object, decisions: DecisionRecord[]) {
  return quorumWaitOutcome(subject, decisions, POLICY_QUORUM);
}

export function policyResumeSupported(subject: object, decisions: DecisionRecord[], claimed: unknown): boolean {
  return quorumResumeSupported(policyWaitOutcome(subject, decisions), claimed);
}

/**
 * Who decides: top management, except whoever submitted it (by address, alias or the address in their AWS principal:
 * docs/architecture.md#people-are-identities). The quorum is policyQuorum (else the review's), at most the members left.
 */
export function policyApprovers(
  unit: BusinessUnitConfig,
  submission: { submitter: string; submittedBy?: string },
): { members: ReviewMember[]; requiredApprovals: number; excluded: Array<{ email: string; reason: string }> } {
  const ids = unitIdentities(unit);
  const parties = new Set([ids.of(submission.submitter)]);
  const principal = principalAddress(submission.submittedBy);
  if (principal) parties.add(ids.of(principal));
  const members: ReviewMember[] = [];
  const excluded: Array<{ email: string; reason: string }> = [];
  for (const m of unit.topManagement) {
    if (parties.has(ids.of(m.email))) {
      excluded.push({ email: m.email, reason: 'submitted it and may not approve it (segregation of duties, ISO/IEC 27001 A.5.3)' });
    } else {
      members.push({ name: m.name, email: m.email, role: m.role, ...(m.chair ? { chair: true } : {}) });
    }
  }
  if (members.length === 0) throw new Error('Nobody in topManagement may approve it: the submitter is the only member');
  return { members, requiredApprovals: Math.min(policyApprovals(unit), members.length), excluded };
}

/** Whether an address is the submitter's (a link handed to them, by delegation or otherwise, decides nothing). */
export function isSubmitter(unit: BusinessUnitConfig, submission: { submitter: string; submittedBy?: string }, address: string): boolean {
  const ids = unitIdentities(unit);
  const principal = principalAddress(submission.submittedBy);
  return ids.same(address, submission.submitter) || (principal !== undefined && ids.same(address, principal));
}

/**
 * Who may not act for a member on this submission (issue 15: every rule of the member applies to their deputy): whoever
 * submitted it, so a deputy who is the submitter is passed over by pickDeputy and never gets the link. The reason, or undefined.
 */
export function policyDeputyBar(
  unit: BusinessUnitConfig,
  submission: { submitter: string; submittedBy?: string },
): (identity: string) => string | undefined {
  return (identity) =>
    isSubmitter(unit, submission, identity)
      ? 'submitted it and may not approve it (segregation of duties, ISO/IEC 27001 A.5.3)'
      : undefined;
}

/**
 * Who an approved document is communicated to (5.2 d): each address of policyAudience once (case and plus-tags do not
 * make a second copy), in the order configured; without an audience, top management and the ISMS manager.
 */
export function policyAudience(unit: BusinessUnitConfig): string[] {
  const configured = unit.policyAudience?.length
    ? unit.policyAudience
    : [...unit.topManagement.map((m) => m.email), unit.ismsManager.email];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const a of configured) {
    const c = canonicalAddress(a);
    if (seen.has(c)) continue;
    seen.add(c);
    out.push(a.trim());
  }
  return out;
}

// ---------------------------------------------------------------- re-confirmation

export const DEFAULT_POLICY_REVIEW_INTERVAL = '12mo';

/** When an approved version is due for re-confirmation: approval + policyReviewInterval (calendar months, or a duration). */
export function reconfirmationDue(unit: Pick<BusinessUnitConfig, 'policyReviewInterval'>, approvedAt: string): string {
  const interval = unit.policyReviewInterval ?? DEFAULT_POLICY_REVIEW_INTERVAL;
  const at = new Date(approvedAt);
  const months = /^(\d+)mo$/.exec(interval);
  if (months) {
    const d = new Date(at);
    d.setUTCMonth(d.getUTCMonth() + Number(months[1]));
    // 31 January + 1 month is the last day of February, not 3 March.
    if (d.getUTCDate() !== at.getUTCDate()) d.setUTCDate(0);
    return d.toISOString();
  }
  const m = /^(\d+)(s|m|h|d)$/.exec(interval)!;
  const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return new Date(at.getTime() + seconds * 1000).toISOString();
}

export type ReconfirmationState = 'current' | 'due' | 'overdue';

/**
 * "due" from a month before the due date (a tenth of the interval for intervals shorter than ten months), so the ISMS
 * manager has time to put it to top management; "overdue" from the due date.
 */
export function reconfirmationState(approvedAt: string, dueAt: string, now: Date): ReconfirmationState {
  const due = Date.parse(dueAt);
  const lead = Math.min(30 * 86400_000, (due - Date.parse(approvedAt)) / 10);
  if (now.getTime() >= due) return 'overdue';
  if (now.getTime() >= due - lead) return 'due';
  return 'current';
}

// ---------------------------------------------------------------- objectives (6.2)

export const OBJECTIVE_STATUSES = ['on-track', 'at-risk', 'achieved', 'missed'] as const;
export type ObjectiveStatus = (typeof OBJECTIVE_STATUSES)[number];

export interface Objective {
  id: string;
  text: string;
  measure: string;
  target: string;
  owner: string;
  due: string;
}

const line = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max), z.superRefine(checkText('single-line')));
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (s: string) => {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  // "2027-13-01" is an invalid Date (toISOString would throw), "2027-02-30" rolls over to March: both are refused.
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

export const OBJECTIVE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

const objectiveSchema = z.strictObject({
  id: z
    .string()
    .check(z.regex(OBJECTIVE_ID_PATTERN, { error: (iss) => `${show(iss.input)} is not an id: 1-32 letters, digits, ".", "-", "_"` })),
  text: z.string().check(z.trim(), z.minLength(1), z.maxLength(1000), z.superRefine(checkText('multi-line'))),
  measure: line(300),
  target: line(200),
  owner: z.email({ error: (iss) => `${show(iss.input)} is not an email address` }),
  due: z.string().check(z.refine(isDate, { error: (iss) => `${show(iss.input)} is not a date like 2027-06-30` })),
});

export const objectivesFileSchema = z.strictObject({
  objectives: z.array(objectiveSchema).check(z.minLength(1), z.maxLength(100)),
});

/** The path of an issue as the file has it: `objectives[1].due`. */
function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');
}

/** The objectives of a file, or every problem with its path (`objectives[2].owner: …`). */
export function parseObjectives(raw: unknown): { objectives?: Objective[]; problems: string[] } {
  const result = objectivesFileSchema.safeParse(raw);
  const problems: string[] = [];
  if (!result.success) {
    for (const iss of result.error.issues) {
      if (iss.code === 'unrecognized_keys') {
        for (const k of iss.keys)
          problems.push(`${pathOf([...iss.path, k])}: is not a known field (id, text, measure, target, owner, due)`);
        continue;
      }
      const where = pathOf(iss.path) || '(file)';
      const message =
        iss.code === 'invalid_type' && iss.input === undefined
          ? `is required (${iss.expected})`
          : iss.code === 'too_small'
            ? iss.origin === 'array'
              ? 'must list at least one objective'
              : 'must not be empty'
            : iss.message;
      problems.push(`${where}: ${message}`);
    }
  }
  const list = (raw as { objectives?: unknown })?.objectives;
  if (Array.isArray(list)) {
    const seen = new Map<string, number>();
    list.forEach((o, i) => {
      const id = (o as { id?: unknown })?.id;
      if (typeof id !== 'string') return;
      if (seen.has(id)) problems.push(`objectives[${i}].id: ${show(id)} is used by objectives[${seen.get(id)}] already`);
      else seen.set(id, i);
    });
  }
  if (problems.length || !result.success) return { problems };
  return { objectives: result.data.objectives, problems: [] };
}

/** One recorded measurement of an objective (6.2: monitored): evidence, written once. */
export interface ObjectiveProgressItem {
  pk: string;
  sk: string;
  kind: 'objective-progress';
  objectiveId: string;
  /** The approved objectives version it is measured against. */
  version: string;
  status: ObjectiveStatus;
  value: string;
  note: string;
  recordedAt: string;
  recordedBy: string;
}

export const objectiveProgressSchema = z.strictObject({
  status: z.enum(OBJECTIVE_STATUSES, { error: (iss) => `${show(iss.input)} is not one of ${OBJECTIVE_STATUSES.join(', ')}` }),
  value: line(200),
  note: z._default(z.string().check(z.maxLength(2000), z.superRefine(checkText('multi-line'))), ''),
});
