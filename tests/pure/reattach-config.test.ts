// Re-attaching the sealed-evidence chain (issue 16): the config names the retained digest bucket and signing key only with
// `reattach`, both or neither, the key where the unit deploys; without them synth warns that the chain restarts.
import { describe, expect, it } from 'vitest';
import { deployWarnings, validateUnit } from '../../core/config';
import { loadBusinessUnits } from '../../lib/config-files';

const raw = () => JSON.parse(JSON.stringify(loadBusinessUnits().find((u) => u.id === 'example-emea')));
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const BUCKET = 'isms-emea-evidencesealbucket2fd4681d-abc123';

describe('sealBucketName and sealKeyArn', () => {
  it('are kept with reattach, naming the retained bucket and key', () => {
    const r = validateUnit({ ...raw(), reattach: true, sealBucketName: BUCKET, sealKeyArn: KEY }, 'u.json');
    expect(r.problems).toEqual([]);
    expect(r.unit).toMatchObject({ sealBucketName: BUCKET, sealKeyArn: KEY });
    // A multi-region key and the unit's own region and account are fine too.
    const mrk = 'arn:aws:kms:eu-west-1:210987654321:key/mrk-0123456789abcdef0123456789abcdef';
    const r2 = validateUnit(
      { ...raw(), reattach: true, region: 'eu-west-1', account: '210987654321', sealBucketName: 'a.b-c', sealKeyArn: mrk },
      'u.json',
    );
    expect(r2.problems).toEqual([]);
  });

  it.each([
    [{ sealBucketName: 'Isms_Bucket' }, /^u\.json: sealBucketName: "Isms_Bucket" is not an S3 bucket name: 3-63 characters/],
    [{ sealBucketName: 'ab' }, /^u\.json: sealBucketName: "ab" is not an S3 bucket name/],
    [{ sealBucketName: 'a..b' }, /^u\.json: sealBucketName: "a\.\.b" is not an S3 bucket name/],
    [{ sealBucketName: '192.168.1.1' }, /^u\.json: sealBucketName: "192\.168\.1\.1" is not an S3 bucket name/],
    [{ sealBucketName: `a${'b'.repeat(63)}` }, /^u\.json: sealBucketName: "ab+" is not an S3 bucket name/],
    [{ sealKeyArn: 'alias/isms-emea-evidence-seal' }, /^u\.json: sealKeyArn: "alias\/isms-emea-evidence-seal" is not a KMS key ARN like /],
    [
      { sealKeyArn: 'arn:aws:kms:eu-central-1:123456789012:alias/isms-emea-evidence-seal' },
      /^u\.json: sealKeyArn: .* is not a KMS key ARN .*not an alias\)$/,
    ],
    [{ sealKeyArn: '1234abcd-12ab-34cd-56ef-1234567890ab' }, /^u\.json: sealKeyArn: .* is not a KMS key ARN/],
  ])('%o is refused, naming the field and what is allowed', (fields, message) => {
    const both = { sealBucketName: BUCKET, sealKeyArn: KEY, ...fields };
    const r = validateUnit({ ...raw(), reattach: true, ...both }, 'u.json');
    expect(r.unit).toBeUndefined();
    expect(r.problems).toEqual([expect.stringMatching(message)]);
  });

  it('are refused without reattach: they name what a deleted stack retained', () => {
    for (const reattach of [undefined, false]) {
      const r = validateUnit({ ...raw(), reattach, sealBucketName: BUCKET, sealKeyArn: KEY }, 'u.json');
      expect(r.unit).toBeUndefined();
      expect(r.problems).toEqual([
        'u.json: sealBucketName: is allowed only with "reattach": true; it names the sealed-evidence bucket or key a deleted stack of this unit retained',
        'u.json: sealKeyArn: is allowed only with "reattach": true; it names the sealed-evidence bucket or key a deleted stack of this unit retained',
      ]);
    }
  });

  it('go together: one without the other would still start a second chain', () => {
    const noKey = validateUnit({ ...raw(), reattach: true, sealBucketName: BUCKET }, 'u.json');
    expect(noKey.problems).toEqual([
      expect.stringMatching(/^u\.json: sealKeyArn: is required with sealBucketName: the chain continues only with both/),
    ]);
    const noBucket = validateUnit({ ...raw(), reattach: true, sealKeyArn: KEY }, 'u.json');
    expect(noBucket.problems).toEqual([expect.stringMatching(/^u\.json: sealBucketName: is required with sealKeyArn/)]);
  });

  it("refuses a key outside the unit's region or account", () => {
    const r = validateUnit(
      { ...raw(), reattach: true, region: 'eu-central-1', account: '210987654321', sealBucketName: BUCKET, sealKeyArn: KEY },
      'u.json',
    );
    expect(r.unit).toBeUndefined();
    expect(r.problems).toEqual([
      'u.json: sealKeyArn: is in eu-west-1, but the unit deploys to eu-central-1: the sealer signs with a key in its own region',
      "u.json: sealKeyArn: is in account 123456789012, but the unit deploys to 210987654321: the retained key is in the unit's account",
    ]);
  });
});

describe('the synth warning of a re-attached unit', () => {
  const unit = (fields: object) => validateUnit({ ...raw(), ...fields }, 'u.json').unit!;
  const reattachWarning = (fields: object) => deployWarnings(unit(fields)).filter((w) => w.startsWith('reattach:'));

  it('says that the chain restarts, and how to continue it, when reattach names no bucket and key', () => {
    expect(reattachWarning({ reattach: true })).toEqual([
      'reattach: unit example-emea re-attaches its evidence table but not its sealed-evidence chain: this deploy creates a new digest bucket and signing key, and sealing restarts at digest 1, so auditors get two chains; to continue the retained one, set "sealBucketName" and "sealKeyArn" to the deleted stack\'s outputs EvidenceSealBucketName and EvidenceSealKeyArn (README: Remove a unit)',
    ]);
  });

  it('is not given when both are named, nor for a unit that does not re-attach', () => {
    expect(reattachWarning({ reattach: true, sealBucketName: BUCKET, sealKeyArn: KEY })).toEqual([]);
    expect(reattachWarning({})).toEqual([]);
  });
});
