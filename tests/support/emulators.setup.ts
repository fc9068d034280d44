// Global setup of the handlers project: one dynalite and one SES emulator for all its files, started once per run.
// Loading aws-ses-v2-local (express) costs about a second per test process; each file still gets fresh tables from
// testRuntime() and sees only the emails it sent (sharedSes() in local-aws.ts).
import type { TestProject } from 'vitest/node';
import { startDynalite, startSesLocal } from './local-aws';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sesEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [dynamo, ses] = await Promise.all([startDynalite(), startSesLocal()]);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sesEndpoint', ses.endpoint);
  return async () => {
    await Promise.all([dynamo.close(), ses.close()]);
  };
}
