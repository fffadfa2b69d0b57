import * as fs from 'fs';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import main = require('../../../stacks/pulumi/index');
import * as os from 'os';
import { projectDirectory, readStackSettings } from '../../../stacks/pulumi/stack-settings';
import { REPO_ROOT, minimalTenant, scratchProject } from '../../support/fixtures';
import { ORGANIZATION, PLATFORM_FILE, PROJECT, STACK, kubeResources, runWithMocks, tenantsDirWithout } from './harness';

/** Reads the settings with the given stack configuration. */
async function settingsWith(config: Record<string, string>) {
  await pulumi.runtime.setMocks({ newResource: () => ({ id: undefined, state: {} }), call: () => ({}) }, PROJECT, STACK, false, ORGANIZATION);
  pulumi.runtime.setAllConfig(config);
  return readStackSettings();
}

describe('readStackSettings', () => {
  test('defaults to the ambient kubeconfig, tenants/, platform.yaml, no decommission, readiness waits on', async () => {
    expect(await settingsWith({})).toEqual({
      part: { kind: 'all' },
      platformStack: 'platform',
      clusterIdentifier: 'mlp-dev',
      tenantsDir: 'tenants',
      platformFile: 'platform.yaml',
      decommission: [],
      skipAwait: false,
      crdFiles: [],
    });
  });

  test('reads every setting, resolving the kubeconfig path', async () => {
    expect(
      await settingsWith({
        'mlp:kubeconfig': 'clusters/kind.yaml',
        'mlp:context': 'kind-mlp',
        'mlp:clusterIdentifier': 'eu-prod-1',
        'mlp:tenantsDir': 'teams',
        'mlp:platformFile': 'cluster.yaml',
        'mlp:decommission': '["vision","nlp","vision"]',
        'mlp:skipAwait': 'true',
        'mlp:crdFiles': '["crds/prometheusrules.yaml"]',
        'mlp:part': 'tenant:vision',
        'mlp:platformStack': 'acme/mlp/prod-platform',
      }),
    ).toEqual({
      part: { kind: 'tenant', tenant: 'vision' },
      platformStack: 'acme/mlp/prod-platform',
      kubeconfig: path.resolve('clusters/kind.yaml'),
      context: 'kind-mlp',
      clusterIdentifier: 'eu-prod-1',
      tenantsDir: 'teams',
      platformFile: 'cluster.yaml',
      decommission: ['nlp', 'vision'],
      skipAwait: true,
      crdFiles: [path.resolve('crds/prometheusrules.yaml')],
    });
  });

  test('every setting is shown in Pulumi.dev.yaml and documented in docs/deploy.md', async () => {
    const keys = Object.keys(
      await settingsWith({ 'mlp:kubeconfig': 'k.yaml', 'mlp:context': 'c', 'mlp:crdFiles': '["crds.yaml"]', 'mlp:decommission': '["vision"]' }),
    ).sort();
    expect(keys).toEqual(['clusterIdentifier', 'context', 'crdFiles', 'decommission', 'kubeconfig', 'part', 'platformFile', 'platformStack', 'skipAwait', 'tenantsDir']);
    const example = fs.readFileSync(path.join(REPO_ROOT, 'Pulumi.dev.yaml'), 'utf8');
    const documentation = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    expect(keys.filter((key) => !new RegExp(`^  (# )?mlp:${key}:`, 'm').test(example))).toEqual([]);
    expect(keys.filter((key) => !documentation.includes(`| \`mlp:${key}\` |`))).toEqual([]);
  });

  test.each([
    ['vision', 'mlp:decommission: expected a list of tenant names, e.g. ["vision"], got "vision"'],
    ['{"vision":true}', 'mlp:decommission: expected a list of tenant names, e.g. ["vision"], got {"vision":true}'],
    ['["Vision", 3]', `mlp:decommission: "Vision", 3 are not tenant names (lowercase letters, digits and '-')`],
  ])('fails when mlp:decommission is %s', async (value, message) => {
    await expect(settingsWith({ 'mlp:decommission': value })).rejects.toThrow(message);
  });

  test('fails when mlp:crdFiles is not a list of paths', async () => {
    await expect(settingsWith({ 'mlp:crdFiles': '"crds.yaml"' })).rejects.toThrow('mlp:crdFiles: expected a list of YAML file paths, got "crds.yaml"');
  });

  test.each([
    ['platform', { kind: 'platform' }],
    ['all', { kind: 'all' }],
    ['tenant:nlp', { kind: 'tenant', tenant: 'nlp' }],
  ])('reads mlp:part %s', async (value, part) => {
    expect((await settingsWith({ 'mlp:part': value, 'mlp:clusterIdentifier': 'eu-prod-1' })).part).toEqual(part);
  });

  test.each([
    ['tenants', `mlp:part: "tenants" is not a part; expected "all", "platform" or "tenant:<tenant>" (e.g. "tenant:vision")`],
    ['tenant-nlp', `mlp:part: "tenant-nlp" is not a part; expected "all", "platform" or "tenant:<tenant>" (e.g. "tenant:vision")`],
    ['tenant:', `mlp:part: "tenant:" names no tenant ("" is not a tenant name: lowercase letters, digits and '-'); expected "all", "platform" or "tenant:<tenant>" (e.g. "tenant:vision")`],
    ['tenant:NLP', `mlp:part: "tenant:NLP" names no tenant ("NLP" is not a tenant name: lowercase letters, digits and '-'); expected "all", "platform" or "tenant:<tenant>" (e.g. "tenant:vision")`],
  ])('fails when mlp:part is %s', async (value, message) => {
    await expect(settingsWith({ 'mlp:part': value, 'mlp:clusterIdentifier': 'eu-prod-1' })).rejects.toThrow(new pulumi.RunError(message));
  });

  test.each(['platform', 'tenant:nlp'])('fails when mlp:part is %s and mlp:clusterIdentifier is not set', async (part) => {
    await expect(settingsWith({ 'mlp:part': part })).rejects.toThrow(
      new pulumi.RunError(
        `mlp:clusterIdentifier: required when mlp:part is "${part}"; set the same value in every stack of the cluster: ` +
          `under npx mlp deploy/preview in the environment's settings file (mlp rewrites each stack's configuration from it), ` +
          `otherwise with pulumi config set mlp:clusterIdentifier <id>. When moving from a single stack, use that stack's identifier: ` +
          `its mlp:clusterIdentifier, or mlp-<old stack> if it was never set; any other value replaces every moved object`,
      ),
    );
  });

  test('fails when mlp:platformStack is not a stack name', async () => {
    await expect(settingsWith({ 'mlp:platformStack': 'a/b/c/d' })).rejects.toThrow(
      new pulumi.RunError('mlp:platformStack: "a/b/c/d" is not a stack name; expected a name such as "platform" or "<organization>/<project>/platform"'),
    );
  });

  test('fails when mlp:skipAwait is not a boolean', async () => {
    await expect(settingsWith({ 'mlp:skipAwait': 'yes' })).rejects.toThrow(/mlp:skipAwait/);
  });
});

describe('projectDirectory', () => {
  test('finds the directory of Pulumi.yaml above the directory Pulumi runs the program in', () => {
    expect(projectDirectory(path.join(REPO_ROOT, 'build', 'stacks', 'pulumi'))).toBe(REPO_ROOT);
    expect(projectDirectory(REPO_ROOT)).toBe(REPO_ROOT);
  });

  test('fails outside a Pulumi project', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-no-project-'));
    try {
      expect(() => projectDirectory(dir)).toThrow(`no Pulumi.yaml in ${dir} or any directory above it`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the entry point', () => {
  test('reads tenants/ and platform.yaml of the project directory when Pulumi runs it in build/stacks/pulumi', async () => {
    const project = scratchProject({ 'alpha.yaml': minimalTenant('alpha'), 'beta.yaml': minimalTenant('beta') });
    const dir = fs.realpathSync(project.dir);
    fs.writeFileSync(path.join(dir, 'Pulumi.yaml'), 'name: mlp\nruntime: nodejs\n');
    fs.mkdirSync(path.join(dir, 'build', 'stacks', 'pulumi'), { recursive: true });
    const cwd = process.cwd();
    process.chdir(path.join(dir, 'build', 'stacks', 'pulumi'));
    try {
      const run = await runWithMocks({ program: async () => ({ ...(await main()) }) });
      expect(process.cwd()).toBe(dir);
      const tenants = [...run.resources.values()].filter((resource) => resource.type === 'mlp:platform:Tenant').map((resource) => resource.name);
      expect(tenants).toEqual(['alpha', 'beta']);
    } finally {
      process.chdir(cwd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('deploys with the stack configuration: provider settings, tenant files and skipAwait', async () => {
    const tenantsDir = tenantsDirWithout();
    const removed = fs.readdirSync(tenantsDir).sort()[0];
    fs.rmSync(path.join(tenantsDir, removed));
    try {
      const run = await runWithMocks({
        program: async () => ({ ...(await main()) }),
        config: {
          'mlp:kubeconfig': '/etc/mlp/kubeconfig',
          'mlp:context': 'kind-mlp',
          'mlp:tenantsDir': tenantsDir,
          'mlp:platformFile': PLATFORM_FILE,
          'mlp:skipAwait': 'true',
        },
      });
      expect(run.resources.get('kubernetes')!.inputs).toEqual({
        kubeconfig: '/etc/mlp/kubeconfig',
        context: 'kind-mlp',
        clusterIdentifier: 'mlp-dev',
        enableServerSideApply: 'true',
      });
      const tenants = [...run.resources.values()].filter((resource) => resource.type === 'mlp:platform:Tenant').map((resource) => `${resource.name}.yaml`);
      expect(tenants).toEqual(fs.readdirSync(tenantsDir).sort());
      expect(tenants).not.toContain(removed);
      const notSkipping = kubeResources(run).filter(
        (resource) => ((resource.inputs.metadata as { annotations?: Record<string, string> }).annotations ?? {})['pulumi.com/skipAwait'] !== 'true',
      );
      expect(notSkipping).toEqual([]);
      expect(Object.keys(run.outputs)).toEqual(['tenants']);
    } finally {
      fs.rmSync(tenantsDir, { recursive: true, force: true });
    }
  });
});
