// Global setup of the handlers layer, and of `npm test`: one SES emulator for all its files, started once per run. Loading
// aws-ses-v2-local (express) costs about a second per test process; each file sees only the emails it sent (sharedSes()
// in shared-emulators.ts). DynamoDB is one dynalite per worker, in process (sharedDynalite()).
import type { TestProject } from 'vitest/node';
import { startSesLocal } from './local-aws';

declare module 'vitest' {
  export interface ProvidedContext {
    sesEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ses = await startSesLocal();
  project.provide('sesEndpoint', ses.endpoint);
  return () => ses.close();
}
