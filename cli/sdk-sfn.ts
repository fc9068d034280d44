// The @aws-sdk/client-sfn parts the CLI uses, for `await import('./sdk-sfn')` where a command needs them: the SDK is
// CommonJS, and esbuild gives a dynamic import of a CommonJS chunk only a default export; through this module it is ESM.
export { SFNClient, StartExecutionCommand, DescribeExecutionCommand } from '@aws-sdk/client-sfn';
