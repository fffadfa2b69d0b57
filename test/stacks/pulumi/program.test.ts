import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { displayPath, loadConfig } from '../../../config/load';
import { DELETION_PROPAGATION_ANNOTATION, PATCH_FORCE_ANNOTATION, SKIP_AWAIT_ANNOTATION } from '../../../stacks/pulumi/kube-objects';
import { Platform } from '../../../stacks/pulumi/platform';
import { PROVIDER_NAME } from '../../../stacks/stack-names';
import { deployPlatform } from '../../../stacks/pulumi/program';
import { StackSettings } from '../../../stacks/pulumi/stack-settings';
import { Tenant } from '../../../stacks/pulumi/tenant';
import { KubeObject } from '../../../policy/kube-object';
import { distributedJobTenant, scratchProject } from '../../support/fixtures';
import { PLATFORM_FILE, ProgramRun, TENANTS_DIR, kubeResources, runWithMocks, synthesizedFiles, typeToken } from './harness';

function settings(overrides: Partial<StackSettings> = {}): StackSettings {
  return { part: { kind: 'all' }, platformStack: 'platform', clusterIdentifier: 'mlp-dev', tenantsDir: TENANTS_DIR, platformFile: PLATFORM_FILE, decommission: [], skipAwait: false, crdFiles: [], ...overrides };
}

const tenantNames = loadConfig({ platformFile: PLATFORM_FILE, tenantsDir: TENANTS_DIR }).tenants.map((tenant) => tenant.name);
const annotations = (inputs: Record<string, unknown>) => (inputs.metadata as KubeObject['metadata']).annotations as Record<string, string> | undefined;

describe('the Pulumi program, with the fixture tenants', () => {
  let run: ProgramRun;
  let files: Map<string, KubeObject>;
  beforeAll(async () => {
    files = synthesizedFiles();
    const everyTenantDeployed = Object.fromEntries(tenantNames.map((name) => [name, { protected: true }]));
    run = await runWithMocks({ program: async () => ({ ...(await deployPlatform(settings())) }), previousTenants: everyTenantDeployed });
  });

  test('registers one Platform component and one Tenant component per tenant file, children of the stack', () => {
    const components = [...run.resources.values()].filter((resource) => resource.type.startsWith('mlp:'));
    expect(components.map(({ type, name, parent }) => ({ type, name, parent }))).toEqual([
      { type: Platform.TYPE, name: 'platform', parent: 'mlp-dev' },
      ...tenantNames.map((name) => ({ type: Tenant.TYPE, name, parent: 'mlp-dev' })),
    ]);
    expect(Tenant.TYPE).toBe('mlp:platform:Tenant');
    expect(tenantNames.length).toBeGreaterThan(1);
  });

  test('deploys exactly the objects that mlp synth writes, each named after its file, with pulumi.com/patchForce added, and pulumi.com/skipAwait and background deletion on Jobs', () => {
    const deployed = new Map(kubeResources(run).map((resource) => [resource.name, resource.inputs]));
    expect(files.size).toBeGreaterThan(50);
    expect([...deployed.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [name, object] of files) {
      const added = { [PATCH_FORCE_ANNOTATION]: 'true', ...(object.kind === 'Job' && { [SKIP_AWAIT_ANNOTATION]: 'true', [DELETION_PROPAGATION_ANNOTATION]: 'background' }) };
      const inputs = { ...object, metadata: { ...object.metadata, annotations: { ...(object.metadata.annotations as object), ...added } } };
      expect({ name, inputs: deployed.get(name) }).toEqual({ name, inputs });
    }
  });

  test('creates each object as the typed resource of its apiVersion and kind, a child of its tenant or the platform', () => {
    const resources = kubeResources(run);
    expect(resources.length).toBe(files.size);
    for (const resource of resources) {
      const dir = resource.name.split('/')[0];
      expect({ name: resource.name, type: resource.type, parent: resource.parent }).toEqual({
        name: resource.name,
        type: typeToken(resource.inputs as unknown as KubeObject),
        parent: dir === '_platform' ? 'platform' : dir,
      });
    }
  });

  test('uses one explicit provider, with server-side apply and a fixed cluster identifier, for every object', () => {
    const provider = run.resources.get(PROVIDER_NAME)!;
    expect({ type: provider.type, inputs: provider.inputs }).toEqual({
      type: 'pulumi:providers:kubernetes',
      inputs: { clusterIdentifier: 'mlp-dev', enableServerSideApply: 'true' },
    });
    const reference = `urn:pulumi:dev::mlp::pulumi:pulumi:Stack$pulumi:providers:kubernetes::${PROVIDER_NAME}::${PROVIDER_NAME}-id`;
    const providers = new Set(kubeResources(run).map((resource) => resource.provider));
    expect(providers).toEqual(new Set([reference]));
  });

  test('protects exactly the tenant namespaces and checkpoint volumes', () => {
    const isProtected = (name: string) => {
      const object = files.get(name)!;
      return !name.startsWith('_platform/') && (object.kind === 'Namespace' || (object.metadata.labels as Record<string, string>)['mlp.io/data'] === 'checkpoint');
    };
    const protections = Object.fromEntries(kubeResources(run).map((resource) => [resource.name, resource.protect]));
    expect(protections).toEqual(Object.fromEntries([...files.keys()].map((name) => [name, isProtected(name)])));
    const protectedKinds = [...files].filter(([name]) => isProtected(name)).map(([, object]) => object.kind);
    expect(new Set(protectedKinds)).toEqual(new Set(['Namespace', 'PersistentVolumeClaim']));
  });

  test('creates tenant namespaces after every platform object, every namespaced object after its namespace, and workloads after their fences', () => {
    const POD_CREATING = ['Job', 'CronJob', 'Deployment', 'StatefulSet', 'DaemonSet'];
    const FENCES = ['ResourceQuota', 'LimitRange', 'NetworkPolicy', 'RoleBinding', 'ServiceAccount'];
    const platformObjects = [...files.keys()].filter((name) => name.startsWith('_platform/'));
    const platformCrds = platformObjects.filter((name) => files.get(name)!.kind === 'CustomResourceDefinition');
    const isCustomResource = (object: KubeObject) => object.apiVersion.includes('.') && !object.apiVersion.split('/')[0].endsWith('k8s.io');
    const expected = (name: string): string[] => {
      const object = files.get(name)!;
      const dir = name.split('/')[0];
      if (['Namespace', 'CustomResourceDefinition'].includes(object.kind)) return dir === '_platform' ? [] : platformObjects;
      const namespace = [`${dir}/namespace-${object.metadata.namespace}`, `_platform/namespace-${object.metadata.namespace}`].find((candidate) =>
        files.has(candidate),
      );
      const fences = POD_CREATING.includes(object.kind) ? [...files].filter(([other, candidate]) => other.startsWith(`${dir}/`) && candidate.metadata.namespace === object.metadata.namespace && FENCES.includes(candidate.kind)).map(([other]) => other) : [];
      const dependsOn = [...(namespace !== undefined ? [namespace] : []), ...(isCustomResource(object) ? platformCrds : []), ...fences];
      return dependsOn.length > 0 || dir === '_platform' ? dependsOn : platformObjects;
    };
    const dependencies = Object.fromEntries(kubeResources(run).map((resource) => [resource.name, [...resource.dependsOn].sort()]));
    expect(dependencies).toEqual(Object.fromEntries([...files.keys()].map((name) => [name, expected(name).sort()])));
    const tenantObjects = [...files.keys()].filter((name) => !name.startsWith('_platform/') && files.get(name)!.kind !== 'Namespace');
    expect(tenantObjects.filter((name) => dependencies[name].length === 0)).toEqual([]);
    const jobs = tenantObjects.filter((name) => files.get(name)!.kind === 'Job');
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect(dependencies[job].filter((name) => name.includes('/resourcequota-') || name.includes('/networkpolicy-default-deny'))).toHaveLength(2);
    expect(platformObjects.length).toBeGreaterThan(0);
  });

  test('leaves readiness waits on, except for Jobs, which it registers with pulumi.com/skipAwait and deletes in the background (so that a replacement never meets the old Job)', () => {
    const skipping = kubeResources(run).filter((resource) => annotations(resource.inputs)?.[SKIP_AWAIT_ANNOTATION] === 'true');
    const background = kubeResources(run).filter((resource) => annotations(resource.inputs)?.[DELETION_PROPAGATION_ANNOTATION] === 'background');
    const jobs = kubeResources(run).filter((resource) => resource.inputs.kind === 'Job');
    expect(jobs.length).toBeGreaterThan(0);
    expect(skipping.map((resource) => resource.name)).toEqual(jobs.map((resource) => resource.name));
    expect(background.map((resource) => resource.name)).toEqual(jobs.map((resource) => resource.name));
    expect([SKIP_AWAIT_ANNOTATION, DELETION_PROPAGATION_ANNOTATION]).toEqual(['pulumi.com/skipAwait', 'pulumi.com/deletionPropagationPolicy']);
  });

  test('registers every Job with the annotations of the deployment tool only, so that a change of them updates the Job in place', () => {
    // Provider 4.25.0 replaces a Job only for changes of spec.completions, parallelism, selector and template (pkg/provider/diff.go).
    const jobs = kubeResources(run).filter((resource) => resource.inputs.kind === 'Job');
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      expect({ name: job.name, annotations: annotations(job.inputs) }).toEqual({ name: job.name, annotations: { 'pulumi.com/patchForce': 'true', 'pulumi.com/skipAwait': 'true', 'pulumi.com/deletionPropagationPolicy': 'background' } });
    }
    for (const job of jobs) expect(files.get(job.name)!.metadata.annotations).toBeUndefined();
  });

  test('adds nothing to the jobTemplate of a CronJob, whose Jobs Pulumi does not manage', () => {
    const cronJobs = kubeResources(run).filter((resource) => resource.inputs.kind === 'CronJob');
    expect(cronJobs.length).toBeGreaterThan(0);
    for (const cronJob of cronJobs) {
      const template = (cronJob.inputs.spec as { jobTemplate: { metadata: Record<string, unknown> } }).jobTemplate;
      expect({ name: cronJob.name, annotations: template.metadata.annotations, cronJob: annotations(cronJob.inputs) }).toEqual({
        name: cronJob.name,
        annotations: undefined,
        cronJob: { 'pulumi.com/patchForce': 'true' },
      });
      expect(template).toEqual((files.get(cronJob.name)!.spec as { jobTemplate: unknown }).jobTemplate);
    }
  });

  test('reads the last update through a StackReference to its own stack before registering anything else', () => {
    expect(run.stackReferences).toEqual(['organization/mlp/dev']);
    expect([...run.resources.keys()].slice(0, 2)).toEqual(['mlp-dev', 'previous-update']);
  });

  test('records every tenant, protected, in the tenants output', () => {
    expect(run.outputs).toEqual({ tenants: Object.fromEntries(tenantNames.map((name) => [name, { protected: true }])) });
  });
});

describe('the Pulumi program, in a preview', () => {
  test('registers the same resources, options and outputs as an update', async () => {
    const deployed = Object.fromEntries(tenantNames.map((name) => [name, { protected: true }]));
    const program = async () => ({ ...(await deployPlatform(settings())) });
    const [update, preview] = [await runWithMocks({ program, previousTenants: deployed }), await runWithMocks({ program, previousTenants: deployed, preview: true })];
    const graph = (run: ProgramRun) => [...run.resources.values()].map(({ type, name, inputs, parent, protect, dependsOn }) => ({ type, name, inputs, parent, protect, dependsOn }));
    expect(graph(preview)).toEqual(expect.arrayContaining(graph(update)));
    expect(preview.resources.size).toBe(update.resources.size);
    expect(preview.outputs).toEqual(update.outputs);
  });
});

describe('the Pulumi program, with mlp:skipAwait', () => {
  test('annotates every object with pulumi.com/skipAwait and pulumi.com/patchForce (and Jobs with background deletion) and changes nothing else', async () => {
    const files = synthesizedFiles();
    const run = await runWithMocks({ program: async () => ({ ...(await deployPlatform(settings({ skipAwait: true }))) }) });
    const deployed = new Map(kubeResources(run).map((resource) => [resource.name, resource.inputs]));
    const expected = new Map(
      [...files].map(([name, object]) => [
        name,
        {
          ...object,
          metadata: {
            ...object.metadata,
            annotations: {
              ...(object.metadata.annotations as object),
              [PATCH_FORCE_ANNOTATION]: 'true',
              [SKIP_AWAIT_ANNOTATION]: 'true',
              ...(object.kind === 'Job' && { [DELETION_PROPAGATION_ANNOTATION]: 'background' }),
            },
          },
        },
      ]),
    );
    expect(deployed).toEqual(expected);
    expect(deployed.size).toBe(files.size);
  });
});

describe('the Pulumi program, with mlp:crdFiles', () => {
  const crd = (plural: string, kind: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  names: {kind: ${kind}, plural: ${plural}}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
`;

  test('installs the CRDs first, in the platform, and makes every custom resource wait for them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-crds-'));
    const file = path.join(dir, 'crds.yaml');
    fs.writeFileSync(file, `${crd('prometheusrules', 'PrometheusRule')}---\n${crd('servicemonitors', 'ServiceMonitor')}`);
    // A preview: `pulumi up` first reads the CRDs from the cluster (crd-establishment.ts), which the mocks do not have.
    const run = await runWithMocks({ program: async () => ({ ...(await deployPlatform(settings({ crdFiles: [file], skipAwait: true }))) }), preview: true });
    fs.rmSync(dir, { recursive: true, force: true });

    const crdNames = ['_platform/customresourcedefinition-prometheusrules.monitoring.coreos.com', '_platform/customresourcedefinition-servicemonitors.monitoring.coreos.com'];
    const resources = kubeResources(run);
    for (const name of crdNames) {
      const registered = resources.find((resource) => resource.name === name);
      expect(registered?.type).toBe('kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition');
      expect(registered?.parent).toBe('platform');
      expect(registered?.protect).toBe(false);
      // Waited for until Established, even with mlp:skipAwait.
      expect((registered?.inputs.metadata as { annotations?: unknown }).annotations).toEqual({ 'pulumi.com/patchForce': 'true', 'pulumi.com/waitFor': 'condition=Established' });
    }
    const customResources = resources.filter((resource) => (resource.inputs.apiVersion as string).startsWith('monitoring.coreos.com/'));
    expect(customResources.length).toBeGreaterThan(5);
    for (const resource of customResources) {
      expect(resource.dependsOn).toEqual(expect.arrayContaining(crdNames));
    }
    // The HTTPRoute of an exposed service (Gateway API, a group under k8s.io) is a custom resource too.
    const route = resources.find((resource) => resource.inputs.kind === 'HTTPRoute');
    expect(route?.type).toBe('kubernetes:gateway.networking.k8s.io/v1:HTTPRoute');
    expect(route?.dependsOn).toEqual(expect.arrayContaining(crdNames));
  });

  test('refuses a file that holds anything but CRDs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-crds-'));
    const file = path.join(dir, 'not-crds.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata: {name: sneaky}\n');
    await expect(runWithMocks({ program: async () => ({ ...(await deployPlatform(settings({ crdFiles: [file] }))) }) })).rejects.toThrow(
      `mlp:crdFiles: ${file} holds a v1/Namespace; only apiextensions.k8s.io/v1 CustomResourceDefinitions are allowed`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('the Pulumi program, with invalid tenant files', () => {
  test('fails with every problem and registers nothing', async () => {
    const recorded = new Map();
    await expect(
      runWithMocks({ program: async () => ({ ...(await deployPlatform(settings({ tenantsDir: `${TENANTS_DIR}/missing` }))) }) }, recorded),
    ).rejects.toThrow(/^mlp: 1 problem found:\n {2}.*tenants\/missing: cannot read the tenants directory: ENOENT\nNothing was deployed; fix the files \(npx mlp validate\) and run again\.$/);
    expect([...recorded.values()].map((resource) => resource.type)).toEqual(['pulumi:pulumi:Stack']);
  });
});

describe('the Pulumi program, with objects that violate a policy', () => {
  // The loader accepts a utility image tagged latest (it checks only that the
  // reference is qualified and from an allowed registry); MLP003 refuses the
  // init container that a distributed training job runs it in.
  const ddpTenant = distributedJobTenant;
  let project: ReturnType<typeof scratchProject>;
  beforeEach(() => {
    project = scratchProject({ 'ddp.yaml': ddpTenant() });
    const platform = fs.readFileSync(project.platformFile, 'utf8');
    expect(platform).toMatch(/^ {2}utilityImage: .*$/m);
    fs.writeFileSync(project.platformFile, platform.replace(/^ {2}utilityImage: .*$/m, '  utilityImage: registry.ml.example.com/mirror/busybox:latest'));
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));
  const deploy = () => deployPlatform(settings({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }));

  test('fails with the policy problem, as mlp validate reports it, and registers nothing', async () => {
    const recorded = new Map();
    const tenantFile = displayPath(path.join(project.tenantsDir, 'ddp.yaml'));
    await expect(runWithMocks({ program: async () => ({ ...(await deploy()) }) }, recorded)).rejects.toThrow(
      new Error(
        'mlp: 1 problem found:\n' +
          `  ${tenantFile}: ddp/Job/train: MLP003 (images pinned by tag or digest, never latest): init container "wait-for-master" uses image ` +
          '"registry.ml.example.com/mirror/busybox:latest", whose tag "latest" is mutable; fix: pin a version tag (name:1.2.3) or a digest (name@sha256:...)\n' +
          'Nothing was deployed; fix the files (npx mlp validate) and run again.',
      ),
    );
    expect([...recorded.values()].map((resource) => resource.type)).toEqual(['pulumi:pulumi:Stack']);
  });

  test('deploys the objects when the tenant waives the policy, and logs the waived violation', async () => {
    fs.writeFileSync(path.join(project.tenantsDir, 'ddp.yaml'), ddpTenant('  policyWaivers:\n    - policy: MLP003\n      reason: the mirror publishes busybox only as latest, approved in SEC-7\n'));
    const info = jest.spyOn(pulumi.log, 'info').mockImplementation(() => Promise.resolve());
    try {
      const run = await runWithMocks({ program: async () => ({ ...(await deploy()) }) });
      const job = kubeResources(run).find((resource) => resource.name === 'ddp/job-train');
      expect(job?.inputs.kind).toBe('Job');
      const tenantFile = displayPath(path.join(project.tenantsDir, 'ddp.yaml'));
      expect(info.mock.calls).toEqual([
        [
          `mlp: waived: ${tenantFile}: ddp/Job/train: MLP003 (images pinned by tag or digest, never latest): init container "wait-for-master" uses image ` +
            '"registry.ml.example.com/mirror/busybox:latest", whose tag "latest" is mutable; fix: pin a version tag (name:1.2.3) or a digest (name@sha256:...) ' +
            '(waiver: "the mirror publishes busybox only as latest, approved in SEC-7")',
        ],
      ]);
    } finally {
      info.mockRestore();
    }
  });
});
