/**
 * Fixtures shared by the tests: the example platform file, minimal tenant
 * files, and scratch directories holding a platform file and tenant files.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { PlatformFile, PlatformFileSchema } from '../../lib/schema/platform';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const EXAMPLE_PLATFORM_FILE = path.join(REPO_ROOT, 'platform.yaml');
export const EXAMPLE_TENANTS_DIR = path.join(REPO_ROOT, 'tenants');

/** The example platform file, parsed. */
export function examplePlatform(): PlatformFile {
  return PlatformFileSchema.parse(parse(fs.readFileSync(EXAMPLE_PLATFORM_FILE, 'utf8')));
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

/** A scratch directory with the example platform file and the given tenant files. */
export function scratchProject(tenants: Record<string, string>): { dir: string; platformFile: string; tenantsDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-test-'));
  const platformFile = path.join(dir, 'platform.yaml');
  const tenantsDir = path.join(dir, 'tenants');
  fs.copyFileSync(EXAMPLE_PLATFORM_FILE, platformFile);
  fs.mkdirSync(tenantsDir);
  for (const [file, text] of Object.entries(tenants)) {
    fs.writeFileSync(path.join(tenantsDir, file), text);
  }
  return { dir, platformFile, tenantsDir };
}
