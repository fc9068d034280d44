// The decision form a confirmation page posts: field names, the zod schema per subject type, and problems that name the field.
import * as z from './zod';
import { RESOURCE_CATEGORIES, type ResourceCategory } from './unit';
import { checkText } from './text';
import type { Adequacy, Choice, SubjectType } from './decisions';

export const COMMENT_MAX_CHARS = 2000;
/** Far above what the page can send (a 2000-character comment is at most ~18 KB percent-encoded). */
export const FORM_MAX_BYTES = 32 * 1024;

export const CHOICES: Record<SubjectType, readonly Choice[]> = {
  review: ['approve', 'request-changes'],
  request: ['approve', 'reject'],
  policy: ['approve', 'request-changes'],
};
export const ADEQUACY: readonly Adequacy[] = ['adequate', 'inadequate'];

/** The form field holding the answer for one resource category ("adequacy-financial"). */
export const adequacyField = (category: ResourceCategory) => `adequacy-${category}`;

/** A decision id as newDecisionId makes it (16 random bytes, base64url); anything else is answered 404. */
export const DECISION_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export interface DecisionInput {
  choice: Choice;
  comment: string;
  resourceAdequacy?: Record<ResourceCategory, Adequacy>;
}

/** One problem with the posted form, naming the field. */
export interface FormProblem {
  field: string;
  message: string;
}

export type FormResult = { ok: true; input: DecisionInput } | { ok: false; problems: FormProblem[]; values: Record<string, string> };

/** Browsers send textarea line breaks as CRLF, but maxlength counts them as one character: count as the page does. */
export function normaliseComment(comment: string): string {
  return comment.replace(/\r\n?/g, '\n').trim();
}

const choiceSchema = (type: SubjectType) =>
  z.enum(CHOICES[type] as [Choice, ...Choice[]], {
    error: (iss) =>
      iss.input === undefined
        ? `is required: choose ${CHOICES[type].join(' or ')}`
        : `${JSON.stringify(iss.input)} is not one of ${CHOICES[type].join(', ')}`,
  });

const adequacySchema = z.enum(ADEQUACY as [Adequacy, ...Adequacy[]], {
  error: (iss) =>
    iss.input === undefined
      ? 'is required: choose adequate or inadequate'
      : `${JSON.stringify(iss.input)} is not one of adequate, inadequate`,
});

const commentSchema = z.pipe(z._default(z.string(), ''), z.transform(normaliseComment)).check(
  z.refine((c) => c.length <= COMMENT_MAX_CHARS, {
    error: (iss) => `must be at most ${COMMENT_MAX_CHARS} characters (got ${String(iss.input).length})`,
  }),
  // The comment is quoted in the minutes, outcome emails and the CLI: lines and tabs, no other controls.
  z.superRefine(checkText('multi-line')),
);

/** k is the link secret; checked against the link before the form is validated, so here it only has to be present. */
const secretSchema = z.string();

function schemaFor(type: SubjectType) {
  const shape: Record<string, z.ZodMiniType> = { k: secretSchema, choice: choiceSchema(type), comment: commentSchema };
  if (type === 'review') for (const c of RESOURCE_CATEGORIES) shape[adequacyField(c)] = adequacySchema;
  return z.strictObject(shape);
}

const SCHEMAS: Record<SubjectType, ReturnType<typeof schemaFor>> = {
  review: schemaFor('review'),
  request: schemaFor('request'),
  policy: schemaFor('policy'),
};

/** The fields of a form body, or the names given more than once (a form from our page never repeats one). */
export function formFields(body: string): { values: Record<string, string>; repeated: string[] } {
  const values: Record<string, string> = {};
  const repeated = new Set<string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (Object.hasOwn(values, name)) repeated.add(name);
    else values[name] = value;
  }
  return { values, repeated: [...repeated] };
}

/** Validates a decision form for a review or a request; every problem names its field. */
export function parseDecisionForm(type: SubjectType, values: Record<string, string>, repeated: string[] = []): FormResult {
  const problems: FormProblem[] = repeated.map((field) => ({ field, message: 'is given more than once' }));
  const result = SCHEMAS[type].safeParse(values);
  if (!result.success) {
    for (const iss of result.error.issues) {
      if (iss.code === 'unrecognized_keys') {
        for (const key of iss.keys) problems.push({ field: key, message: unknownFieldMessage(type, key) });
      } else {
        const field = String(iss.path[0] ?? '(form)');
        const message = iss.code === 'invalid_type' && values[field] === undefined ? missingMessage(type, field) : iss.message;
        problems.push({ field, message });
      }
    }
  }
  if (problems.length > 0 || !result.success) return { ok: false, problems, values };
  const data = result.data as Record<string, string>;
  const input: DecisionInput = { choice: data.choice as Choice, comment: data.comment };
  if (type === 'review') {
    input.resourceAdequacy = Object.fromEntries(RESOURCE_CATEGORIES.map((c) => [c, data[adequacyField(c)] as Adequacy])) as Record<
      ResourceCategory,
      Adequacy
    >;
  }
  return { ok: true, input };
}

function missingMessage(type: SubjectType, field: string): string {
  if (field === 'choice') return `is required: choose ${CHOICES[type].join(' or ')}`;
  if (field.startsWith('adequacy-')) return 'is required: choose adequate or inadequate';
  return 'is required';
}

function unknownFieldMessage(type: SubjectType, key: string): string {
  if (type === 'request' && key.startsWith('adequacy-')) return 'is not a field of a resource request decision';
  if (type === 'policy' && key.startsWith('adequacy-')) return 'is not a field of a policy or objectives decision';
  return 'is not a known field';
}
