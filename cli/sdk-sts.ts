// The @aws-sdk/client-sts parts the CLI uses, for `await import('./sdk-sts')` where a command needs them: the SDK is
// CommonJS, and esbuild gives a dynamic import of a CommonJS chunk only a default export; through this module it is ESM.
export { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
