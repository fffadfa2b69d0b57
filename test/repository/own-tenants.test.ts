/**
 * A platform team replaces the example tenants with its own, as the README's
 * "Adding a tenant" says, and changes the platform file: the suite's
 * repository checks must pass in that repository once `mlp synth` has
 * refreshed dist/. Every other test reads test/fixtures/ or builds its own
 * inputs, so it cannot see the change at all.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseDocument } from 'yaml';
import { runMlp } from '../support/cli';
import { REPO_ROOT } from '../support/fixtures';

/** The tests that read the repository's own files: tenants/, platform.yaml, dist/, schema/, .github/, docs/. */
const REPOSITORY_CHECKS = ['test/repository/dist.test.ts', 'test/config/schema/json-schema.test.ts', 'test/ci/workflows.test.ts'];

/** A jest run in the copy transforms its TypeScript afresh: about 8 s on an idle machine. */
const JEST_TIMEOUT_MS = 180_000;

/** A new tenant as the README's "Adding a tenant" writes one, under a name no repository is likely to have. */
const NEW_TENANT = 'own-tenants-check';
const NEW_TENANT_FILE = `# yaml-language-server: $schema=../schema/tenant.schema.json
apiVersion: platform.mlp.io/v1alpha1
kind: Tenant
metadata:
  name: ${NEW_TENANT}
spec:
  costCenter: cc-3001
  owners:
    - group: ${NEW_TENANT}-leads
`;

/** Copies the files git knows of (committed or not, minus ignored ones) to `to`, and links node_modules. */
function copyRepository(to: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const files = listed.split('\0').filter((file) => file !== '' && file !== 'node_modules' && !file.startsWith('node_modules/'));
  expect(files).toContain('platform.yaml');
  for (const file of new Set(files)) {
    const from = path.join(REPO_ROOT, file);
    if (!fs.existsSync(from)) continue; // deleted in the work tree, not yet committed
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(from, path.join(to, file));
  }
  fs.symlinkSync(fs.realpathSync(path.join(REPO_ROOT, 'node_modules')), path.join(to, 'node_modules'));
}

describe('a repository whose example tenants were replaced', () => {
  let copy: string;
  /** The platform's default pod quota in the copy, one more than the repository's. */
  let pods: number;
  beforeAll(() => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-own-tenants-'));
    copyRepository(copy);
    for (const file of fs.readdirSync(path.join(copy, 'tenants'))) fs.rmSync(path.join(copy, 'tenants', file));
    fs.writeFileSync(path.join(copy, 'tenants', `${NEW_TENANT}.yaml`), NEW_TENANT_FILE);
    const platform = parseDocument(fs.readFileSync(path.join(copy, 'platform.yaml'), 'utf8'));
    pods = Number(platform.getIn(['spec', 'defaults', 'quota', 'pods'])) + 1;
    expect(pods).toBeGreaterThan(1);
    platform.setIn(['spec', 'defaults', 'quota', 'pods'], pods);
    fs.writeFileSync(path.join(copy, 'platform.yaml'), platform.toString());
  });
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

  /** Runs jest on `files` in the copy, as CI would there. */
  const jestInCopy = (files: readonly string[]) =>
    spawnSync(process.execPath, [path.join(copy, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--runInBand', '--no-watchman', '--runTestsByPath', ...files], {
      cwd: copy,
      encoding: 'utf8',
    });

  test('fails the dist/ check before `mlp synth`: the check reads the copy\'s tenants', () => {
    const jest = jestInCopy(['test/repository/dist.test.ts']);
    expect(jest.status).toBe(1);
    expect(jest.stderr).toContain(`"${NEW_TENANT}/namespace-${NEW_TENANT}.yaml"`);
  }, JEST_TIMEOUT_MS);

  test('passes the repository checks after `mlp synth`', () => {
    const synth = runMlp(copy, 'synth');
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({ status: 0, stderr: '' });
    expect(fs.readdirSync(path.join(copy, 'dist')).sort()).toEqual(['.mlp-output', '_platform', NEW_TENANT]);
    const quota = parse(fs.readFileSync(path.join(copy, 'dist', NEW_TENANT, 'resourcequota-tenant-quota.yaml'), 'utf8'));
    expect(quota.spec.hard.pods).toBe(String(pods));

    const jest = jestInCopy(REPOSITORY_CHECKS);
    expect({ status: jest.status, output: jest.stderr }).toEqual({ status: 0, output: expect.stringContaining(`Test Suites: ${REPOSITORY_CHECKS.length} passed, ${REPOSITORY_CHECKS.length} total`) });
  }, JEST_TIMEOUT_MS);
});
