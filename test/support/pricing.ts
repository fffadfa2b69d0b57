/**
 * A scratch project whose platform file has fixed prices and default quota,
 * so that cost tests keep their hand-computed figures when the fixture
 * platform file changes.
 */
import * as fs from 'fs';
import { parse, stringify } from 'yaml';
import { scratchProject } from './fixtures';

/** The prices the cost tests compute with. */
export const TEST_PRICES = {
  currency: 'USD',
  cpuCoreHour: 0.035,
  memoryGiBHour: 0.0045,
  storageGiBMonth: 0.1,
  gpuHourly: { 'a100-80gb': 2.9, 'h100-80gb': 4.5, l4: 0.8 },
  defaultGpuType: 'a100-80gb',
} as const;

/** The default quota of tenants that set none. */
export const TEST_DEFAULT_QUOTA = { cpu: '16', memory: '64Gi', gpu: 0, storage: '200Gi', pods: 50 } as const;

/**
 * {@link scratchProject} with {@link TEST_PRICES} and {@link TEST_DEFAULT_QUOTA} in its platform file, and queueing
 * through Kueue off (`queueing.kueue: false`), so that quota and cost figures are those of plain ResourceQuotas;
 * a test of guaranteed and borrowable figures turns it on.
 */
export function pricedProject(tenants: Record<string, string>): ReturnType<typeof scratchProject> {
  const project = scratchProject(tenants);
  const platform = parse(fs.readFileSync(project.platformFile, 'utf8'));
  const spec = platform.spec;
  spec.pricing = { currency: TEST_PRICES.currency, cpuCoreHour: TEST_PRICES.cpuCoreHour, memoryGiBHour: TEST_PRICES.memoryGiBHour, storageGiBMonth: TEST_PRICES.storageGiBMonth };
  for (const [type, price] of Object.entries(TEST_PRICES.gpuHourly)) {
    if (!spec.gpuTypes[type]) throw new Error(`the fixture platform file has no GPU type ${type}; update test/support/pricing.ts`);
    spec.gpuTypes[type].hourlyPrice = price;
  }
  spec.defaultGpuType = TEST_PRICES.defaultGpuType;
  spec.defaults.quota = { ...TEST_DEFAULT_QUOTA };
  spec.queueing = { ...spec.queueing, kueue: false };
  fs.writeFileSync(project.platformFile, stringify(platform));
  return project;
}
