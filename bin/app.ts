// CDK entry: one stack per business-unit config file, or only the unit named by `-c bu=<id>`.
import { App } from 'aws-cdk-lib';
import { ConfigError, deployWarnings } from '../core/config';
import { checkDeployTargets, loadBusinessUnits, selectUnits } from '../lib/config-files';
import { IsmsLeadershipStack } from '../lib/stack';
import { stackName } from '../core/names';

const app = new App();
try {
  // Warnings (one person in several approval levels' roles; a sender or ISMS manager at an example domain, which
  // cannot work once deployed) go to stderr, one line each; synth goes on.
  const all = loadBusinessUnits(undefined, (line) => console.error(line), deployWarnings);
  // Across every unit, not only the selected one: a clash is there whichever of the two is deployed first.
  checkDeployTargets(all);
  const units = selectUnits(all, app.node.tryGetContext('bu'));
  for (const unit of units) {
    new IsmsLeadershipStack(app, stackName(unit.id), {
      unit,
      env: unit.account || unit.region ? { account: unit.account, region: unit.region } : undefined,
      description: `ISO/IEC 27001 leadership workflows for ${unit.name} (isms-leadership)`,
      tags: { 'isms:business-unit': unit.id },
    });
  }
} catch (err) {
  // A config problem is the user's to fix: print it plainly, without a stack trace, and synthesize nothing.
  console.error(err instanceof ConfigError || err instanceof Error ? err.message : err);
  process.exit(1);
}
app.synth();
