/**
 * The program with one stack per tenant (mlp:part): the platform stack, a
 * tenant stack's check of the platform stack's output, its removal guard
 * and its decommission, against Pulumi's mocks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../../config/load';
import { synthesize } from '../../../stacks/pipeline';
import { Platform } from '../../../stacks/pulumi/platform';
import { PlatformOutput, canonicalJson, platformDigest, platformOutput } from '../../../stacks/pulumi/platform-output';
import { PROVIDER_NAME } from '../../../stacks/stack-names';
import { deployPlatform, withCustomResourceDefinitions } from '../../../stacks/pulumi/program';
import { StackPart, StackSettings } from '../../../stacks/pulumi/stack-settings';
import { Tenant } from '../../../stacks/pulumi/tenant';
import { PLATFORM_STACK, tenantStackName } from '../../../stacks/stack-names';
import { scratchProject, withBatchPriority } from '../../support/fixtures';
import { ORGANIZATION, PLATFORM_FILE, ProgramRun, Registration, RunOptions, TENANTS_DIR, kubeResources, runWithMocks, synthesizedFiles, tenantsDirWithout } from './harness';

const TENANT = 'vision';
const STACK = tenantStackName(TENANT);
const PLATFORM_REF = `${ORGANIZATION}/mlp/${PLATFORM_STACK}`;
const files = synthesizedFiles();
const tenantNames = loadConfig({ platformFile: PLATFORM_FILE, tenantsDir: TENANTS_DIR }).tenants.map((tenant) => tenant.name);

function settings(part: StackPart, overrides: Partial<StackSettings> = {}): StackSettings {
  return {
    part,
    platformStack: PLATFORM_STACK,
    clusterIdentifier: 'mlp-cluster',
    tenantsDir: TENANTS_DIR,
    platformFile: PLATFORM_FILE,
    decommission: [],
    skipAwait: false,
    crdFiles: [],
    ...overrides,
  };
}

/** The `platform` output of the fixture platform, as the platform stack records it. */
function fixturePlatformOutput(platformFile: string = PLATFORM_FILE): PlatformOutput {
  const { groups } = synthesize({ platformFile, tenantsDir: TENANTS_DIR }, { platform: true, tenants: [] });
  return platformOutput(withCustomResourceDefinitions(groups[0], []));
}

/** Runs the program as the stack of TENANT, with the platform stack's output (the fixture platform's unless given). */
function runTenantStack(options: Partial<RunOptions> & { settings?: Partial<StackSettings>; platform?: PlatformOutput | null }, recorded?: Map<string, Registration>) {
  const platform = options.platform === undefined ? fixturePlatformOutput() : options.platform;
  return runWithMocks(
    {
      program: async () => ({ ...(await deployPlatform(settings({ kind: 'tenant', tenant: TENANT }, options.settings))) }),
      stack: STACK,
      otherStacks: platform === null ? {} : { [PLATFORM_REF]: { platform } },
      ...options,
    },
    recorded,
  );
}

const messageOf = (run: Promise<unknown>) =>
  run.then(
    () => 'resolved',
    (error: Error) => error.message,
  );
const registeredTypes = (recorded: Map<string, Registration>) => [...recorded.values()].map((resource) => `${resource.type} ${resource.name}`);

let warnings: string[];
beforeEach(() => {
  warnings = [];
  jest.spyOn(console, 'warn').mockImplementation((message: string) => void warnings.push(message));
});
afterEach(() => jest.restoreAllMocks());

describe('the platform stack (mlp:part: platform)', () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runWithMocks({ program: async () => ({ ...(await deployPlatform(settings({ kind: 'platform' }))) }), stack: PLATFORM_STACK, preview: true });
  });

  test('registers the Platform component with exactly the platform objects of mlp synth, through the provider with the configured cluster identifier', () => {
    const components = [...run.resources.values()].filter((resource) => resource.type.startsWith('mlp:'));
    expect(components.map(({ type, name, parent }) => ({ type, name, parent }))).toEqual([{ type: Platform.TYPE, name: 'platform', parent: 'mlp-platform' }]);
    const platformFiles = [...files.keys()].filter((name) => name.startsWith('_platform/'));
    expect(platformFiles.length).toBeGreaterThan(5);
    expect(kubeResources(run).map((resource) => resource.name).sort()).toEqual(platformFiles.sort());
    expect(run.resources.get(PROVIDER_NAME)!.inputs).toEqual({ clusterIdentifier: 'mlp-cluster', enableServerSideApply: 'true' });
    expect(run.stackReferences).toEqual([]);
  });

  test('records the platform output: the digest, Namespaces and CRDs of the platform objects, and no tenants', () => {
    const namespaces = [...files].filter(([name, object]) => name.startsWith('_platform/') && object.kind === 'Namespace').map(([, object]) => object.metadata.name);
    expect(namespaces.length).toBeGreaterThan(0);
    expect(run.outputs).toEqual({ platform: { digest: expect.stringMatching(/^[0-9a-f]{64}$/), namespaces: namespaces.sort(), customResourceDefinitions: [] } });
    expect(run.outputs).toEqual({ platform: fixturePlatformOutput() });
  });

  test('loads every tenant file: a platform change that breaks a tenant fails before anything is registered', async () => {
    const project = scratchProject({ 'broken.yaml': 'apiVersion: platform.mlp.io/v1alpha1\nkind: Tenant\nmetadata:\n  name: broken\nspec: {}\n' });
    const recorded = new Map<string, Registration>();
    const failed = runWithMocks(
      { program: async () => ({ ...(await deployPlatform(settings({ kind: 'platform' }, { platformFile: project.platformFile, tenantsDir: project.tenantsDir }))) }), stack: PLATFORM_STACK },
      recorded,
    );
    expect(await messageOf(failed)).toMatch(/^mlp: \d+ problems? found:\n {2}.*broken\.yaml.*\nNothing was deployed; fix the files \(npx mlp validate\) and run again\.$/s);
    expect(registeredTypes(recorded)).toEqual(['pulumi:pulumi:Stack mlp-platform']);
  });
});

describe('the platform digest', () => {
  test('serializes canonically: the order of keys does not matter, values do', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'x', e: undefined })).toBe('{"a":"x","b":[2,{"c":null,"d":1}]}');
    const group = { dir: '_platform', source: 'platform.yaml', objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring', labels: { a: '1', b: '2' } } }] };
    const reordered = { ...group, objects: [{ metadata: { labels: { b: '2', a: '1' }, name: 'monitoring' }, kind: 'Namespace', apiVersion: 'v1' }] };
    const changed = { ...group, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring', labels: { a: '1', b: '3' } } }] };
    expect(platformDigest(reordered)).toBe(platformDigest(group));
    expect(platformDigest(changed)).not.toBe(platformDigest(group));
  });

  test('changes with a PriorityClass value of the platform file', () => {
    const project = scratchProject({});
    const text = fs.readFileSync(project.platformFile, 'utf8');
    expect(text).toMatch(/^spec:\n/m);
    fs.writeFileSync(project.platformFile, withBatchPriority(text, 1001));
    expect(fixturePlatformOutput(project.platformFile).digest).not.toBe(fixturePlatformOutput().digest);
  });
});

describe('a tenant stack (mlp:part: tenant:<tenant>)', () => {
  let run: ProgramRun;
  let single: ProgramRun;
  beforeAll(async () => {
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    run = await runTenantStack({ previousTenants: { [TENANT]: { protected: true } } });
    const everyTenant = Object.fromEntries(tenantNames.map((name) => [name, { protected: true }]));
    single = await runWithMocks({ program: async () => ({ ...(await deployPlatform(settings({ kind: 'all' }))) }), previousTenants: everyTenant });
  });

  test('reads its own last update, then the platform stack, before registering anything else', () => {
    expect(run.stackReferences).toEqual([`${ORGANIZATION}/mlp/${STACK}`, PLATFORM_REF]);
    expect([...run.resources.keys()].slice(0, 3)).toEqual([`mlp-${STACK}`, 'previous-update', 'platform']);
  });

  test('registers the one Tenant component with the same resources as the single stack, none of them depending on platform objects', () => {
    const components = [...run.resources.values()].filter((resource) => resource.type.startsWith('mlp:'));
    expect(components.map(({ type, name, parent }) => ({ type, name, parent }))).toEqual([{ type: Tenant.TYPE, name: TENANT, parent: `mlp-${STACK}` }]);
    const shape = ({ type, name, inputs, parent, protect }: Registration) => ({ type, name, inputs, parent, protect });
    const inSingle = kubeResources(single).filter((resource) => resource.parent === TENANT);
    expect(inSingle.length).toBe([...files.keys()].filter((name) => name.startsWith(`${TENANT}/`)).length);
    expect(kubeResources(run).map(shape)).toEqual(inSingle.map(shape));
    expect(kubeResources(run).filter((resource) => resource.dependsOn.some((name) => name.startsWith('_platform/')))).toEqual([]);
    expect(kubeResources(single).filter((resource) => resource.name === `${TENANT}/namespace-${TENANT}`)[0].dependsOn.length).toBeGreaterThan(0);
    expect(run.resources.get(PROVIDER_NAME)!.inputs).toEqual({ clusterIdentifier: 'mlp-cluster', enableServerSideApply: 'true' });
  });

  test('records its tenant, protected, in the tenants output', () => {
    expect(run.outputs).toEqual({ tenants: { [TENANT]: { protected: true } } });
  });

  test('reads the platform stack named by mlp:platformStack', async () => {
    const other = await runTenantStack({ settings: { platformStack: 'acme/mlp/prod-platform' }, otherStacks: { 'acme/mlp/prod-platform': { platform: fixturePlatformOutput() } } });
    expect(other.stackReferences).toEqual([`${ORGANIZATION}/mlp/${STACK}`, 'acme/mlp/prod-platform']);
    expect(kubeResources(other).length).toBe(kubeResources(run).length);
  });
});

describe('a tenant stack against the platform stack', () => {
  const neverDeployed =
    'stack tenant-vision needs the platform of stack platform, which has no "platform" output (never deployed); deploy stack platform first (npx mlp deploy --stack platform)';

  test('pulumi up fails before registering any object when the platform stack was never deployed', async () => {
    const recorded = new Map<string, Registration>();
    expect(await messageOf(runTenantStack({ platform: null }, recorded))).toBe(`mlp: ${neverDeployed}. Nothing was changed.`);
    expect(registeredTypes(recorded)).toEqual(['pulumi:pulumi:Stack mlp-tenant-vision', 'pulumi:pulumi:StackReference previous-update', 'pulumi:pulumi:StackReference platform']);
  });

  test('a preview warns when the platform stack was never deployed, and previews the tenant', async () => {
    const preview = await runTenantStack({ platform: null, preview: true });
    expect(warnings).toEqual([`warning: [runtime] mlp: ${neverDeployed}; \`pulumi up\` of this stack is refused until then`]);
    expect(kubeResources(preview).length).toBeGreaterThan(5);
  });

  test('pulumi up fails when the platform stack deployed other platform objects than this run synthesized; a preview warns', async () => {
    const deployed = { ...fixturePlatformOutput(), digest: 'ab'.repeat(32) };
    const synthesized = fixturePlatformOutput().digest;
    const problem =
      `the platform objects of this run (digest ${synthesized.slice(0, 12)}) differ from those stack platform deployed (digest abababababab); ` +
      'deploy stack platform first (npx mlp deploy --stack platform), then stack tenant-vision';
    const recorded = new Map<string, Registration>();
    expect(await messageOf(runTenantStack({ platform: deployed }, recorded))).toBe(`mlp: ${problem}. Nothing was changed.`);
    expect(kubeResources({ resources: recorded, outputs: {}, stackReferences: [] })).toEqual([]);
    const preview = await runTenantStack({ platform: deployed, preview: true });
    expect(warnings).toEqual([`warning: [runtime] mlp: ${problem}; \`pulumi up\` of this stack is refused until then`]);
    expect(kubeResources(preview).length).toBeGreaterThan(5);
  });

  test('includes the CRD files in the digest it compares', async () => {
    const crds = path.join(scratchProject({}).dir, 'crds.yaml');
    fs.writeFileSync(
      crds,
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec: {group: example.com, names: {kind: Widget, plural: widgets}, scope: Namespaced, versions: []}\n',
    );
    const { groups } = synthesize({ platformFile: PLATFORM_FILE, tenantsDir: TENANTS_DIR }, { platform: true, tenants: [] });
    const withCrds = platformOutput(withCustomResourceDefinitions(groups[0], [crds]));
    expect(withCrds.customResourceDefinitions).toEqual(['widgets.example.com']);
    expect(await messageOf(runTenantStack({ platform: withCrds, settings: { crdFiles: [crds] } }))).toBe('resolved');
    expect(await messageOf(runTenantStack({ platform: withCrds }))).toMatch(/^mlp: the platform objects of this run \(digest [0-9a-f]{12}\) differ/);
  });

  test('fails when the platform output is malformed', async () => {
    expect(await messageOf(runTenantStack({ platform: { digest: 'x' } as unknown as PlatformOutput }))).toBe(
      'the output "platform" of stack platform is not { digest, namespaces, customResourceDefinitions }: {"digest":"x"}; deploy stack platform again (npx mlp deploy --stack platform). Nothing was changed.',
    );
  });
});

describe('a tenant stack whose tenant file is gone', () => {
  const scratch: string[] = [];
  const withoutTenant = () => {
    const dir = tenantsDirWithout(TENANT);
    scratch.push(dir);
    return dir;
  };
  afterAll(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const steps = (tenantsDir: string) => [
    `If ${tenantsDir}/vision.yaml was removed by mistake, restore it. To decommission tenant "vision" on purpose (docs/deploy.md#decommissioning-a-tenant-stack):`,
    `  1. with ${tenantsDir}/vision.yaml in place, add "vision" to mlp:decommission in the environment's settings file and run \`npx mlp deploy --stack tenant-vision\`; this unprotects its namespace and checkpoint volumes and deletes nothing;`,
    `  2. delete ${tenantsDir}/vision.yaml and run \`npx mlp deploy --stack tenant-vision\`; this deletes the tenant;`,
    '  3. remove the stack (pulumi stack rm --force tenant-vision) and "vision" from mlp:decommission.',
  ];

  test('refuses the update with the decommission steps of a tenant stack, before registering any object', async () => {
    const tenantsDir = withoutTenant();
    const recorded = new Map<string, Registration>();
    const failed = runTenantStack({ previousTenants: { [TENANT]: { protected: true } }, settings: { tenantsDir } }, recorded);
    expect(await messageOf(failed)).toBe(
      [
        'refusing to update stack tenant-vision: it would delete tenants that are not being decommissioned. Nothing was changed.',
        `  - tenant "vision" is deployed, but ${tenantsDir}/vision.yaml is gone; deleting it would delete namespace vision with every workload and checkpoint volume in it`,
        ...steps(tenantsDir),
      ].join('\n'),
    );
    expect(registeredTypes(recorded)).toEqual(['pulumi:pulumi:Stack mlp-tenant-vision', 'pulumi:pulumi:StackReference previous-update']);
  });

  test('refuses when the tenant is listed in mlp:decommission but was deployed protected (step 1 skipped)', async () => {
    const tenantsDir = withoutTenant();
    const failed = runTenantStack({ previousTenants: { [TENANT]: { protected: true } }, settings: { tenantsDir, decommission: [TENANT] } });
    expect(await messageOf(failed)).toBe(
      [
        'refusing to update stack tenant-vision: it would delete tenants that are not being decommissioned. Nothing was changed.',
        `  - tenant "vision" is listed in mlp:decommission, but the last update deployed it protected; restore ${tenantsDir}/vision.yaml and run \`npx mlp deploy --stack tenant-vision\` first (step 1), then delete the file again`,
        ...steps(tenantsDir),
      ].join('\n'),
    );
  });

  test('registers nothing when the tenant is listed in mlp:decommission and was deployed unprotected (step 2), so Pulumi deletes its objects', async () => {
    const tenantsDir = withoutTenant();
    const deleted = await runTenantStack({ previousTenants: { [TENANT]: { protected: false } }, settings: { tenantsDir, decommission: ['nlp', TENANT] } });
    expect(registeredTypes(new Map(deleted.resources))).toEqual(['pulumi:pulumi:Stack mlp-tenant-vision', 'pulumi:pulumi:StackReference previous-update']);
    expect(deleted.outputs).toEqual({ tenants: {} });
    expect(warnings).toEqual(['warning: [runtime] deleting tenant "vision" (listed in mlp:decommission): its namespace, workloads and checkpoint volumes']);
  });

  test('after the deletion, registers nothing and tells to remove the stack (step 3)', async () => {
    const tenantsDir = withoutTenant();
    const after = await runTenantStack({ previousTenants: {}, settings: { tenantsDir, decommission: [TENANT] } });
    expect(registeredTypes(new Map(after.resources))).toEqual(['pulumi:pulumi:Stack mlp-tenant-vision', 'pulumi:pulumi:StackReference previous-update']);
    expect(after.outputs).toEqual({ tenants: {} });
    expect(warnings).toEqual([
      'warning: [runtime] tenant "vision" is deleted and stack tenant-vision holds no object of the cluster (step 3): remove the stack (pulumi stack rm --force tenant-vision) and "vision" from mlp:decommission',
    ]);
  });

  test('fails naming the file when the stack never deployed the tenant', async () => {
    const tenantsDir = withoutTenant();
    const recorded = new Map<string, Registration>();
    expect(await messageOf(runTenantStack({ settings: { tenantsDir } }, recorded))).toBe(
      `mlp:part: "tenant:vision": ${tenantsDir}/vision.yaml does not exist, and stack tenant-vision never deployed tenant "vision"; add the file, or remove the stack (pulumi stack rm --force tenant-vision). Nothing was changed.`,
    );
    expect(registeredTypes(recorded)).toEqual(['pulumi:pulumi:Stack mlp-tenant-vision', 'pulumi:pulumi:StackReference previous-update']);
  });
});

describe('decommissioning in a tenant stack', () => {
  test('step 1 unprotects its namespace and checkpoint volumes and records it unprotected', async () => {
    const run = await runTenantStack({ previousTenants: { [TENANT]: { protected: true } }, settings: { decommission: [TENANT] } });
    const resources = kubeResources(run);
    expect(resources.filter((resource) => resource.name === `${TENANT}/namespace-${TENANT}` || resource.inputs.kind === 'PersistentVolumeClaim').length).toBeGreaterThan(1);
    expect(resources.filter((resource) => resource.protect !== false)).toEqual([]);
    expect(run.outputs).toEqual({ tenants: { [TENANT]: { protected: false } } });
    expect(warnings).toEqual([
      `warning: [runtime] tenant "vision" is listed in mlp:decommission: its namespace and checkpoint volumes are not protected; delete ${TENANTS_DIR}/vision.yaml and run \`npx mlp deploy --stack tenant-vision\` to delete the tenant, or remove it from mlp:decommission to protect it again`,
    ]);
  });

  test('another tenant in mlp:decommission (the settings file is shared) changes nothing in this stack and warns nothing', async () => {
    const run = await runTenantStack({ previousTenants: { [TENANT]: { protected: true } }, settings: { decommission: ['nlp', 'gone'] } });
    expect(kubeResources(run).filter((resource) => resource.protect === true).map((resource) => resource.name)).toEqual(
      expect.arrayContaining([`${TENANT}/namespace-${TENANT}`]),
    );
    expect(run.outputs).toEqual({ tenants: { [TENANT]: { protected: true } } });
    expect(warnings).toEqual([]);
  });

  test('refuses a stack whose last update deployed another tenant (mlp:part changed)', async () => {
    const recorded = new Map<string, Registration>();
    expect(await messageOf(runTenantStack({ previousTenants: { nlp: { protected: true } } }, recorded))).toBe(
      'refusing to update stack tenant-vision: its last update deployed tenant "nlp", but mlp:part is "tenant:vision"; a tenant stack deploys one tenant, and this update would delete the other: set mlp:part back to "tenant:nlp". Nothing was changed.',
    );
    expect(kubeResources({ resources: recorded, outputs: {}, stackReferences: [] })).toEqual([]);
  });
});

describe('a tenant stack synthesizes only the platform and its own tenant', () => {
  test('calls synthesis for its tenant only', async () => {
    const synth = jest.requireActual<typeof import('../../../stacks/synth')>('../../../stacks/synth');
    const synthesizeTenant = jest.spyOn(synth, 'synthesizeTenant');
    const platform = fixturePlatformOutput();
    const synthesizePlatform = jest.spyOn(synth, 'synthesizePlatform');
    await runTenantStack({ previousTenants: { [TENANT]: { protected: true } }, platform });
    expect(tenantNames.length).toBeGreaterThan(1);
    expect(synthesizeTenant.mock.calls.map(([, tenant]) => tenant.name)).toEqual([TENANT]);
    expect(synthesizePlatform).toHaveBeenCalledTimes(1);
  });
});
