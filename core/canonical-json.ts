// RFC 8785 JSON Canonicalization Scheme (JCS): one exact byte form of a JSON value, so that its SHA-256 is a fingerprint
// anyone can recompute (sealed evidence, docs/evidence-sealing.md; content fingerprints). Small on purpose: ECMAScript's
// own number and string serialisation is what the RFC specifies (sections 3.2.2.2 and 3.2.2.3), so only key order and
// the refusals are ours.

/** Why a value has no canonical form (a lone surrogate, a non-finite number, a value JSON does not have). */
export class CanonicalJsonError extends TypeError {
  constructor(path: string, problem: string) {
    super(`canonical JSON: ${path || '(root)'} ${problem}`);
    this.name = 'CanonicalJsonError';
  }
}

// A UTF-16 high surrogate not followed by a low one, or a low one not preceded by a high one: not I-JSON (RFC 7493 2.1).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function string(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) throw new CanonicalJsonError(path, 'holds a lone surrogate, which has no UTF-8 form (RFC 8785 3.2.2.2)');
  // JSON.stringify escapes exactly as RFC 8785 3.2.2.2 says: \b \t \n \f \r \" \\, other controls as \u00xx (lower case), the rest as is.
  return JSON.stringify(value);
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `is ${value}, which JSON cannot hold`);
      // ECMAScript Number.prototype.toString is RFC 8785 3.2.2.3 (shortest round-trip form; -0 becomes 0).
      return JSON.stringify(value);
    case 'string':
      return string(value, path);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value
          .map((v, i) => {
            if (v === undefined) throw new CanonicalJsonError(`${path}[${i}]`, 'is undefined, which JSON cannot hold');
            return write(v, `${path}[${i}]`);
          })
          .join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new CanonicalJsonError(
          path,
          `is a ${proto?.constructor?.name ?? 'non-plain object'}; only plain objects, arrays, strings, finite numbers, booleans and null have a canonical form`,
        );
      }
      // Properties sorted by their names as UTF-16 code units (RFC 8785 3.2.3), which is what Array.prototype.sort compares.
      // An undefined property is absent, as in JSON.stringify, so optional fields left unset do not change the form.
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${string(k, path)}:${write(v, path ? `${path}.${k}` : k)}`).join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(path, `is a ${typeof value}, which JSON cannot hold`);
  }
}

/** The RFC 8785 canonical form of a JSON value; throws CanonicalJsonError (naming where) for what has none. */
export function canonicalJson(value: unknown): string {
  return write(value, '');
}
