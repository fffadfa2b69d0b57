import * as k8s from '@pulumi/kubernetes';
import { KUBE_RESOURCE_CLASSES, createsPods, isBuiltInKind, isFence, isJob, kubeResource, kubeResourceClass, resourceName, withDeployAnnotations } from '../../../stacks/pulumi/kube-objects';
import { Platform } from '../../../stacks/pulumi/platform';
import { Tenant } from '../../../stacks/pulumi/tenant';
import { KubeObject, ObjectGroup } from '../../../policy/kube-object';
import { kubeResources, runWithMocks, typeToken } from './harness';

const object = (apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace !== undefined && { namespace }) },
  ...extra,
});

const crd = object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, {
  spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
});
const priorityClass = object('scheduling.k8s.io/v1', 'PriorityClass', 'mlp-batch', undefined, { value: 1000 });
const clusterWidget = object('example.com/v1', 'Widget', 'cluster-default');
const monitoring = object('v1', 'Namespace', 'monitoring');
const platformGroup: ObjectGroup = { dir: '_platform', source: 'platform.yaml', objects: [priorityClass, clusterWidget, crd, monitoring] };
const tenantGroup: ObjectGroup = {
  dir: 'acme',
  source: 'tenants/acme.yaml',
  objects: [
    object('example.com/v1', 'Widget', 'gadget', 'acme', { spec: { size: 3 } }),
    object('v1', 'ServiceAccount', 'workloads', 'acme'),
    object('v1', 'ConfigMap', 'dashboard-acme', 'monitoring'),
    object('v1', 'Namespace', 'acme'),
  ],
};

describe('kube objects', () => {
  test('creates every built-in kind of the table as the typed resource of its apiVersion and kind', async () => {
    const group: ObjectGroup = {
      dir: 'all',
      source: 'test',
      objects: Object.keys(KUBE_RESOURCE_CLASSES).map((key) => {
        const slash = key.lastIndexOf('/');
        // Enough fields for every class's required ones: spec, roleRef, value, provisioner.
        return object(key.slice(0, slash), key.slice(slash + 1), `a-${key.slice(slash + 1).toLowerCase()}`, undefined, {
          spec: {},
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          value: 1,
          provisioner: 'example.com/csi',
        });
      }),
    };
    const run = await runWithMocks({
      program: async () => {
        const provider = new k8s.Provider('kubernetes', {});
        group.objects.forEach((each) => kubeResource(group, each, { provider }));
        return {};
      },
    });
    const types = Object.fromEntries(kubeResources(run).map((resource) => [resource.name, resource.type]));
    expect(types).toEqual(Object.fromEntries(group.objects.map((each) => [resourceName(group, each), typeToken(each)])));
    expect(Object.keys(types).length).toBe(Object.keys(KUBE_RESOURCE_CLASSES).length);
  });

  test('creates custom resources after the CRDs, and namespaced objects after their namespace', async () => {
    const run = await runWithMocks({
      program: async () => {
        const provider = new k8s.Provider('kubernetes', {});
        const platform = new Platform('platform', { objects: platformGroup }, { providers: [provider] });
        new Tenant('acme', { objects: tenantGroup, platform }, { providers: [provider] });
        return {};
      },
    });
    const graph = kubeResources(run)
      .map(({ name, type, parent, dependsOn, protect }) => ({ name, type, parent, dependsOn: [...dependsOn].sort(), protect }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(graph).toEqual([
      {
        name: '_platform/customresourcedefinition-widgets.example.com',
        type: 'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition',
        parent: 'platform',
        dependsOn: [],
        protect: false,
      },
      {
        name: '_platform/namespace-monitoring',
        type: 'kubernetes:core/v1:Namespace',
        parent: 'platform',
        dependsOn: [],
        protect: false,
      },
      {
        name: '_platform/priorityclass-mlp-batch',
        type: 'kubernetes:scheduling.k8s.io/v1:PriorityClass',
        parent: 'platform',
        dependsOn: [],
        protect: false,
      },
      {
        name: '_platform/widget-cluster-default',
        type: 'kubernetes:example.com/v1:Widget',
        parent: 'platform',
        dependsOn: ['_platform/customresourcedefinition-widgets.example.com'],
        protect: false,
      },
      {
        name: 'acme/configmap-dashboard-acme',
        type: 'kubernetes:core/v1:ConfigMap',
        parent: 'acme',
        dependsOn: ['_platform/namespace-monitoring'],
        protect: false,
      },
      {
        name: 'acme/namespace-acme',
        type: 'kubernetes:core/v1:Namespace',
        parent: 'acme',
        dependsOn: [
          '_platform/customresourcedefinition-widgets.example.com',
          '_platform/namespace-monitoring',
          '_platform/priorityclass-mlp-batch',
          '_platform/widget-cluster-default',
        ],
        protect: true,
      },
      { name: 'acme/serviceaccount-workloads', type: 'kubernetes:core/v1:ServiceAccount', parent: 'acme', dependsOn: ['acme/namespace-acme'], protect: false },
      {
        name: 'acme/widget-gadget',
        type: 'kubernetes:example.com/v1:Widget',
        parent: 'acme',
        dependsOn: ['_platform/customresourcedefinition-widgets.example.com', 'acme/namespace-acme'],
        protect: false,
      },
    ]);
    expect(kubeResources(run).find((resource) => resource.name === 'acme/widget-gadget')!.inputs).toEqual(withDeployAnnotations(tenantGroup.objects[0], { skipAwait: false }));
  });

  test('creates and updates pod-creating objects after the quota, limits, network policies, RBAC and service account of their namespace', async () => {
    const fences = [
      object('v1', 'ResourceQuota', 'tenant-quota', 'acme', { spec: { hard: { 'requests.nvidia.com/gpu': '32' } } }),
      object('v1', 'LimitRange', 'tenant-limits', 'acme', { spec: { limits: [] } }),
      object('networking.k8s.io/v1', 'NetworkPolicy', 'default-deny', 'acme', { spec: { podSelector: {} } }),
      object('networking.k8s.io/v1', 'NetworkPolicy', 'allow-dns', 'acme', { spec: { podSelector: {} } }),
      object('rbac.authorization.k8s.io/v1', 'RoleBinding', 'tenant-owners', 'acme', {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      }),
      object('v1', 'ServiceAccount', 'workloads', 'acme'),
    ];
    const workloads = [
      object('batch/v1', 'Job', 'train', 'acme', { spec: {} }),
      object('batch/v1', 'CronJob', 'nightly', 'acme', { spec: {} }),
      object('apps/v1', 'Deployment', 'serve', 'acme', { spec: {} }),
      object('apps/v1', 'StatefulSet', 'store', 'acme', { spec: {} }),
      object('apps/v1', 'DaemonSet', 'agent', 'acme', { spec: {} }),
    ];
    const others = [object('v1', 'Service', 'serve', 'acme', { spec: {} }), object('v1', 'ConfigMap', 'dashboard-acme', 'monitoring')];
    // Workloads first in the group, as file order puts cronjob- and deployment- before networkpolicy-.
    const group: ObjectGroup = { dir: 'acme', source: 'tenants/acme.yaml', objects: [...workloads, ...others, ...fences, object('v1', 'Namespace', 'acme')] };
    const run = await runWithMocks({
      program: async () => {
        const provider = new k8s.Provider('kubernetes', {});
        const platform = new Platform('platform', { objects: { ...platformGroup, objects: [monitoring] } }, { providers: [provider] });
        new Tenant('acme', { objects: group, platform }, { providers: [provider] });
        return {};
      },
    });
    const dependsOn = new Map(kubeResources(run).map((resource) => [resource.name, [...resource.dependsOn].sort()]));
    const fenceNames = fences.map((fence) => resourceName(group, fence)).sort();
    expect(fenceNames).toHaveLength(6);
    for (const fence of fenceNames) expect(dependsOn.get(fence)).toEqual(['acme/namespace-acme']);
    const workloadNames = workloads.map((workload) => resourceName(group, workload));
    expect(workloadNames).toEqual(['acme/job-train', 'acme/cronjob-nightly', 'acme/deployment-serve', 'acme/statefulset-store', 'acme/daemonset-agent']);
    for (const workload of workloadNames) expect(dependsOn.get(workload)).toEqual(['acme/namespace-acme', ...fenceNames].sort());
    expect(dependsOn.get('acme/service-serve')).toEqual(['acme/namespace-acme']);
    expect(dependsOn.get('acme/configmap-dashboard-acme')).toEqual(['_platform/namespace-monitoring']);
  });

  test('tells fences and pod-creating kinds by API group and kind, whatever the version', () => {
    const of = (key: string) => object(key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1), 'x', 'acme');
    const fenceKeys = ['v1/ResourceQuota', 'v1/LimitRange', 'v1/ServiceAccount', 'networking.k8s.io/v1/NetworkPolicy', 'rbac.authorization.k8s.io/v1/RoleBinding'];
    expect(fenceKeys.map((key) => isFence(of(key)))).toEqual([true, true, true, true, true]);
    expect(isFence(of('example.com/v1/NetworkPolicy'))).toBe(false);
    const podKeys = ['v1/Pod', 'apps/v1/ReplicaSet', 'apps/v1/DaemonSet', 'batch/v1/Job', 'batch/v1/CronJob'];
    expect(podKeys.map((key) => createsPods(of(key)))).toEqual([true, true, true, true, true]);
    expect(createsPods(of('v1/Service'))).toBe(false);
    expect(createsPods(of('example.com/v1/Job'))).toBe(false);
  });

  test('names a resource after its dist/ file, without .yaml', () => {
    expect(resourceName(tenantGroup, tenantGroup.objects[0])).toBe('acme/widget-gadget');
    expect(resourceName(platformGroup, priorityClass)).toBe('_platform/priorityclass-mlp-batch');
  });

  test('tells built-in kinds from custom resources by API group', () => {
    expect(['v1', 'apps/v1', 'networking.k8s.io/v1', 'k8s.io/v1'].map((apiVersion) => isBuiltInKind(object(apiVersion, 'X', 'x')))).toEqual([true, true, true, true]);
    expect(['example.com/v1', 'monitoring.coreos.com/v1'].map((apiVersion) => isBuiltInKind(object(apiVersion, 'X', 'x')))).toEqual([false, false]);
    // Gateway API is under k8s.io but installed as CRDs: an HTTPRoute is a custom resource that waits for them.
    expect(isBuiltInKind(object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'chat'))).toBe(false);
    expect(kubeResourceClass(object('monitoring.coreos.com/v1', 'ServiceMonitor', 'm'))).toBe(k8s.apiextensions.CustomResource);
    // The Gateway API is a k8s.io group served through CRDs.
    expect(isBuiltInKind(object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'chat'))).toBe(false);
    expect(kubeResourceClass(object('gateway.networking.k8s.io/v1', 'HTTPRoute', 'chat'))).toBe(k8s.apiextensions.CustomResource);
  });

  test('fails when a built-in kind has no resource class', () => {
    expect(() => kubeResourceClass(object('node.k8s.io/v1', 'RuntimeClass', 'gvisor'))).toThrow(
      'no Pulumi resource class for the built-in kind node.k8s.io/v1/RuntimeClass (object gvisor); add its @pulumi/kubernetes class to KUBE_RESOURCE_CLASSES in stacks/pulumi/kube-objects.ts',
    );
  });

  test('fails when an object has no name, rather than let Pulumi make one up', () => {
    const nameless = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} } as unknown as KubeObject;
    expect(() => kubeResource(tenantGroup, nameless, {})).toThrow('tenants/acme.yaml: a ConfigMap in acme/ has no metadata.name; synthesis must name every object');
  });

  test('adds the patchForce annotation, and skipAwait when asked, to a copy, keeping the other annotations', () => {
    const annotated = object('apps/v1', 'Deployment', 'web', 'acme');
    const original = { ...annotated, metadata: { ...annotated.metadata, annotations: { team: 'a' } } };
    expect(withDeployAnnotations(original, { skipAwait: true })).toEqual({
      ...original,
      metadata: { ...original.metadata, annotations: { team: 'a', 'pulumi.com/patchForce': 'true', 'pulumi.com/skipAwait': 'true' } },
    });
    expect(withDeployAnnotations(original, { skipAwait: false })).toEqual({ ...original, metadata: { ...original.metadata, annotations: { team: 'a', 'pulumi.com/patchForce': 'true' } } });
    expect(original.metadata.annotations).toEqual({ team: 'a' });
  });

  test('makes a CRD wait until it is Established, and never waits for a Job, which it deletes in the background, with or without skipAwait', () => {
    const job = object('batch/v1', 'Job', 'train', 'acme');
    const crd = object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com');
    for (const skipAwait of [true, false]) {
      expect(withDeployAnnotations(job, { skipAwait }).metadata.annotations).toEqual({
        'pulumi.com/patchForce': 'true',
        'pulumi.com/skipAwait': 'true',
        'pulumi.com/deletionPropagationPolicy': 'background',
      });
      expect(withDeployAnnotations(crd, { skipAwait }).metadata.annotations).toEqual({ 'pulumi.com/patchForce': 'true', 'pulumi.com/waitFor': 'condition=Established' });
    }
  });

  test('tells batch/v1 Jobs, which Pulumi would wait for until they complete, from CronJobs and other kinds', () => {
    expect(
      [object('batch/v1', 'Job', 'train', 'acme'), object('batch/v1', 'CronJob', 'nightly', 'acme'), object('apps/v1', 'Deployment', 'web', 'acme'), object('example.com/v1', 'Job', 'x', 'acme')].map(isJob),
    ).toEqual([true, false, false, false]);
  });
});

describe('Tenant', () => {
  test('fails when its objects have no Namespace of the tenant name', async () => {
    const run = runWithMocks({
      program: async () => {
        const platform = new Platform('platform', { objects: { ...platformGroup, objects: [] } });
        new Tenant('acme', { objects: { ...tenantGroup, objects: tenantGroup.objects.slice(0, 3) }, platform });
        return {};
      },
    });
    await expect(run).rejects.toThrow('tenants/acme.yaml: a tenant must have exactly one Namespace and no CRDs, named "acme"; synthesis produced: none');
  });
});
