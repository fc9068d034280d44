// The @aws-sdk/client-cloudformation parts the CLI uses, for `await import('./sdk-cloudformation')` where a command needs them: the SDK is
// CommonJS, and esbuild gives a dynamic import of a CommonJS chunk only a default export; through this module it is ESM.
export { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
