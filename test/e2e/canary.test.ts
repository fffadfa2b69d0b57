/**
 * Canary ordering with the real Pulumi CLI on the scheduling local cluster
 * (the real kube-scheduler and kube-controller-manager, kwok nodes), readiness
 * waits on: a route never sends traffic to a canary whose Deployment is not
 * Available, and removing a canary moves all traffic back before its
 * Deployment goes (docs/deploy.md#what-the-program-guarantees).
 *
 * This file's own tenant `serve` has a model service `chat` exposed publicly
 * on a platform in Gateway API mode with request-based autoscaling (KEDA);
 * the Gateway API and KEDA CRDs are installed by the stack (mlp:crdFiles).
 * No gateway or KEDA operator runs: the API server accepting the objects, and
 * the order in which Pulumi applies them, is what is shown. The tests run in
 * order and share the stack.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { ControlPlane, PulumiStack, keepLogs, killProcessTree, platformCrdFiles, scratchDir } from '../../devkit/cluster';
import { FIXTURE_PLATFORM_FILE, minimalTenant } from '../support/fixtures';

const NAMESPACE = 'serve';
const HOST = 'chat.serve.ml.example.com';

/** The fixture platform in Gateway API mode, with request autoscaling through KEDA, without Kueue (not needed here). */
function gatewayPlatform(): string {
  const platform = parse(fs.readFileSync(FIXTURE_PLATFORM_FILE, 'utf8'));
  delete platform.spec.ingress;
  platform.spec.exposure = { domain: 'ml.example.com', mode: 'gateway', gateway: { name: 'ml-gateway', namespace: 'gateway-system' } };
  platform.spec.autoscaling = { requests: { engine: 'keda', metric: 'inFlight', defaultTarget: 4 } };
  platform.spec.queueing.kueue = false;
  return stringify(platform);
}

/** The tenant: one CPU model service `chat`, public at {@link HOST}, with a canary when `canary` is given. */
function tenant(canary?: string): string {
  return `${minimalTenant(NAMESPACE)}  modelServices:
    - name: chat
      image: registry.ml.example.com/serve/chat:1.0.0
      port: 8000
      cpu: "1"
      memory: 1Gi
      replicas: {min: 1, max: 2}
      expose:
        type: ingress
        host: ${HOST}
${canary ?? ''}`;
}

/** `pulumi up` with its engine events written to `eventLog` (`--event-log` is listed only with PULUMI_DEBUG_COMMANDS, pkg/cmd/pulumi/operations/up.go). */
const upWithEventLog = (stack: PulumiStack, eventLog: string) =>
  stack.pulumiOk(['up', '--yes', '--skip-preview', '--event-log', eventLog], { env: { PULUMI_DEBUG_COMMANDS: 'true' } });

const CANARY = `      canary:
        image: registry.ml.example.com/serve/chat:1.1.0-rc1
        weight: 10
`;

/** One engine event of `pulumi up --event-log` (pulumi/sdk apitype.EngineEvent), as far as these tests read it. */
interface EngineEvent {
  readonly sequence: number;
  readonly resourcePreEvent?: { readonly metadata: { readonly op: string; readonly urn: string } };
  readonly resOutputsEvent?: { readonly metadata: { readonly op: string; readonly urn: string } };
}

/** The steps of an event log: `<op> <resource name>` with the sequence numbers of its start and its end. */
function steps(eventLog: string): Map<string, { begin: number; end?: number }> {
  const events = fs
    .readFileSync(eventLog, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EngineEvent);
  const result = new Map<string, { begin: number; end?: number }>();
  for (const event of events) {
    const pre = event.resourcePreEvent?.metadata;
    const done = event.resOutputsEvent?.metadata;
    if (pre) result.set(`${pre.op} ${pre.urn.split('::').pop()}`, { begin: event.sequence });
    if (done) {
      const key = `${done.op} ${done.urn.split('::').pop()}`;
      result.set(key, { begin: result.get(key)?.begin ?? -1, end: event.sequence });
    }
  }
  return result;
}

describe('canary ordering with Pulumi on the scheduling cluster', () => {
  let dir: string;
  let cluster: ControlPlane;
  let stack: PulumiStack;

  /** The live HTTPRoute's backends as `name:weight` (a backend without weight gets 1, the default of the Gateway API CRD). */
  const backends = (): string[] =>
    cluster.get('httproute', 'chat', NAMESPACE).spec.rules.flatMap((rule: any) => rule.backendRefs.map((ref: any) => `${ref.name}:${ref.weight}`));
  const isAvailable = (deployment: any) => deployment?.status?.conditions?.some((condition: any) => condition.type === 'Available' && condition.status === 'True') ?? false;
  const nodes = (): string[] => JSON.parse(cluster.kubectlOk(['get', 'nodes', '-o', 'json'])).items.map((node: any) => node.metadata.name);

  beforeAll(() => {
    dir = scratchDir('mlp-e2e-canary-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'), { simulatedNodes: { platformFile: FIXTURE_PLATFORM_FILE, gpuNodesPerType: 1 } });
    const platformFile = path.join(dir, 'gateway-platform.yaml');
    fs.writeFileSync(platformFile, gatewayPlatform());
    stack = new PulumiStack(path.join(dir, 'project'), 'e2e', {
      kubeconfig: cluster.kubeconfig,
      skipAwait: false,
      platformFile,
      tenants: { 'serve.yaml': tenant() },
      crdFiles: platformCrdFiles({ kueue: false }),
    });
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'canary');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without a canary: the route has one backend, and the API server accepted it and the ScaledObject, their CRDs created first', () => {
    // Named *.log, so that keepLogs keeps it with the other logs.
    const eventLog = path.join(dir, 'events-first-up.log');
    upWithEventLog(stack, eventLog);
    expect(backends()).toEqual(['chat:1']);
    const route = cluster.get('httproute', 'chat', NAMESPACE);
    expect({ hostnames: route.spec.hostnames, parents: route.spec.parentRefs.map((ref: any) => `${ref.namespace}/${ref.name}/${ref.sectionName}`) }).toEqual({
      hostnames: [HOST],
      parents: ['gateway-system/ml-gateway/https'],
    });
    const scaledObject = cluster.get('scaledobject', 'chat', NAMESPACE);
    expect({ target: scaledObject.spec.scaleTargetRef.name, min: scaledObject.spec.minReplicaCount, max: scaledObject.spec.maxReplicaCount }).toEqual({ target: 'chat', min: 1, max: 2 });
    expect(isAvailable(cluster.get('deployment', 'chat', NAMESPACE))).toBe(true);

    const log = steps(eventLog);
    const order = (definition: string, object: string) => ({ definition, object, definitionDone: log.get(`create ${definition}`)!.end!, objectBegins: log.get(`create ${object}`)!.begin });
    for (const [definition, object] of [
      ['_platform/customresourcedefinition-httproutes.gateway.networking.k8s.io', 'serve/httproute-chat'],
      ['_platform/customresourcedefinition-scaledobjects.keda.sh', 'serve/scaledobject-chat'],
    ]) {
      const seen = order(definition, object);
      expect(seen.definitionDone).toBeLessThan(seen.objectBegins);
    }
  });

  test('a canary that cannot become ready gets no traffic: the route keeps its one backend until the canary Deployment is Available, then splits 90/10', async () => {
    const cordoned = nodes();
    expect(cordoned.length).toBeGreaterThan(0);
    for (const node of cordoned) cluster.kubectlOk(['cordon', node]);
    stack.writeTenant('serve.yaml', tenant(CANARY));
    const up = stack.upInBackground();
    const exited = new Promise<number | null>((resolve) => up.once('exit', (status) => resolve(status)));

    const seen: string[][] = [];
    let checked = false;
    let status: number | null;
    try {
      await cluster.waitFor('the canary Deployment created', () => cluster.get('deployment', 'chat-canary', NAMESPACE) !== undefined, 300_000);
      // Ten looks, two seconds apart (about 20 s), while the canary cannot become Available.
      for (let look = 0; look < 10; look++) {
        if (look > 0) await new Promise((resolve) => setTimeout(resolve, 2000));
        expect(isAvailable(cluster.get('deployment', 'chat-canary', NAMESPACE))).toBe(false);
        seen.push(backends());
      }
      expect(up.exitCode).toBeNull(); // still waiting for the canary
      const pending = cluster.pods(NAMESPACE, 'mlp.io/track=canary');
      expect(pending.map((pod) => [pod.status.phase, pod.spec.nodeName])).toEqual([['Pending', undefined]]);
      checked = true;
    } finally {
      for (const node of cordoned) cluster.kubectlOk(['uncordon', node]);
      // After a failed check the update is stopped, so that it does not outlive the test and its directory.
      if (!checked) killProcessTree(up.pid!);
      status = await exited;
    }
    expect(seen.map((entry) => entry.join(','))).toEqual(Array(10).fill('chat:1'));
    expect(status).toBe(0);
    expect(backends()).toEqual(['chat-stable:90', 'chat-canary:10']);
    const canary = cluster.get('deployment', 'chat-canary', NAMESPACE);
    expect({ available: isAvailable(canary), image: canary.spec.template.spec.containers[0].image }).toEqual({
      available: true,
      image: 'registry.ml.example.com/serve/chat:1.1.0-rc1',
    });
  });

  test("removing the canary: the route's update finishes before the canary Deployment's delete begins; nothing of the canary is left", () => {
    stack.writeTenant('serve.yaml', tenant());
    const eventLog = path.join(dir, 'events-canary-removed.log');
    upWithEventLog(stack, eventLog);
    const log = steps(eventLog);
    const route = log.get('update serve/httproute-chat');
    const deletion = log.get('delete serve/deployment-chat-canary');
    expect({ routeUpdated: route?.end !== undefined, deploymentDeleted: deletion?.end !== undefined }).toEqual({ routeUpdated: true, deploymentDeleted: true });
    expect(route!.end!).toBeLessThan(deletion!.begin);
    expect([...log.keys()].filter((key) => key.startsWith('delete ')).sort()).toEqual([
      'delete serve/deployment-chat-canary',
      'delete serve/poddisruptionbudget-chat-canary',
      'delete serve/scaledobject-chat-canary',
      'delete serve/service-chat-canary',
      'delete serve/service-chat-stable',
    ]);

    expect(backends()).toEqual(['chat:1']);
    const left = JSON.parse(cluster.kubectlOk(['get', 'deployments,services,poddisruptionbudgets,scaledobjects,horizontalpodautoscalers', '-n', NAMESPACE, '-o', 'json'])).items;
    expect(left.length).toBeGreaterThan(0);
    expect(left.filter((object: any) => /^chat-(canary|stable)$/.test(object.metadata.name) || object.metadata.labels?.['mlp.io/track'] === 'canary')).toEqual([]);
    expect(stack.previewChanges()).toEqual([]);
  });
});
