import * as k8s from '@pulumi/kubernetes';
import { withDeployAnnotations } from '../../../stacks/pulumi/kube-objects';
import { Platform } from '../../../stacks/pulumi/platform';
import { Tenant } from '../../../stacks/pulumi/tenant';
import { isCanaryDeployment, isHttpRoute, routeBackendObjects } from '../../../stacks/pulumi/traffic-order';
import { KubeObject, ObjectGroup } from '../../../policy/kube-object';
import { kubeResources, runWithMocks } from './harness';

/**
 * Hand-made objects of a model service `chat` in namespace `nlp` with a
 * canary, shaped as docs/exposure.md describes them: the stable Deployment
 * keeps its name and selector, the canary's pods carry component `canary`.
 */
const NAME = 'app.kubernetes.io/name';
const COMPONENT = 'app.kubernetes.io/component';
const TRACK = 'mlp.io/track';

const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'nlp' } };
const deployment = (name: string, track: string, podLabels: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'nlp', labels: { [NAME]: 'chat', [TRACK]: track } },
  spec: { selector: { matchLabels: podLabels }, template: { metadata: { labels: { ...podLabels, 'mlp.io/tenant': 'nlp' } }, spec: { containers: [] } } },
});
const service = (name: string, track: string | undefined, selector: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'nlp', labels: { [NAME]: 'chat', ...(track !== undefined && { [TRACK]: track }) } },
  spec: { selector, ports: [{ name: 'http', port: 80 }] },
});
const route = (...backends: { name: string; weight?: number }[]): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'chat', namespace: 'nlp', labels: { [NAME]: 'chat' } },
  spec: {
    parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'ml-gateway', namespace: 'gateway-system', sectionName: 'https' }],
    hostnames: ['chat.nlp.ml.example.com'],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: backends.map((backend) => ({ group: '', kind: 'Service', port: 80, ...backend })) }],
  },
});

const stablePods = { [NAME]: 'chat', [COMPONENT]: 'serving' };
const canaryPods = { [NAME]: 'chat', [COMPONENT]: 'canary', [TRACK]: 'canary' };
const stable = deployment('chat', 'stable', stablePods);
const canary = deployment('chat-canary', 'canary', canaryPods);
const bothTracks = service('chat', 'stable', { [NAME]: 'chat' });
const stableService = service('chat-stable', 'stable', stablePods);
const canaryService = service('chat-canary', 'canary', { [NAME]: 'chat', [COMPONENT]: 'canary' });
const weighted = route({ name: 'chat-stable', weight: 90 }, { name: 'chat-canary', weight: 10 });
const SOURCE = 'tenants/nlp.yaml';

const routeCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'httproutes.gateway.networking.k8s.io' },
  spec: { group: 'gateway.networking.k8s.io', names: { kind: 'HTTPRoute', plural: 'httproutes' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
};

/** The dependsOn of every resource of the tenant `nlp` holding the objects, deployed by the program with mocks. */
async function dependencies(objects: readonly KubeObject[], config: { skipAwait?: boolean } = {}) {
  // The route first, as file order puts httproute- before service-.
  const group: ObjectGroup = { dir: 'nlp', source: SOURCE, objects: [...objects, namespace] };
  const run = await runWithMocks({
    program: async () => {
      const provider = new k8s.Provider('kubernetes', {});
      const platform = new Platform('platform', { objects: { dir: '_platform', source: 'platform.yaml', objects: [routeCrd] } }, { providers: [provider] });
      new Tenant('nlp', { objects: group, platform, skipAwait: config.skipAwait }, { providers: [provider] });
      return {};
    },
  });
  return new Map(kubeResources(run).map((resource) => [resource.name, { dependsOn: [...resource.dependsOn].sort(), annotations: (resource.inputs.metadata as any).annotations }]));
}

describe('traffic order of canaries', () => {
  test('an HTTPRoute that gives a canary weight waits for both backend Services and the Deployments whose pods they select', async () => {
    const graph = await dependencies([weighted, canaryService, stableService, bothTracks, canary, stable]);
    expect(graph.get('nlp/httproute-chat')?.dependsOn).toEqual([
      '_platform/customresourcedefinition-httproutes.gateway.networking.k8s.io',
      'nlp/deployment-chat',
      'nlp/deployment-chat-canary',
      'nlp/namespace-nlp',
      'nlp/service-chat-canary',
      'nlp/service-chat-stable',
    ]);
    // Nothing else changes: the Services and Deployments wait only for their namespace.
    for (const name of ['nlp/deployment-chat', 'nlp/deployment-chat-canary', 'nlp/service-chat', 'nlp/service-chat-canary', 'nlp/service-chat-stable']) {
      expect({ name, dependsOn: graph.get(name)?.dependsOn }).toEqual({ name, dependsOn: ['nlp/namespace-nlp'] });
    }
  });

  test('an HTTPRoute without a canary backend waits only for its namespace and CRD, as before', async () => {
    const graph = await dependencies([route({ name: 'chat' }), bothTracks, stable]);
    expect(graph.get('nlp/httproute-chat')?.dependsOn).toEqual(['_platform/customresourcedefinition-httproutes.gateway.networking.k8s.io', 'nlp/namespace-nlp']);
  });

  test("the canary's Deployment keeps the readiness wait with mlp:skipAwait; the stable one and the route skip it", async () => {
    const graph = await dependencies([weighted, canaryService, stableService, bothTracks, canary, stable], { skipAwait: true });
    expect(graph.get('nlp/deployment-chat-canary')?.annotations).toEqual({ 'pulumi.com/patchForce': 'true' });
    for (const name of ['nlp/deployment-chat', 'nlp/httproute-chat', 'nlp/service-chat-canary']) {
      expect({ name, annotations: graph.get(name)?.annotations }).toEqual({ name, annotations: { 'pulumi.com/patchForce': 'true', 'pulumi.com/skipAwait': 'true' } });
    }
    expect(withDeployAnnotations(canary, { skipAwait: true }).metadata.annotations).toEqual({ 'pulumi.com/patchForce': 'true' });
  });

  test('finds the Deployments behind a backend by the Service selector and the pod template labels, not by name', () => {
    const renamed = deployment('chat-v2', 'stable', stablePods);
    expect(routeBackendObjects(weighted, [weighted, canaryService, stableService, bothTracks, canary, renamed], SOURCE).map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
      'Service/chat-stable',
      'Deployment/chat-v2',
      'Service/chat-canary',
      'Deployment/chat-canary',
    ]);
    // A stable backend only selects the stable pods; the Service of both tracks is not a backend of the weighted route.
    expect(routeBackendObjects(route({ name: 'chat' }), [canaryService, bothTracks, canary, stable], SOURCE)).toEqual([]);
    // A backend in another namespace, or a non-Service backend, is not resolved in this one.
    const elsewhere = { ...weighted, spec: { rules: [{ backendRefs: [{ name: 'chat-canary', namespace: 'other' }, { group: 'example.com', kind: 'Bucket', name: 'chat-canary' }] }] } };
    expect(routeBackendObjects(elsewhere, [canaryService, canary], SOURCE)).toEqual([]);
  });

  test('fails when a route to a canary names a Service that no Deployment of the tenant backs', () => {
    expect(() => routeBackendObjects(weighted, [canaryService, stableService, stable], SOURCE)).toThrow(
      'tenants/nlp.yaml: HTTPRoute nlp/chat sends traffic to a canary, but no Deployment of tenants/nlp.yaml in nlp has pods that its backend Service chat-canary selects ' +
        '({"app.kubernetes.io/name":"chat","app.kubernetes.io/component":"canary"}); the route would not wait for the pods it sends traffic to',
    );
  });

  test('fails when a route to a canary names a backend Service the tenant does not have', () => {
    expect(() => routeBackendObjects(weighted, [canaryService, canary], SOURCE)).toThrow(
      'tenants/nlp.yaml: HTTPRoute nlp/chat sends traffic to a canary, but its backend Service nlp/chat-stable is not among the objects of tenants/nlp.yaml; synthesis must emit every Service a canary route names',
    );
  });

  test('tells canary Deployments and HTTPRoutes by group, kind and the track label', () => {
    expect([canary, stable, canaryService].map(isCanaryDeployment)).toEqual([true, false, false]);
    expect([weighted, { ...weighted, apiVersion: 'gateway.networking.k8s.io/v1beta1' }, { ...weighted, apiVersion: 'example.com/v1' }, canaryService].map(isHttpRoute)).toEqual([true, true, false, false]);
  });
});
