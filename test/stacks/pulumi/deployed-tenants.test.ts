import * as fs from 'fs';
import * as pulumi from '@pulumi/pulumi';
import { checkTenantRemovals, parseDeployedTenants, removalErrorMessage } from '../../../stacks/pulumi/deployed-tenants';
import { deployPlatform } from '../../../stacks/pulumi/program';
import { StackSettings } from '../../../stacks/pulumi/stack-settings';
import { PLATFORM_FILE, Registration, TENANTS_DIR, kubeResources, runWithMocks, synthesizedFiles, tenantsDirWithout } from './harness';

/** The fixture tenants, and one of them that has a checkpoint volume: the one the tests remove. */
const files = synthesizedFiles();
const tenantNames = [...new Set([...files.keys()].map((name) => name.split('/')[0]))].filter((dir) => dir !== '_platform').sort();
const checkpoint = [...files.keys()].find((name) => (files.get(name)!.metadata.labels as Record<string, string>)['mlp.io/data'] === 'checkpoint');
if (checkpoint === undefined) throw new Error('the fixture tenants have no checkpoint volume, which these tests need');
const victim = checkpoint.split('/')[0];
const others = tenantNames.filter((name) => name !== victim);

function settings(tenantsDir: string, decommission: string[] = []): StackSettings {
  return { part: { kind: 'all' }, platformStack: 'platform', clusterIdentifier: 'mlp-dev', tenantsDir, platformFile: PLATFORM_FILE, decommission, skipAwait: false, crdFiles: [] };
}

const deployedAll = (overrides: Record<string, { protected: boolean }> = {}) => ({
  ...Object.fromEntries(tenantNames.map((name) => [name, { protected: true }])),
  ...overrides,
});

describe('removing a tenant file', () => {
  const scratch: string[] = [];
  const without = (...tenants: string[]) => {
    const dir = tenantsDirWithout(...tenants);
    scratch.push(dir);
    return dir;
  };
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    jest.spyOn(console, 'warn').mockImplementation((message: string) => void warnings.push(message));
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  test('fails with the decommission steps before any resource is registered when the tenant is not decommissioned', async () => {
    const tenantsDir = without(victim);
    const recorded = new Map<string, Registration>();
    const run = runWithMocks({ program: async () => ({ ...(await deployPlatform(settings(tenantsDir))) }), previousTenants: deployedAll() }, recorded);

    await expect(run).rejects.toThrow(pulumi.RunError);
    await expect(run).rejects.toThrow(
      [
        'refusing to update stack dev: it would delete tenants that are not being decommissioned. Nothing was changed.',
        `  - tenant "${victim}" is deployed, but ${tenantsDir}/${victim}.yaml is gone; deleting it would delete namespace ${victim} with every workload and checkpoint volume in it`,
        'If a tenant file was removed by mistake, restore it. To decommission a tenant on purpose (docs/deploy.md):',
        `  1. with ${tenantsDir}/<tenant>.yaml in place, add the tenant to mlp:decommission (pulumi config set --path 'mlp:decommission[0]' <tenant>) and run \`pulumi up\`; this unprotects its namespace and checkpoint volumes and deletes nothing;`,
        `  2. delete ${tenantsDir}/<tenant>.yaml and run \`pulumi up\`; this deletes the tenant;`,
        '  3. remove the tenant from mlp:decommission.',
      ].join('\n'),
    );
    expect([...recorded.values()].map((resource) => resource.type)).toEqual(['pulumi:pulumi:Stack', 'pulumi:pulumi:StackReference']);
  });

  test('fails naming every removed tenant at once', async () => {
    const tenantsDir = without(...tenantNames);
    const run = runWithMocks({ program: async () => ({ ...(await deployPlatform(settings(tenantsDir))) }), previousTenants: deployedAll() });
    const message = await run.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message.split('\n').filter((line) => line.startsWith('  - '))).toEqual(
      tenantNames.map((name) => expect.stringContaining(`tenant "${name}" is deployed, but ${tenantsDir}/${name}.yaml is gone`)),
    );
  });

  test('fails when the tenant is listed in mlp:decommission but was deployed protected (step 1 skipped)', async () => {
    const tenantsDir = without(victim);
    const recorded = new Map<string, Registration>();
    const run = runWithMocks({ program: async () => ({ ...(await deployPlatform(settings(tenantsDir, [victim]))) }), previousTenants: deployedAll() }, recorded);
    await expect(run).rejects.toThrow(
      `  - tenant "${victim}" is listed in mlp:decommission, but the last update deployed it protected; restore ${tenantsDir}/${victim}.yaml and run \`pulumi up\` first (step 1), then delete the file again\n`,
    );
    expect([...recorded.values()].filter((resource) => resource.type.startsWith('kubernetes:') || resource.type.startsWith('mlp:'))).toEqual([]);
  });

  test('deletes a tenant listed in mlp:decommission that the last update deployed unprotected (step 2)', async () => {
    const tenantsDir = without(victim);
    const run = await runWithMocks({
      program: async () => ({ ...(await deployPlatform(settings(tenantsDir, [victim]))) }),
      previousTenants: deployedAll({ [victim]: { protected: false } }),
    });
    expect([...run.resources.values()].filter((resource) => resource.type === 'mlp:platform:Tenant').map((resource) => resource.name)).toEqual(others);
    expect(kubeResources(run).filter((resource) => resource.name.startsWith(`${victim}/`))).toEqual([]);
    expect(run.outputs).toEqual({ tenants: Object.fromEntries(others.map((name) => [name, { protected: true }])) });
    expect(warnings).toEqual([
      `warning: [runtime] deleting tenant "${victim}" (listed in mlp:decommission): its namespace, workloads and checkpoint volumes`,
    ]);
  });

  test('leaves the tenant out after it is deleted, warning that its mlp:decommission entry is stale', async () => {
    const tenantsDir = without(victim);
    const previous = Object.fromEntries(others.map((name) => [name, { protected: true }]));
    const run = await runWithMocks({ program: async () => ({ ...(await deployPlatform(settings(tenantsDir, [victim]))) }), previousTenants: previous });
    expect(run.outputs).toEqual({ tenants: previous });
    expect(warnings).toEqual([
      `warning: [runtime] mlp:decommission lists "${victim}", which has no file in ${tenantsDir}/ and is not deployed; remove it from mlp:decommission`,
    ]);
  });
});

describe('decommissioning a tenant whose file still exists (step 1)', () => {
  test('unprotects its namespace and checkpoint volumes, keeps the other tenants protected, and records it unprotected', async () => {
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const tenantsDir = tenantsDirWithout();
    try {
      const run = await runWithMocks({ program: async () => ({ ...(await deployPlatform(settings(tenantsDir, [victim]))) }), previousTenants: deployedAll() });
      const victimResources = kubeResources(run).filter((resource) => resource.parent === victim);
      expect(victimResources.length).toBe([...files.keys()].filter((name) => name.startsWith(`${victim}/`)).length);
      expect(victimResources.filter((resource) => resource.protect !== false)).toEqual([]);
      const protectedNames = kubeResources(run)
        .filter((resource) => resource.protect === true)
        .map((resource) => resource.name);
      expect(protectedNames).toEqual(expect.arrayContaining(others.map((name) => `${name}/namespace-${name}`)));
      expect(protectedNames.filter((name) => name.startsWith(`${victim}/`))).toEqual([]);
      expect(run.outputs).toEqual({ tenants: { ...deployedAll(), [victim]: { protected: false } } });
      expect(console.warn).toHaveBeenCalledWith(
        `warning: [runtime] tenant "${victim}" is listed in mlp:decommission: its namespace and checkpoint volumes are not protected; delete ${tenantsDir}/${victim}.yaml and run \`pulumi up\` to delete the tenant, or remove it from mlp:decommission to protect it again`,
      );
    } finally {
      jest.restoreAllMocks();
      fs.rmSync(tenantsDir, { recursive: true, force: true });
    }
  });
});

describe('checkTenantRemovals', () => {
  const base = { stack: 'dev', tenantsDir: 'tenants' };

  test('allows a first deployment, and tenants added or kept', () => {
    expect(checkTenantRemovals({ ...base, deployed: {}, current: ['a', 'b'], decommission: [] })).toEqual({ errors: [], warnings: [], deleting: [] });
    expect(checkTenantRemovals({ ...base, deployed: { a: { protected: true } }, current: ['a', 'b'], decommission: [] })).toEqual({
      errors: [],
      warnings: [],
      deleting: [],
    });
  });

  test('fails when a deployed tenant has no file, whether or not it was protected', () => {
    const report = checkTenantRemovals({ ...base, deployed: { a: { protected: true }, b: { protected: false } }, current: [], decommission: [] });
    expect(report.errors).toEqual([
      'tenant "a" is deployed, but tenants/a.yaml is gone; deleting it would delete namespace a with every workload and checkpoint volume in it',
      'tenant "b" is deployed, but tenants/b.yaml is gone; deleting it would delete namespace b with every workload and checkpoint volume in it',
    ]);
    expect(report.deleting).toEqual([]);
  });

  test('deletes only decommissioned tenants deployed unprotected', () => {
    const report = checkTenantRemovals({
      ...base,
      deployed: { a: { protected: false }, b: { protected: true }, c: { protected: false } },
      current: ['c'],
      decommission: ['a', 'b', 'c'],
    });
    expect(report.deleting).toEqual(['a']);
    expect(report.errors).toEqual([
      'tenant "b" is listed in mlp:decommission, but the last update deployed it protected; restore tenants/b.yaml and run `pulumi up` first (step 1), then delete the file again',
    ]);
  });

  test('formats one error for all removed tenants, with the decommission steps', () => {
    expect(removalErrorMessage('prod', 'teams', ['first', 'second']).split('\n').slice(0, 4)).toEqual([
      'refusing to update stack prod: it would delete tenants that are not being decommissioned. Nothing was changed.',
      '  - first',
      '  - second',
      'If a tenant file was removed by mistake, restore it. To decommission a tenant on purpose (docs/deploy.md):',
    ]);
  });
});

describe('parseDeployedTenants', () => {
  test('reads a stack that has no tenants output as one that deployed none', () => {
    expect(parseDeployedTenants(undefined)).toEqual({});
  });

  test('reads the recorded tenants', () => {
    expect(parseDeployedTenants({ a: { protected: true }, b: { protected: false } })).toEqual({ a: { protected: true }, b: { protected: false } });
  });

  test.each([[['a', 'b']], ['a'], [{ a: true }], [{ a: { protected: 'yes' } }]])('fails when the output is %j', (value) => {
    expect(() => parseDeployedTenants(value)).toThrow(
      `the stack output "tenants" of the last update is not a map of tenant names to { protected: boolean }: ${JSON.stringify(value)}; refusing to guess which tenants are deployed`,
    );
  });

  test('fails the update before registering Kubernetes resources when the output is malformed', async () => {
    const recorded = new Map<string, Registration>();
    const run = runWithMocks({ program: async () => ({ ...(await deployPlatform(settings(TENANTS_DIR))) }), previousTenants: ['vision'] }, recorded);
    await expect(run).rejects.toThrow('the stack output "tenants" of the last update is not a map of tenant names');
    expect([...recorded.values()].map((resource) => resource.type)).toEqual(['pulumi:pulumi:Stack', 'pulumi:pulumi:StackReference']);
  });
});
