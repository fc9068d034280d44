// The ISMS manager's review inputs (ISO/IEC 27001 9.3.2 b-g): strict zod schema and messages that name each field.
import * as z from './zod';
import { formatPath } from './unit';
import { checkText, normaliseLineBreaks, show } from './text';

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/** One point of the input: a sentence or short paragraph. */
const point = z
  .string()
  .check(z.overwrite(normaliseLineBreaks), z.trim(), z.minLength(1), z.maxLength(2000), z.superRefine(checkText('multi-line')));
/** A list of points; an empty list means "nothing to report" for that part, stated as such in the pack. */
const points = z.array(point).check(z.maxLength(30));

/**
 * The pack and the minutes each hold the inputs once more, and a DynamoDB item holds at most 400 KB, so the
 * whole submission is capped well below that.
 */
export const MAX_INPUT_CHARS = 60_000;

const inputsObject = z.strictObject({
  /** 9.3.2 b) changes in external and internal issues relevant to the ISMS. */
  changesInIssues: z.strictObject({ external: points, internal: points }),
  /** 9.3.2 c) changes in needs and expectations of interested parties. */
  interestedPartiesNeeds: points,
  /** 9.3.2 d) information security performance. */
  performance: z.strictObject({
    nonconformitiesAndCorrectiveActions: points,
    monitoringAndMeasurementResults: points,
    auditResults: points,
    fulfilmentOfObjectives: points,
  }),
  /** 9.3.2 e) feedback from interested parties. */
  interestedPartiesFeedback: points,
  /** 9.3.2 f) results of risk assessment and status of the risk treatment plan. */
  risk: z.strictObject({ assessmentResults: points, treatmentPlanStatus: points }),
  /** 9.3.2 g) opportunities for continual improvement. */
  improvementOpportunities: points,
});

export const reviewInputsSchema = inputsObject.check(
  z.superRefine((inputs, ctx) => {
    const total = JSON.stringify(inputs).length;
    if (total > MAX_INPUT_CHARS) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `the inputs are ${total} characters long; at most ${MAX_INPUT_CHARS} fit in the pack`,
      });
    }
  }),
);

export type ReviewInputs = z.output<typeof reviewInputsSchema>;

/** The stored submission: the inputs plus who submitted them and when (INPUTS#<submittedAt>). */
export interface ReviewInputsItem {
  pk: string;
  sk: string;
  kind: 'review-inputs';
  reviewId: string;
  bu: string;
  period: string;
  submittedAt: string;
  submittedBy: string;
  inputs: ReviewInputs;
}

/** The parts of the inputs in clause order, with their headings: what the pack and the minutes show. */
export const INPUT_PARTS: ReadonlyArray<{
  clause: string;
  heading: string;
  parts: ReadonlyArray<{ label?: string; get: (i: ReviewInputs) => string[] }>;
}> = [
  {
    clause: '9.3.2 b)',
    heading: 'Changes in external and internal issues',
    parts: [
      { label: 'External', get: (i) => i.changesInIssues.external },
      { label: 'Internal', get: (i) => i.changesInIssues.internal },
    ],
  },
  {
    clause: '9.3.2 c)',
    heading: 'Changes in needs and expectations of interested parties',
    parts: [{ get: (i) => i.interestedPartiesNeeds }],
  },
  {
    clause: '9.3.2 d)',
    heading: 'Information security performance',
    parts: [
      { label: 'Nonconformities and corrective actions', get: (i) => i.performance.nonconformitiesAndCorrectiveActions },
      { label: 'Monitoring and measurement results', get: (i) => i.performance.monitoringAndMeasurementResults },
      { label: 'Audit results', get: (i) => i.performance.auditResults },
      { label: 'Fulfilment of information security objectives', get: (i) => i.performance.fulfilmentOfObjectives },
    ],
  },
  { clause: '9.3.2 e)', heading: 'Feedback from interested parties', parts: [{ get: (i) => i.interestedPartiesFeedback }] },
  {
    clause: '9.3.2 f)',
    heading: 'Risk assessment results and risk treatment plan status',
    parts: [
      { label: 'Risk assessment results', get: (i) => i.risk.assessmentResults },
      { label: 'Risk treatment plan status', get: (i) => i.risk.treatmentPlanStatus },
    ],
  },
  { clause: '9.3.2 g)', heading: 'Opportunities for continual improvement', parts: [{ get: (i) => i.improvementOpportunities }] },
];

/** Every problem, one line each, naming the field ("performance.auditResults[2]: must not be empty"). */
export function inputsProblems(error: z.core.$ZodError): string[] {
  return error.issues.flatMap((iss) => {
    if (iss.code === 'unrecognized_keys') {
      return iss.keys.map((k) => `${formatPath([...iss.path, k])}: is not a known field`);
    }
    const where = formatPath(iss.path) || '(file)';
    if (iss.code === 'invalid_type') {
      return [
        iss.input === undefined
          ? `${where}: is required (${iss.expected})`
          : `${where}: ${show(iss.input)} is not ${article(iss.expected)}`,
      ];
    }
    if (iss.code === 'too_small') {
      return [iss.origin === 'string' ? `${where}: must not be empty` : `${where}: ${iss.message}`];
    }
    if (iss.code === 'too_big') {
      return [`${where}: must be at most ${String(iss.maximum)} ${iss.origin === 'string' ? 'characters' : 'points'}`];
    }
    return [`${where}: ${iss.message}`];
  });
}

/** Parses the inputs; throws ReviewInputsError listing every problem, so nothing partial is ever stored. */
export function parseReviewInputs(raw: unknown): ReviewInputs {
  const result = reviewInputsSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ReviewInputsError(inputsProblems(result.error));
  return result.data;
}

export class ReviewInputsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Review inputs are invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'ReviewInputsError';
  }
}
