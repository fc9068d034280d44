// npm start validates each workflow text once and remembers it (local/definition-check.ts): a bad definition must still
// never start, and a substituted value must not be able to change what was validated.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertValidDefinition, substituteChecked } from '../../local/definition-check';

/** `${name}` as the definitions write it (built, so that it reads as a placeholder and not as a mistyped template). */
const placeholder = (name: string) => ['$', '{', name, '}'].join('');

/** A small definition with a placeholder, made unique per test (the check also remembers texts per process). */
const definition = (marker: string, next = 'Done') =>
  JSON.stringify({
    Comment: marker,
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: placeholder('CallFunctionArn') },
        TimeoutSeconds: 60,
        Next: next,
      },
      Done: { Type: 'Succeed' },
    },
  });

describe('assertValidDefinition', () => {
  it('validates a text once and remembers it on disk by its digest', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'isms-asl-'));
    assertValidDefinition(definition(`valid ${Math.random()}`), 'test', dir);
    expect(readdirSync(dir)).toHaveLength(1);
    expect(readdirSync(dir)[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a bad definition, naming the workflow, and never remembers it (so it fails at every start)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'isms-asl-'));
    const bad = definition(`bad ${Math.random()}`, 'Nowhere');
    expect(() => assertValidDefinition(bad, 'management-review (unit x)', dir)).toThrow(
      /^Workflow definition management-review \(unit x\): State machine definition is invalid.*Nowhere/s,
    );
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});

describe('substituteChecked', () => {
  const text = definition('substitute');
  it('fills ARNs and names', () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:isms-x-review-open';
    expect(JSON.parse(substituteChecked(text, { CallFunctionArn: arn }, 'w')).States.Call.Parameters.FunctionName).toBe(arn);
  });

  it('refuses a value that could leave its JSON string and change the validated structure', () => {
    for (const value of ['x", "Next": "Elsewhere', 'a\\b', 'has space', placeholder('Other')]) {
      expect(() => substituteChecked(text, { CallFunctionArn: value }, 'review (unit y)')).toThrow(
        `Workflow definition review (unit y): the value for ${placeholder('CallFunctionArn')} is not an ARN or a name`,
      );
    }
  });
});
