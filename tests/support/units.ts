// The business unit the tests build on, with nothing else imported: pure tests take it without loading the SDK clients.
import { businessUnitSchema, type BusinessUnitConfig } from '../../core/config';
import { loadBusinessUnits } from '../../lib/config-files';

/** The EMEA example with test-sized intervals: reminders every 2 s, links valid for 30 s. */
export function testUnit(overrides: Partial<BusinessUnitConfig> = {}): BusinessUnitConfig {
  const emea = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
  return businessUnitSchema.parse({ ...emea, reminders: { interval: '2s', maximum: 1 }, decisionLinkLifetime: '30s', ...overrides });
}
