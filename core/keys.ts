// Keys of every item in the evidence table; docs/data-model.md lists the access patterns they serve.
export const keys = {
  review: (reviewId: string) => ({ pk: `REVIEW#${reviewId}`, sk: 'REVIEW' }),
  reviewInputs: (reviewId: string, submittedAt: string) => ({ pk: `REVIEW#${reviewId}`, sk: `INPUTS#${submittedAt}` }),
  reviewPack: (reviewId: string) => ({ pk: `REVIEW#${reviewId}`, sk: 'PACK' }),
  reviewMinutes: (reviewId: string) => ({ pk: `REVIEW#${reviewId}`, sk: 'MINUTES' }),
  request: (requestId: string) => ({ pk: `REQUEST#${requestId}`, sk: 'REQUEST' }),
  action: (actionId: string) => ({ pk: `ACTION#${actionId}`, sk: 'ACTION' }),
  /** One submission of a version of the policy or the objectives (core/policy.ts), and its document beside it. */
  policy: (submissionId: string) => ({ pk: `POLICY#${submissionId}`, sk: 'POLICY' }),
  policyDocument: (submissionId: string) => ({ pk: `POLICY#${submissionId}`, sk: 'DOCUMENT' }),
  /** The Markdown document as rendered once by policy-open (core/policy-markdown.ts), served by the decision endpoint. */
  policyDocumentHtml: (submissionId: string) => ({ pk: `POLICY#${submissionId}`, sk: 'DOCUMENT#HTML' }),
  /** One recorded measurement of an objective, in time order. */
  objectiveProgress: (objectiveId: string, at: string) => ({ pk: `OBJECTIVE#${objectiveId}`, sk: `PROGRESS#${at}` }),
  link: (decisionId: string) => ({ pk: `LINK#${decisionId}`, sk: 'LINK' }),
  /** A decision lives in its subject's partition, so one strongly consistent query tallies a subject. */
  decision: (subjectPk: string, decisionId: string) => ({ pk: subjectPk, sk: `DECISION#${decisionId}` }),
  /** Who decides in a review or policy, once per person (`identity`, canonical): written just before their decision. */
  decider: (subjectPk: string, identity: string) => ({ pk: subjectPk, sk: `DECIDER#${identity}` }),
  /** Where a failed execution's audit event goes when its review or request was never stored. */
  workflow: (executionName: string) => ({ pk: `WORKFLOW#${executionName}` }),
  event: (subjectPk: string, at: string, eventId: string) => ({ pk: subjectPk, sk: `EVENT#${at}#${eventId}` }),
  /** One recipient's copy of a named email of a fan-out (`minutes`, `reminder-2`, ...), marked once it went out. */
  sent: (subjectPk: string, message: string, recipient: string) => ({ pk: subjectPk, sk: `SENT#${message}#${recipient.toLowerCase()}` }),
  /** A decision email that did not reach its recipient (hard bounce, complaint, reject), once per decision. */
  undeliverable: (subjectPk: string, decisionId: string) => ({ pk: subjectPk, sk: `UNDELIVERABLE#${decisionId}` }),
} as const;

export const prefixes = { decision: 'DECISION#', event: 'EVENT#', inputs: 'INPUTS#', sent: 'SENT#', progress: 'PROGRESS#' } as const;

/** GSI1 values: listings by kind and time. */
export const gsi1 = {
  reviews: (period: string) => ({ gsi1pk: 'REVIEWS', gsi1sk: period }),
  requests: (submittedAt: string, requestId: string) => ({ gsi1pk: 'REQUESTS', gsi1sk: `${submittedAt}#${requestId}` }),
  action: (status: 'OPEN' | 'CLOSED', dueDate: string, actionId: string) => ({
    gsi1pk: `ACTIONS#${status}`,
    gsi1sk: `${dueDate}#${actionId}`,
  }),
  policies: (documentKind: string, submittedAt: string, version: string) => ({
    gsi1pk: 'POLICIES' as const,
    gsi1sk: `${documentKind}#${submittedAt}#${version}`,
  }),
  audit: (at: string, eventId: string) => ({ gsi1pk: `AUDIT#${at.slice(0, 7)}`, gsi1sk: `${at}#${eventId}` }),
  /** A sent copy by its SES message id: an SES event whose tags are missing finds what it is about. */
  email: (sesMessageId: string, subjectPk: string) => ({ gsi1pk: `EMAIL#${sesMessageId}`, gsi1sk: subjectPk }),
} as const;

export const GSI1 = 'gsi1';
