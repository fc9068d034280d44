// Re-attaching a unit's sealed-evidence chain (issue 16, "Removal is safe"): a redeployed stack with `reattach` names the
// digest bucket and signing key its deleted stack retained, so that the sealer continues the same chain instead of starting
// a second one in a new bucket under a new key. The config fields' forms, their cross-field rules and the synth warning.
import { show } from './text';

/**
 * An S3 general purpose bucket name (3-63 characters, lowercase letters, digits, "." and "-", a letter or digit at both
 * ends, no "..", not an IP address); the object-locked digest bucket is always one.
 */
export const S3_BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** A KMS key ARN (not an alias ARN: IAM grants and the sealer's Sign name the key itself); groups: region, account. */
export const KMS_KEY_ARN =
  /^arn:aws[a-z-]*:kms:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):key\/(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const bucketNameProblem = (v: string) =>
  `${v} is not an S3 bucket name: 3-63 characters, lowercase letters, digits, "." and "-", a letter or digit at both ends (the deleted stack's output EvidenceSealBucketName)`;
export const keyArnProblem = (v: string) =>
  `${v} is not a KMS key ARN like "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" (the deleted stack's output EvidenceSealKeyArn; not an alias)`;

interface ReattachFields {
  reattach?: unknown;
  sealBucketName?: unknown;
  sealKeyArn?: unknown;
  region?: unknown;
  account?: unknown;
}

/**
 * The two fields only with `reattach` (they name what a deleted stack retained), and both or neither: the old key with a
 * new bucket, or a new key over the old bucket, would still start a second chain. The key must be where the unit deploys:
 * KMS keys are regional, and the sealer signs in its own account.
 */
export function reattachRules(unit: ReattachFields, issue: (path: PropertyKey[], message: string) => void): void {
  const bucket = unit.sealBucketName;
  const key = unit.sealKeyArn;
  for (const [field, value] of [
    ['sealBucketName', bucket],
    ['sealKeyArn', key],
  ] as const) {
    if (value !== undefined && unit.reattach !== true) {
      issue(
        [field],
        'is allowed only with "reattach": true; it names the sealed-evidence bucket or key a deleted stack of this unit retained',
      );
    }
  }
  if (unit.reattach === true && (bucket === undefined) !== (key === undefined)) {
    const [missing, given] = bucket === undefined ? ['sealBucketName', 'sealKeyArn'] : ['sealKeyArn', 'sealBucketName'];
    issue(
      [missing],
      `is required with ${given}: the chain continues only with both its digest bucket and its signing key (the deleted stack's outputs EvidenceSealBucketName and EvidenceSealKeyArn)`,
    );
  }
  const match = typeof key === 'string' ? KMS_KEY_ARN.exec(key) : null;
  if (!match) return;
  const [, keyRegion, keyAccount] = match;
  if (typeof unit.region === 'string' && keyRegion !== unit.region) {
    issue(['sealKeyArn'], `is in ${keyRegion}, but the unit deploys to ${unit.region}: the sealer signs with a key in its own region`);
  }
  if (typeof unit.account === 'string' && keyAccount !== unit.account) {
    issue(
      ['sealKeyArn'],
      `is in account ${keyAccount}, but the unit deploys to ${unit.account}: the retained key is in the unit's account`,
    );
  }
}

/** Synth's warning for a re-attached unit that does not name its chain: the deploy starts a second one. */
export function reattachWarnings(unit: { id: string; reattach?: boolean; sealBucketName?: string; sealKeyArn?: string }): string[] {
  if (!unit.reattach || (unit.sealBucketName && unit.sealKeyArn)) return [];
  return [
    `reattach: unit ${unit.id} re-attaches its evidence table but not its sealed-evidence chain: this deploy creates a new digest bucket and signing key, and sealing restarts at digest 1, so auditors get two chains; to continue the retained one, set ${show('sealBucketName')} and ${show('sealKeyArn')} to the deleted stack's outputs EvidenceSealBucketName and EvidenceSealKeyArn (README: Remove a unit)`,
  ];
}
