import { canaryChanges } from '../../review/canary-changes';
import { KubeObject } from '../../policy/kube-object';

// Hand-made objects in the shapes of docs/exposure.md: a model service chat in namespace nlp.
const STABLE_IMAGE = 'registry.example.com/nlp/chat:1.4.0';
const CANARY_IMAGE = 'registry.example.com/nlp/chat:1.5.0-rc1';

const deployment = (name: string, track: 'stable' | 'canary', image: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'nlp', labels: { 'app.kubernetes.io/name': 'chat', 'mlp.io/track': track } },
  spec: {
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': 'chat', ...(track === 'canary' && { 'mlp.io/track': 'canary' }) } },
      spec: { containers: [{ name: 'server', image }] },
    },
  },
});
const autoscaler = (name: string, min: number, max: number): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace: 'nlp' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: min, maxReplicas: max },
});
const scaledObject = (name: string, min: number, max: number): KubeObject => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name, namespace: 'nlp' },
  spec: { scaleTargetRef: { name }, minReplicaCount: min, maxReplicaCount: max },
});
const backend = (name: string, weight?: number) => ({ group: '', kind: 'Service', name, port: 80, ...(weight !== undefined && { weight }) });
const route = (...backendRefs: ReturnType<typeof backend>[]): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'chat', namespace: 'nlp' },
  spec: {
    parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'ml-gateway', namespace: 'gateway-system', sectionName: 'https' }],
    hostnames: ['chat.nlp.ml.example.com'],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs }],
  },
});

/** The objects of chat, with a canary of `weight` percent when `canary` is given. */
function chat(options: { stable?: string; canary?: { image?: string; weight?: number; min?: number; max?: number }; routed?: boolean } = {}): KubeObject[] {
  const stable = [deployment('chat', 'stable', options.stable ?? STABLE_IMAGE), autoscaler('chat', 2, 6)];
  const routed = options.routed ?? true;
  if (options.canary === undefined) return [...stable, ...(routed ? [route(backend('chat'))] : [])];
  const weight = options.canary.weight ?? 10;
  return [
    ...stable,
    deployment('chat-canary', 'canary', options.canary.image ?? CANARY_IMAGE),
    autoscaler('chat-canary', options.canary.min ?? 1, options.canary.max ?? 1),
    ...(routed ? [route(backend('chat-stable', 100 - weight), backend('chat-canary', weight))] : []),
  ];
}

const lines = (before: KubeObject[], after: KubeObject[]) => canaryChanges(before, after).map((change) => `${change.category}: ${change.message} (${change.object})`);

describe('canaryChanges', () => {
  test('a canary that starts, with its image, weight and replicas', () => {
    expect(lines(chat(), chat({ canary: { weight: 10, max: 2 } }))).toEqual([
      "canary: starts a canary of chat: image registry.example.com/nlp/chat:1.5.0-rc1, 10% of the route's requests, replicas 1..2 (Deployment chat-canary)",
    ]);
  });

  test('a weight change, from → to', () => {
    expect(lines(chat({ canary: { weight: 10 } }), chat({ canary: { weight: 25 } }))).toEqual([
      "canary-weight: canary weight of chat: 10% of the route's requests → 25% of the route's requests (HTTPRoute chat)",
    ]);
  });

  test('a new canary image and new replica bounds', () => {
    expect(lines(chat({ canary: { max: 1 } }), chat({ canary: { image: 'registry.example.com/nlp/chat:1.5.0-rc2', max: 3 } }))).toEqual([
      'canary: canary image of chat: registry.example.com/nlp/chat:1.5.0-rc1 → registry.example.com/nlp/chat:1.5.0-rc2 (Deployment chat-canary)',
      'canary: canary replicas of chat: 1..1 → 1..3 (Deployment chat-canary)',
    ]);
  });

  test('a canary removed while the stable image stays', () => {
    expect(lines(chat({ canary: { weight: 10 } }), chat())).toEqual([
      "canary-removed: removes the canary of chat (image registry.example.com/nlp/chat:1.5.0-rc1, 10% of the route's requests): every request goes to the stable track (image registry.example.com/nlp/chat:1.4.0) (Deployment chat-canary)",
    ]);
  });

  test("a promotion: the canary removed and the stable track takes over the canary's image", () => {
    expect(lines(chat({ canary: { weight: 50 } }), chat({ stable: CANARY_IMAGE }))).toEqual([
      'promotion: promotes the canary of chat: the stable track runs registry.example.com/nlp/chat:1.5.0-rc1 (was registry.example.com/nlp/chat:1.4.0) and the canary is removed (Deployment chat)',
    ]);
  });

  test('a canary removed with its service', () => {
    expect(lines(chat({ canary: {} }), [])).toEqual(['canary-removed: removes the canary of chat (image registry.example.com/nlp/chat:1.5.0-rc1) with the service (Deployment chat-canary)']);
  });

  test('a canary of a service without a route: the split follows the replica ratio; KEDA bounds count', () => {
    const internal = chat({ canary: {}, routed: false }).map((object) => (object.kind === 'HorizontalPodAutoscaler' && object.metadata.name === 'chat-canary' ? scaledObject('chat-canary', 1, 2) : object));
    expect(lines(chat({ routed: false }), internal)).toEqual([
      'canary: starts a canary of chat: image registry.example.com/nlp/chat:1.5.0-rc1, no route (inside the cluster the split follows the replica ratio), replicas 1..2 (Deployment chat-canary)',
    ]);
  });

  test('a service made public while its canary runs gets the route weight', () => {
    expect(lines(chat({ canary: { weight: 10 }, routed: false }), chat({ canary: { weight: 10 } }))).toEqual([
      "canary-weight: canary weight of chat: no route (inside the cluster the split follows the replica ratio) → 10% of the route's requests (HTTPRoute chat)",
    ]);
  });

  test('weights that do not add up to 100 are shares of their sum; weight 0 is 0%', () => {
    const odd = chat({ canary: {} }).map((object) => (object.kind === 'HTTPRoute' ? route(backend('chat-stable', 2), backend('chat-canary', 1)) : object));
    expect(lines(chat({ canary: { weight: 0 } }), odd)).toEqual([
      "canary-weight: canary weight of chat: 0% of the route's requests → 33.3% of the route's requests (HTTPRoute chat)",
    ]);
  });

  test('nothing when the canary stays the same, or there is none, and nothing from the stable track alone', () => {
    expect(lines(chat({ canary: {} }), chat({ canary: {} }))).toEqual([]);
    expect(lines(chat(), chat({ stable: CANARY_IMAGE }))).toEqual([]);
  });

  test('canaries of two services are listed by service', () => {
    const rename = (objects: KubeObject[], service: string) =>
      JSON.parse(JSON.stringify(objects).replace(/"chat(-canary|-stable)?"/g, (_match, suffix: string | undefined) => `"${service}${suffix ?? ''}"`)) as KubeObject[];
    expect(lines([...rename(chat(), 'ocr'), ...chat()], [...rename(chat({ canary: {} }), 'ocr'), ...chat({ canary: {} })]).map((line) => line.split(':')[1])).toEqual([
      ' starts a canary of chat',
      ' starts a canary of ocr',
    ]);
  });
});
