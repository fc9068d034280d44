// The business metrics every function publishes (CloudWatch EMF through Powertools Metrics), and where: one namespace, the unit as a dimension, read by the dashboard (lib/dashboard.ts).

/** One namespace for every unit; the `unit` dimension keeps units apart (a dashboard per unit filters on it). */
export const METRICS_NAMESPACE = 'IsmsLeadership';
/**
 * Powertools adds `service` to every metric: one fixed value, so that a count has the same dimensions whichever function
 * emitted it (emails are sent by eleven functions) and the dashboard can graph it with one query.
 */
export const METRICS_SERVICE = 'isms-leadership';

/** The dimensions of every metric of a unit. */
export const metricDimensions = (unitId: string) => ({ service: METRICS_SERVICE, unit: unitId });

export const METRIC = {
  decisionsRecorded: 'DecisionsRecorded',
  reviewsOpened: 'ReviewsOpened',
  reviewsClosed: 'ReviewsClosed',
  reviewsOverdue: 'ReviewsOverdue',
  requestsApproved: 'RequestsApproved',
  requestsRejected: 'RequestsRejected',
  requestsExpired: 'RequestsExpired',
  emailsSent: 'EmailsSent',
  emailsDelivered: 'EmailsDelivered',
  emailsBounced: 'EmailsBounced',
  emailsComplained: 'EmailsComplained',
  decisionEmailsUndeliverable: 'DecisionEmailsUndeliverable',
  workflowFailures: 'WorkflowFailures',
  /** With a `status` dimension (200, 400, 404, 410, 503...): the decision endpoint's answers. */
  decisionAnswers: 'DecisionEndpointAnswers',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];
