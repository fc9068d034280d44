// Decision links over HTTP: GET/HEAD show a confirmation page and change nothing; POST records one decision, then resumes the workflow.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from '../core/zod';
import { lambdaHandler, type Runtime } from './shared/runtime';
import { checkLink, getLink, markDeciding } from './shared/links';
import { claimDecider, getDecision, getLinkSubject, recordDecision, SUBJECT_SK } from './shared/decision-store';
import { loadSubject } from './shared/resume';
import { whatHappensNext } from '../core/decision-next';
import { auditDecision, confirmDecision, confirmMissedDecision, errorSummary, resumeAfterDecision } from './shared/decision-follow-up';
import { decisionRecordOf, type DecisionRecord, type LinkItem } from '../core/decisions';
import { DECISION_ID_PATTERN, FORM_MAX_BYTES, formFields, parseDecisionForm } from '../core/decision-form';
import { count, countBy } from './shared/observability';
import { METRIC } from '../core/metrics';
import {
  alreadyDecidedPage,
  badRequestPage,
  confirmationPage,
  decisionView,
  forbiddenPage,
  gonePage,
  methodNotAllowedPage,
  notFoundPage,
  recordedPage,
  subjectClosed,
  subjectClosing,
  closedBeforeDecisionPage,
  tooLargePage,
  unavailablePage,
  unsupportedMediaPage,
  PAGE_HEADERS,
  documentPage,
  submitterRefusedPage,
  type PageResult,
} from '../core/decision-pages';
import { seatHeldBy, seatOf } from '../core/seats';
import { oneLevelPage, oneSeatPage, passedOnPage, seatHeldPage } from '../core/delegation-pages';
import { deputiesOf, unitIdentities } from '../core/unit';
import { contentChanged, handOver, linkBaseOf } from './shared/hand-over';
import { isSubmitter, type PolicyItem } from '../core/policy';
import { requestDeciderBar } from '../core/request';
import type { RequestItem } from '../core/subjects';
import { getDocument, getRendered } from './shared/policy-store';
import { isMarkdownHtml } from '../core/policy-render';

/** The parts of an API Gateway HTTP API (payload 2.0) event the endpoint reads; the rest is ignored. */
const eventSchema = z.object({
  routeKey: z._default(z.optional(z.string()), '$default'),
  rawPath: z.string(),
  pathParameters: z.optional(z.record(z.string(), z.optional(z.string()))),
  rawQueryString: z._default(z.optional(z.string()), ''),
  headers: z._default(z.optional(z.record(z.string(), z.optional(z.string()))), {}),
  body: z.optional(z.string()),
  isBase64Encoded: z._default(z.optional(z.boolean()), false),
  requestContext: z.object({
    domainName: z.optional(z.string()),
    http: z.object({
      method: z.string(),
      sourceIp: z._default(z.optional(z.string()), ''),
      userAgent: z._default(z.optional(z.string()), ''),
    }),
  }),
});
type HttpEvent = z.output<typeof eventSchema>;

/**
 * A declared route (`GET|HEAD|POST /decisions/{id}`) hands over its id as a path parameter. rawPath keeps a
 * custom domain's base path (`/isms/decisions/…`), so for other methods only its tail is read, to answer 405.
 */
const PATH_TAIL = /\/decisions\/([^/]+)$/;
/** Kept as evidence, but a header can be kilobytes of junk. */
const USER_AGENT_MAX = 512;

export const createHandler =
  (rt: Runtime) =>
  async (raw: unknown): Promise<APIGatewayProxyStructuredResultV2> => {
    const parsed = eventSchema.safeParse(raw);
    if (!parsed.success) return badRequestPage([{ field: 'request', message: 'is not an HTTP API request' }]);
    const event = parsed.data;
    const method = event.requestContext.http.method.toUpperCase();
    let result: PageResult;
    try {
      result = await route(rt, event, method);
    } catch (err) {
      // Only reads and the decision write itself can get here; after the write nothing escapes (see decide).
      rt.logger.error('decision endpoint failed before recording anything', { error: errorSummary(err) });
      result = unavailablePage();
    }
    countBy(rt, METRIC.decisionAnswers, 'status', String(result.statusCode ?? 200));
    return method === 'HEAD' ? { ...result, body: '' } : result;
  };

export const handler = lambdaHandler(createHandler);

async function route(rt: Runtime, event: HttpEvent, method: string): Promise<PageResult> {
  if (event.routeKey === '$default') {
    const tail = PATH_TAIL.exec(event.rawPath);
    return tail && !['GET', 'HEAD', 'POST'].includes(method) ? methodNotAllowedPage() : notFoundPage();
  }
  const decisionId = event.pathParameters?.id;
  if (!decisionId || !DECISION_ID_PATTERN.test(decisionId)) return notFoundPage();
  if (method === 'GET' || method === 'HEAD') {
    const query = new URLSearchParams(event.rawQueryString);
    return show(rt, decisionId, single(query, 'k'), single(query, 'view') === 'document');
  }
  if (method === 'POST') return decide(rt, event, decisionId);
  return methodNotAllowedPage();
}

interface Loaded {
  link: LinkItem;
  subject?: Record<string, unknown>;
  decision?: DecisionRecord;
}

/** The link if the secret matches (constant time), with its subject and any recorded decision; else the page to answer. */
async function load(rt: Runtime, decisionId: string, secret: string): Promise<Loaded | PageResult> {
  const check = checkLink(await getLink(rt, decisionId), secret, rt.now());
  if (check.status === 'not-found') return notFoundPage();
  const { link } = check;
  // A deputy's link and the original's share one seat, and one decision record (core/seats.ts).
  const [subject, decision] = await Promise.all([getLinkSubject(rt, link), getDecision(rt, link.subjectPk, seatOf(link))]);
  // A decision once recorded is what the link shows from then on, whatever happened to the link since.
  if (decision) return { link, subject, decision };
  // A link stopped because its subject closed first (a member late for a review closed at quorum) says so, not "passed on".
  if (check.status === 'superseded' && subject && subjectClosing(subject)) return closedBeforeDecisionPage(subject, rt.config);
  if (check.status === 'superseded') return link.handedTo ? passedOnPage(link.supersededReason) : gonePage('superseded');
  if (check.status === 'expired') return gonePage('expired', link.expiresAt, rt.config.timeZone);
  if (!subject) {
    rt.logger.error('decision link points at a missing subject', { decisionId, subjectPk: link.subjectPk });
    return notFoundPage();
  }
  if (subjectClosed(subject)) return gonePage('closed');
  return { link, subject };
}

async function show(rt: Runtime, decisionId: string, secret: string, documentView = false): Promise<PageResult> {
  const loaded = await load(rt, decisionId, secret);
  if (!('link' in loaded)) return loaded;
  const view = decisionView(loaded.link, loaded.subject ?? {}, rt.config);
  if (loaded.link.subjectType === 'policy') {
    if (documentView) return showDocument(rt, loaded, view);
    if (!loaded.decision && isSubmitter(rt.config, policyParties(loaded.subject), loaded.link.recipient.email))
      return submitterRefusedPage(view);
  }
  if (loaded.decision) return recordedPage(view, loaded.decision, await nextSteps(rt, loaded.link, loaded.decision));
  return confirmationPage({ ...view, deputies: deputiesOf(rt.config, loaded.link.recipient.email) }, secret);
}

/** What happens next, from the subject and every decision recorded on it now; a failed read leaves the sentence out. */
async function nextSteps(rt: Runtime, link: LinkItem, decision: DecisionRecord): Promise<string[]> {
  try {
    const { subject, decisions } = await loadSubject(rt, link.subjectPk, SUBJECT_SK[link.subjectType]);
    return whatHappensNext(subject, decisions, decision);
  } catch (err) {
    rt.logger.error('decision page: what happens next could not be read', { decisionId: decision.decisionId, error: errorSummary(err) });
    return [];
  }
}

/** The policy's document behind its link (docs/architecture.md#get-never-decides): the same checks as the page, then the stored document. */
async function showDocument(rt: Runtime, loaded: Loaded, view: ReturnType<typeof decisionView>): Promise<PageResult> {
  const subject = (loaded.subject ?? {}) as Partial<PolicyItem>;
  const doc = typeof subject.submissionId === 'string' ? await getDocument(rt, subject.submissionId) : undefined;
  if (!doc) return notFoundPage();
  const rendered = doc.format === 'markdown' ? await getRendered(rt, subject.submissionId as string) : undefined;
  // Only HTML rendered from these very bytes, and only what markdown-it writes; else the page offers the Markdown file.
  const usable = rendered?.sha256 === doc.sha256 && isMarkdownHtml(rendered.html) ? rendered.html : undefined;
  return documentPage(view, doc, subject.objectives, usable);
}

/** Who submitted a policy subject, as isSubmitter reads it. */
const policyParties = (subject: Record<string, unknown> | undefined) => ({
  submitter: String(subject?.submitter ?? ''),
  submittedBy: typeof subject?.submittedBy === 'string' ? subject.submittedBy : undefined,
});

async function decide(rt: Runtime, event: HttpEvent, decisionId: string): Promise<PageResult> {
  const headers = event.headers;
  if (!sameOrigin(headers, event.requestContext.domainName, rt.config.decisionBaseUrl)) return forbiddenPage();
  const contentType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') return unsupportedMediaPage();
  const body = decodeBody(event);
  if (body.length > FORM_MAX_BYTES) return tooLargePage();
  const { values, repeated } = formFields(body);
  const secret = repeated.includes('k') ? '' : (values.k ?? '');

  const loaded = await load(rt, decisionId, secret);
  if (!('link' in loaded)) return loaded;
  const { link } = loaded;
  // The seat was decided through the other link (the original's or their deputy's): 409, saying by whom.
  const heldBy = loaded.decision && seatHeldBy(link, loaded.decision);
  if (heldBy) return seatHeldPage(heldBy);
  if (loaded.decision) {
    // Posting again after an answer that never came (a 503, a lost connection): the event of the first POST may be
    // what failed, and writing it again under its deterministic id fills that gap and is otherwise a no-op.
    await auditDecision(rt, link, loaded.decision);
    // The first POST may have died before resuming: resume now rather than at the workflow's next timeout. A workflow
    // that already moved on answers with a stale token, which is harmless.
    await resumeAfterDecision(rt, link, loaded.decision);
    await confirmMissedDecision(rt, link, loaded.subject ?? {}, loaded.decision);
    return alreadyDecidedPage(loaded.decision, rt.config.timeZone, await nextSteps(rt, link, loaded.decision));
  }

  // Whoever submitted a policy may not approve it, even through a link that reached them (a delegation, a forward).
  if (link.subjectType === 'policy' && isSubmitter(rt.config, policyParties(loaded.subject), link.recipient.email)) {
    rt.logger.warn('decision refused: the submitter may not decide their own policy', { decisionId, subjectPk: link.subjectPk });
    return submitterRefusedPage(decisionView(link, loaded.subject ?? {}, rt.config));
  }
  const base = linkBaseOf(rt.config, event.requestContext.domainName, event.rawPath);
  if (values.action === 'pass' && !repeated.includes('deputy')) return handOver(rt, link, loaded.subject ?? {}, values.deputy ?? '', base);
  const changed = await contentChanged(rt, link, loaded.subject ?? {}, base);
  if (changed) return changed;

  const form = parseDecisionForm(link.subjectType, values, repeated);
  if (!form.ok) {
    const view = decisionView(link, loaded.subject ?? {}, rt.config);
    return confirmationPage(view, secret, { statusCode: 400, problems: form.problems, values: form.values });
  }

  const record = decisionRecordOf(link, {
    choice: form.input.choice,
    comment: form.input.comment,
    resourceAdequacy: form.input.resourceAdequacy,
    decidedAt: rt.now().toISOString(),
    sourceIp: event.requestContext.http.sourceIp,
    userAgent: (event.requestContext.http.userAgent || headers['user-agent'] || '').slice(0, USER_AGENT_MAX),
  });
  // A review's or a policy's quorum counts people: two hand-overs at one moment could each pass actingElsewhereBar and give
  // a deputy two seats; the claim written before the decision lets them decide one (docs/architecture.md#a-seat-counts-once).
  if (link.subjectType !== 'request') {
    const ids = unitIdentities(rt.config);
    const person = link.actingFor ?? link.recipient;
    const held = await claimDecider(rt, link.subjectPk, {
      decider: ids.of(link.recipient.email),
      for: ids.of(person.email),
      seat: record.decisionId,
    });
    if (held) {
      rt.logger.warn('decision refused: the person decides another seat of this subject already', {
        decisionId,
        subjectPk: link.subjectPk,
      });
      return oneSeatPage(ids.nameOf(held.for) ?? held.for);
    }
  }
  // One person, one level, and never one's own request: checked here against the recorded decisions as well as where
  // links are routed and handed over, since a link may reach someone those checks read stale (two absent approvers
  // sharing a deputy: docs/architecture.md#a-seat-counts-once).
  if (link.subjectType === 'request' && link.level !== undefined) {
    const { subject, decisions } = await loadSubject(rt, link.subjectPk, SUBJECT_SK.request);
    const barred = requestDeciderBar(rt.config, subject as unknown as RequestItem, link.level, decisions, link.recipient.email);
    if (barred) {
      rt.logger.warn('decision refused: the person may not decide this level of the request', { decisionId, subjectPk: link.subjectPk });
      return oneLevelPage(barred);
    }
  }
  // Last, just before the write, so that only a POST that will record marks its link (a refused one, posted again and
  // again, must not hold a close): a close or an expiry that stopped this link since it was read above gets nothing;
  // one that stops it from now on waits for this decision (markDeciding, docs/architecture.md#a-decision-in-flight-is-counted-or-refused).
  if (!(await markDeciding(rt, link.decisionId))) {
    rt.logger.warn('decision refused: the link stopped while the decision was being recorded', { decisionId, subjectPk: link.subjectPk });
    return gonePage('superseded');
  }
  if (!(await recordDecision(rt, record))) {
    // Another click won (a double submit, a second device): show what was recorded.
    const winner = await getDecision(rt, link.subjectPk, record.decisionId);
    if (!winner) throw new Error(`decision ${decisionId} was reported as recorded but cannot be read`);
    await auditDecision(rt, link, winner);
    const held = seatHeldBy(link, winner);
    if (held) return seatHeldPage(held);
    return alreadyDecidedPage(winner, rt.config.timeZone);
  }

  // Recorded: from here on nothing may turn the click into an error page (docs/architecture.md#record-first-then-resume).
  count(rt, METRIC.decisionsRecorded);
  await auditDecision(rt, link, record);
  await resumeAfterDecision(rt, link, record);
  // Only the winner of the write gets here, so a double POST confirms once.
  await confirmDecision(rt, link, loaded.subject ?? {}, record);
  // Post/redirect/get: the same link, which now shows the recorded decision and decides nothing.
  return {
    statusCode: 303,
    headers: { ...PAGE_HEADERS, location: `${encodeURIComponent(decisionId)}?k=${encodeURIComponent(secret)}` },
    body: '',
  };
}

/**
 * A POST from another site is refused. A missing Origin is allowed (some mail clients' browsers send none),
 * and so is "null": the page's own Referrer-Policy: no-referrer makes browsers send `Origin: null` on its
 * form post (Fetch, "append a request Origin header"). Sec-Fetch-Site still gives a cross-site post away.
 * The secret in the body is what authorises a decision; this only stops other sites from posting one.
 */
export function sameOrigin(headers: Record<string, string | undefined>, domainName?: string, decisionBaseUrl?: string): boolean {
  if ((headers['sec-fetch-site'] ?? '').toLowerCase() === 'cross-site') return false;
  const origin = headers.origin?.trim();
  if (!origin || origin === 'null') return true;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  const allowed = [headers.host, domainName, decisionBaseUrl ? safeHost(decisionBaseUrl) : undefined]
    .filter((h): h is string => Boolean(h))
    .map((h) => h.toLowerCase());
  return allowed.some((h) => h === host || stripDefaultPort(h) === stripDefaultPort(host));
}

const stripDefaultPort = (host: string) => host.replace(/:(443|80)$/, '');

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function decodeBody(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function single(params: URLSearchParams, name: string): string {
  const all = params.getAll(name);
  return all.length === 1 ? all[0] : '';
}
