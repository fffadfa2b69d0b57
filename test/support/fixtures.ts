/**
 * Fixtures shared by the tests: the suite's own platform and tenant files
 * (test/fixtures/, copies of the examples that no user edits), minimal tenant
 * files, and scratch directories holding a platform file and tenant files.
 *
 * Tests never read the repository's platform.yaml or tenants/: a platform
 * team replaces those with its own. Only test/repository/ checks the
 * repository's committed output against them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { PlatformFile, PlatformFileSchema } from '../../config/schema/platform';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The suite's own project: `platform.yaml` and `tenants/`, as at the repository root. */
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures');
export const FIXTURE_PLATFORM_FILE = path.join(FIXTURES_DIR, 'platform.yaml');
export const FIXTURE_TENANTS_DIR = path.join(FIXTURES_DIR, 'tenants');

/** The fixture platform file, parsed. */
export function fixturePlatform(): PlatformFile {
  return PlatformFileSchema.parse(parse(fs.readFileSync(FIXTURE_PLATFORM_FILE, 'utf8')));
}

/** The fixture tenant files (analytics, nlp, vision), by file name. */
export function fixtureTenants(): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(FIXTURE_TENANTS_DIR)
      .filter((file) => file.endsWith('.yaml'))
      .sort()
      .map((file) => [file, fs.readFileSync(path.join(FIXTURE_TENANTS_DIR, file), 'utf8')]),
  );
}

/** The smallest valid tenant file: six lines of spec. */
export function minimalTenant(name: string): string {
  return `apiVersion: platform.mlp.io/v1alpha1
kind: Tenant
metadata:
  name: ${name}
spec:
  costCenter: cc-1
  owners:
    - user: ${name}-owner@example.com
`;
}

/**
 * A scratch directory with the fixture platform file and the given tenant
 * files. It lives in the test file's own temporary directory
 * (test/support/temporary-directory.ts), which is removed after the file's
 * tests; remove it earlier where a test makes many.
 */
export function scratchProject(tenants: Record<string, string>): { dir: string; platformFile: string; tenantsDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-test-'));
  const platformFile = path.join(dir, 'platform.yaml');
  const tenantsDir = path.join(dir, 'tenants');
  fs.copyFileSync(FIXTURE_PLATFORM_FILE, platformFile);
  fs.mkdirSync(tenantsDir);
  for (const [file, text] of Object.entries(tenants)) {
    fs.writeFileSync(path.join(tenantsDir, file), text);
  }
  return { dir, platformFile, tenantsDir };
}

/** A platform file's text with the PriorityClass value of the batch tier set (the default is 1000). */
export function withBatchPriority(platformText: string, value: number): string {
  if (!/^spec:\n/m.test(platformText) || /^ {2}tiers:/m.test(platformText)) throw new Error('expected a platform file with spec: and no tiers:');
  return platformText.replace(/^spec:\n/m, `spec:\n  tiers:\n    batch: {value: ${value}, preemption: false}\n`);
}

/** The fixture platform file's text with queueing through Kueue off (`queueing.kueue: false`): plain ResourceQuotas. */
export function withoutKueue(platformText: string): string {
  const lines = platformText.split('\n');
  const index = lines.findIndex((line) => line === '    kueue: true');
  if (index < 0) throw new Error('the fixture platform file has no "    kueue: true" line');
  lines[index] = '    kueue: false';
  return lines.join('\n');
}

/**
 * A tenant `ddp` with a distributed training job, whose init container runs the
 * platform's utility image: with a utility image tagged `latest`, the one input the
 * loader accepts and the policies (MLP003) refuse. `waivers` is appended to its spec.
 */
export function distributedJobTenant(waivers = ''): string {
  return `${minimalTenant('ddp')}  quota:
    gpu: 2
  trainingJobs:
    - name: train
      image: registry.ml.example.com/ddp/trainer:1.0.0
      gpus: 1
      workers: 2
${waivers}`;
}
