// The resource-approval state machine as synthesized per unit, and least privilege for it and its six functions.
import { describe } from 'vitest';
import type { BusinessUnitConfig } from '../../core/config';
import { FUNCTIONS } from '../../core/functions';
import { loadBusinessUnits } from '../../lib/config-files';
import { approvalMachineTests, machineTemplate } from '../support/approval-machine';

const REQUEST_FUNCTIONS = FUNCTIONS.filter((f) => f.id.startsWith('request-')).map((f) => f.id);

describe.each(loadBusinessUnits())('resource approval in the stack of $id', (unit: BusinessUnitConfig) => {
  approvalMachineTests(unit, () => machineTemplate(unit.id, 'resource-approval'), {
    what: 'the six request functions',
    functions: REQUEST_FUNCTIONS,
    awaitState: 'AwaitDecision',
    remindChoice: 'RemindOrEscalate?',
  });
});
