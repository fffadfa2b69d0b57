import { Construct } from 'constructs';
import { ModelService, ModelServiceProps } from '../../lib/model-service';
import { only, tenantChart, workloadObjects } from '../support/tenant';

const IMAGE = 'registry.example.com/nlp/llm-server:1.8.0';
const L4 = { name: 'l4', nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-L4' } };

function synth(props: Omit<ModelServiceProps, 'tenant'>, expose = false) {
  const { chart, tenant } = tenantChart();
  const service = new ModelService(chart, 'chat', { tenant, ...props });
  if (expose) {
    service.exposeViaIngress({ host: 'chat.vision.ml.example.com', className: 'nginx', controllerNamespace: 'ingress-nginx', tls: { secretName: 'wildcard-tls' } });
  }
  return workloadObjects(chart);
}

describe('ModelService', () => {
  const gpuService = (expose = true) =>
    synth({ image: IMAGE, port: 8000, gpus: 1, gpuType: L4, cpu: '8', memory: '48Gi', minReplicas: 2, maxReplicas: 8, healthPath: '/health' }, expose);

  test('synthesizes a Deployment, Service, HPA, PDB, Ingress and the ingress NetworkPolicy', () => {
    expect(gpuService()).toMatchSnapshot();
  });

  test('leaves replicas to the autoscaler', () => {
    expect(only(gpuService(), 'Deployment').spec.replicas).toBeUndefined();
  });

  test('autoscales the Deployment on CPU between min and max', () => {
    expect(only(gpuService(), 'HorizontalPodAutoscaler')).toMatchObject({
      apiVersion: 'autoscaling/v2',
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat' },
        minReplicas: 2,
        maxReplicas: 8,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    });
  });

  test('selects the same pods from the Deployment and PDB, and from the Service all pods of the service', () => {
    const objects = gpuService();
    const selector = { 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'serving' };
    expect(only(objects, 'Deployment').spec.selector).toEqual({ matchLabels: selector });
    expect(only(objects, 'Deployment').spec.template.metadata.labels).toMatchObject(selector);
    expect(only(objects, 'Service').spec.selector).toEqual({ 'app.kubernetes.io/name': 'chat' });
    expect(only(objects, 'PodDisruptionBudget').spec).toEqual({
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: selector },
    });
  });

  test('probes the health path on the server port', () => {
    const container = only(gpuService(), 'Deployment').spec.template.spec.containers[0];
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe].httpGet).toEqual({ path: '/health', port: 'http' });
    }
  });

  test('takes a busy replica out of rotation within 30 s but restarts it only after 2 minutes of failed probes', () => {
    const container = only(gpuService(), 'Deployment').spec.template.spec.containers[0];
    expect(container.startupProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 });
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    expect(container.livenessProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 });
  });

  test('probes liveness on its own path and timing when given', () => {
    const objects = synth({ image: IMAGE, healthPath: '/ready', liveness: { path: '/livez', periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 8 } });
    const container = only(objects, 'Deployment').spec.template.spec.containers[0];
    expect(container.livenessProbe).toEqual({ httpGet: { path: '/livez', port: 'http' }, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 8 });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
  });

  test('rolls out one replica more before stopping one, so capacity never drops', () => {
    expect(only(gpuService(), 'Deployment').spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  test('fails when liveness would restart a replica no later than readiness takes it out of rotation', () => {
    expect(() => synth({ image: IMAGE, liveness: { periodSeconds: 10, failureThreshold: 3 } })).toThrow(
      'ModelService chat: liveness restarts a replica after 30 s of failed probes (failureThreshold 3 x periodSeconds 10), no later than readiness takes it out of rotation (30 s); raise liveness.failureThreshold or liveness.periodSeconds',
    );
  });

  test('fails when a liveness setting is not a whole number of seconds', () => {
    expect(() => synth({ image: IMAGE, liveness: { timeoutSeconds: 0 } })).toThrow('ModelService chat: liveness.timeoutSeconds must be a whole number >= 1, got 0');
  });

  test('fails when the liveness path is relative', () => {
    expect(() => synth({ image: IMAGE, liveness: { path: 'livez' } })).toThrow('ModelService chat: liveness.path "livez" must start with "/"');
  });

  test('requests its GPU on nodes of the GPU type', () => {
    const pod = only(gpuService(), 'Deployment').spec.template.spec;
    expect(pod.containers[0].resources.limits).toEqual({ cpu: '8', memory: '48Gi', 'ephemeral-storage': '10Gi', 'nvidia.com/gpu': 1 });
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L4' });
  });

  test('runs restricted', () => {
    const pod = only(gpuService(), 'Deployment').spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('routes the host through the platform ingress and admits only the controller, on the server port', () => {
    const objects = gpuService();
    expect(only(objects, 'Ingress').spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['chat.vision.ml.example.com'], secretName: 'wildcard-tls' }],
      rules: [
        {
          host: 'chat.vision.ml.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'chat', port: { name: 'http' } } } }] },
        },
      ],
    });
    expect(only(objects, 'NetworkPolicy').spec).toEqual({
      // Every pod of the service, of every track (a canary's too).
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'chat' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
          ports: [{ protocol: 'TCP', port: 8000 }],
        },
      ],
    });
  });

  test('is reachable inside the cluster only unless exposed', () => {
    const objects = gpuService(false);
    expect(objects.filter((object) => object.kind === 'Ingress' || object.kind === 'NetworkPolicy')).toEqual([]);
    expect(only(objects, 'Service').spec.type).toBe('ClusterIP');
  });

  test('defaults to 2 to 4 CPU replicas of 1 core, 2Gi and 10Gi of local disk on port 8080', () => {
    const objects = synth({ image: IMAGE });
    const autoscaler = only(objects, 'HorizontalPodAutoscaler').spec;
    expect([autoscaler.minReplicas, autoscaler.maxReplicas]).toEqual([2, 4]);
    const container = only(objects, 'Deployment').spec.template.spec.containers[0];
    expect(container.resources.limits).toEqual({ cpu: '1', memory: '2Gi', 'ephemeral-storage': '10Gi' });
    expect(container.resources.requests).toEqual(container.resources.limits);
    expect(only(objects, 'Deployment').spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '10Gi' } }]);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    expect(only(objects, 'Deployment').spec.template.spec.nodeSelector).toBeUndefined();
  });

  test('defaults min replicas down to a smaller max', () => {
    const autoscaler = only(synth({ image: IMAGE, maxReplicas: 1 }), 'HorizontalPodAutoscaler').spec;
    expect([autoscaler.minReplicas, autoscaler.maxReplicas]).toEqual([1, 1]);
  });

  test('fails when min replicas exceed max replicas', () => {
    expect(() => synth({ image: IMAGE, minReplicas: 5, maxReplicas: 3 })).toThrow(
      'ModelService chat: maxReplicas (3) must be a whole number >= minReplicas (5)',
    );
  });

  test('fails when the CPU target is not a percentage', () => {
    expect(() => synth({ image: IMAGE, targetCpuUtilization: 0 })).toThrow(
      'ModelService chat: targetCpuUtilization must be a percentage from 1 to 100, got 0',
    );
  });

  test('fails when the port is out of range', () => {
    expect(() => synth({ image: IMAGE, port: 70000 })).toThrow('ModelService chat: port must be a port number (1-65535), got 70000');
  });

  test('fails when the health path is relative', () => {
    expect(() => synth({ image: IMAGE, healthPath: 'health' })).toThrow('ModelService chat: healthPath "health" must start with "/"');
  });

  test('fails when the ingress host is not a DNS name', () => {
    const { chart, tenant } = tenantChart();
    const service = new ModelService(chart, 'chat', { tenant, image: IMAGE });
    expect(() => service.exposeViaIngress({ host: 'not a host', className: 'nginx', controllerNamespace: 'ingress-nginx', tls: { secretName: 'wildcard-tls' } })).toThrow(
      'ModelService chat: exposeViaIngress: host "not a host" is not a DNS name (lowercase labels separated by dots, e.g. chat.nlp.ml.example.com)',
    );
  });

  test('fails when its ingress NetworkPolicy takes the name of a namespace allowed with allowFrom', () => {
    // The README's case: allowFrom('ingress') and a service "allow" exposed via the ingress both make NetworkPolicy allow-from-ingress.
    const { chart, tenant } = tenantChart();
    tenant.allowFrom('ingress');
    const service = new ModelService(chart, 'allow', { tenant, image: IMAGE });
    expect(() => service.exposeViaIngress({ host: 'allow.vision.ml.example.com', className: 'nginx', controllerNamespace: 'ingress-nginx', tls: { secretName: 'wildcard-tls' } })).toThrow(
      new Error(
        `TenantNamespace vision: NetworkPolicy "allow-from-ingress" is created twice: by test/tenant/allow-from-ingress (allowFrom('ingress')) ` +
          'and by test/allow/allow-ingress-controller (exposeViaIngress()); ' +
          'a namespace holds one NetworkPolicy of each name, so one would replace the other: rename one of them (a job or service is named by its construct id), or create it once',
      ),
    );
  });

  test('fails when a second service of the same name is created in another scope', () => {
    const { chart, tenant } = tenantChart();
    new ModelService(new Construct(chart, 'team-a'), 'chat', { tenant, image: IMAGE });
    expect(() => new ModelService(new Construct(chart, 'team-b'), 'chat', { tenant, image: IMAGE })).toThrow(
      new Error(
        'TenantNamespace vision: Deployment "chat" is created twice: by test/team-a/chat/stable/deployment (ModelService) and by test/team-b/chat/stable/deployment (ModelService); ' +
          'a namespace holds one Deployment of each name, so one would replace the other: rename one of them (a job or service is named by its construct id), or create it once',
      ),
    );
  });
});

describe('ModelService local disk', () => {
  test('requests and is limited to the local disk given, and bounds /tmp by it', () => {
    const pod = only(synth({ image: IMAGE, ephemeralStorage: '40Gi' }), 'Deployment').spec.template.spec;
    expect(pod.containers[0].resources.requests['ephemeral-storage']).toBe('40Gi');
    expect(pod.containers[0].resources.limits['ephemeral-storage']).toBe('40Gi');
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '40Gi' } }]);
  });

  test('fails when the local disk cannot hold the server’s logs', () => {
    expect(() => synth({ image: IMAGE, ephemeralStorage: '1Mi' })).toThrow(
      'ModelService chat: ephemeralStorage 1Mi is less than 64Mi, the least a container needs for its logs; raise it',
    );
  });
});

describe('ModelService canary', () => {
  const CANARY_IMAGE = 'registry.example.com/nlp/llm-server:1.9.0-rc1';
  const withCanary = (canary: Partial<NonNullable<ModelServiceProps['canary']>> = {}, props: Partial<Omit<ModelServiceProps, 'tenant'>> = {}) =>
    synth({ image: IMAGE, minReplicas: 2, maxReplicas: 6, ...props, canary: { image: CANARY_IMAGE, weight: 10, ...canary } });
  const named = (objects: any[], kind: string, name: string) => {
    const matching = objects.filter((object) => object.kind === kind && object.metadata.name === name);
    if (matching.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${matching.length}`);
    return matching[0];
  };
  /** True when a pod with `labels` matches the matchLabels `selector`. */
  const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);

  test('synthesizes the canary track beside the stable one', () => {
    const objects = withCanary();
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'Deployment/chat',
      'Deployment/chat-canary',
      'HorizontalPodAutoscaler/chat',
      'HorizontalPodAutoscaler/chat-canary',
      'PodDisruptionBudget/chat',
      'PodDisruptionBudget/chat-canary',
      'Service/chat',
      'Service/chat-canary',
      'Service/chat-stable',
    ]);
    expect(objects).toMatchSnapshot();
  });

  test('runs the canary image with the same pod spec as stable otherwise', () => {
    const objects = withCanary();
    const stable = named(objects, 'Deployment', 'chat').spec.template.spec;
    const canary = named(objects, 'Deployment', 'chat-canary').spec.template.spec;
    expect(canary.containers[0].image).toBe(CANARY_IMAGE);
    expect(stable.containers[0].image).toBe(IMAGE);
    expect({ ...canary, containers: [{ ...canary.containers[0], image: IMAGE }], topologySpreadConstraints: undefined }).toEqual({
      ...stable,
      topologySpreadConstraints: undefined,
    });
  });

  test('never lets a pod match both Deployments or both PDBs', () => {
    const objects = withCanary();
    const stablePod = named(objects, 'Deployment', 'chat').spec.template.metadata.labels;
    const canaryPod = named(objects, 'Deployment', 'chat-canary').spec.template.metadata.labels;
    const stableSelector = named(objects, 'Deployment', 'chat').spec.selector.matchLabels;
    const canarySelector = named(objects, 'Deployment', 'chat-canary').spec.selector.matchLabels;
    expect(stableSelector).toEqual({ 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'serving' });
    expect(canarySelector).toEqual({ 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'canary' });
    expect([matches(stableSelector, stablePod), matches(stableSelector, canaryPod)]).toEqual([true, false]);
    expect([matches(canarySelector, stablePod), matches(canarySelector, canaryPod)]).toEqual([false, true]);
    const stableBudget = named(objects, 'PodDisruptionBudget', 'chat').spec.selector.matchLabels;
    const canaryBudget = named(objects, 'PodDisruptionBudget', 'chat-canary').spec.selector.matchLabels;
    expect([matches(stableBudget, stablePod), matches(stableBudget, canaryPod)]).toEqual([true, false]);
    expect([matches(canaryBudget, stablePod), matches(canaryBudget, canaryPod)]).toEqual([false, true]);
    // Services: chat both tracks, chat-stable and chat-canary one each.
    const selects = (name: string) => [stablePod, canaryPod].map((pod) => matches(named(objects, 'Service', name).spec.selector, pod));
    expect({ chat: selects('chat'), stable: selects('chat-stable'), canary: selects('chat-canary') }).toEqual({
      chat: [true, true],
      stable: [true, false],
      canary: [false, true],
    });
  });

  test('labels the tracks: stable objects but not their pods, canary objects and pods; the shared Service chat none', () => {
    const objects = withCanary();
    const track = (object: any) => object.metadata.labels['mlp.io/track'];
    for (const kind of ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
      expect([track(named(objects, kind, 'chat')), track(named(objects, kind, 'chat-canary'))]).toEqual(['stable', 'canary']);
    }
    expect(named(objects, 'Deployment', 'chat').spec.template.metadata.labels['mlp.io/track']).toBeUndefined();
    expect(named(objects, 'Deployment', 'chat-canary').spec.template.metadata.labels['mlp.io/track']).toBe('canary');
    // Service chat selects the pods of both tracks: it belongs to neither.
    expect([track(named(objects, 'Service', 'chat')), track(named(objects, 'Service', 'chat-stable')), track(named(objects, 'Service', 'chat-canary'))]).toEqual([
      undefined,
      'stable',
      'canary',
    ]);
    expect(named(objects, 'Service', 'chat').spec.selector).toEqual({ 'app.kubernetes.io/name': 'chat' });
    expect(track(named(synth({ image: IMAGE }), 'Service', 'chat'))).toBeUndefined();
  });

  test('keeps the stable Deployment as it was without a canary, but for the track label', () => {
    const before = only(synth({ image: IMAGE, minReplicas: 2, maxReplicas: 6 }), 'Deployment');
    const after = named(withCanary(), 'Deployment', 'chat');
    expect(after.spec).toEqual(before.spec);
    expect(after.metadata.labels).toEqual({ ...before.metadata.labels, 'mlp.io/track': 'stable' });
  });

  test('emits chat-stable only while there is a canary', () => {
    const objects = synth({ image: IMAGE });
    expect(objects.filter((object) => object.kind === 'Service').map((object) => object.metadata.name)).toEqual(['chat']);
  });

  test('defaults the canary bounds to 1 and the weight share of the stable maximum, rounded up', () => {
    const hpa = (objects: any[]) => named(objects, 'HorizontalPodAutoscaler', 'chat-canary').spec;
    expect(hpa(withCanary({ weight: 10 }))).toMatchObject({ minReplicas: 1, maxReplicas: 1, scaleTargetRef: { name: 'chat-canary' } });
    expect(hpa(withCanary({ weight: 50 }))).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
    expect(hpa(withCanary({ weight: 40 }, { maxReplicas: 6 }))).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
    expect(hpa(withCanary({ weight: 10, minReplicas: 2 }))).toMatchObject({ minReplicas: 2, maxReplicas: 2 });
    expect(hpa(withCanary({ weight: 10, minReplicas: 1, maxReplicas: 4 }))).toMatchObject({ minReplicas: 1, maxReplicas: 4 });
  });

  test('publishes the canary for routes, monitoring and review', () => {
    const { chart, tenant } = tenantChart();
    const service = new ModelService(chart, 'chat', { tenant, image: IMAGE, maxReplicas: 6, canary: { image: CANARY_IMAGE, weight: 25 } });
    expect(service.canary).toEqual({
      name: 'chat-canary',
      image: CANARY_IMAGE,
      weight: 25,
      minReplicas: 1,
      maxReplicas: 2,
      selectorLabels: { 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'canary' },
    });
    expect(service.podSelectorLabels).toEqual({ 'app.kubernetes.io/name': 'chat' });
    const plain = new ModelService(chart, 'plain', { tenant, image: IMAGE });
    expect(plain.canary).toBeUndefined();
  });

  test('splits the public route by weight between chat-stable and chat-canary', () => {
    const route = (weight: number) => {
      const { chart, tenant } = tenantChart();
      const service = new ModelService(chart, 'chat', { tenant, image: IMAGE, canary: { image: CANARY_IMAGE, weight } });
      service.exposeViaGateway({ host: 'chat.vision.ml.example.com', gatewayName: 'ml-gateway', gatewayNamespace: 'gateway-system' });
      return only(workloadObjects(chart), 'HTTPRoute').spec.rules;
    };
    const backends = (weight: number) => {
      const rules = route(weight);
      expect(rules).toHaveLength(1);
      return rules[0].backendRefs;
    };
    expect(backends(10)).toEqual([
      { group: '', kind: 'Service', name: 'chat-stable', port: 80, weight: 90 },
      { group: '', kind: 'Service', name: 'chat-canary', port: 80, weight: 10 },
    ]);
    expect(backends(0).map((backend: any) => backend.weight)).toEqual([100, 0]);
    expect(backends(100).map((backend: any) => backend.weight)).toEqual([0, 100]);
    const { chart, tenant } = tenantChart();
    new ModelService(chart, 'chat', { tenant, image: IMAGE }).exposeViaGateway({ host: 'chat.vision.ml.example.com', gatewayName: 'ml-gateway', gatewayNamespace: 'gateway-system' });
    expect(only(workloadObjects(chart), 'HTTPRoute').spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'chat', port: 80 }]);
  });

  test('fails when a service with a canary is exposed through an Ingress', () => {
    const { chart, tenant } = tenantChart();
    const service = new ModelService(chart, 'chat', { tenant, image: IMAGE, canary: { image: CANARY_IMAGE, weight: 10 } });
    expect(() =>
      service.exposeViaIngress({ host: 'chat.vision.ml.example.com', className: 'nginx', controllerNamespace: 'ingress-nginx', tls: { secretName: 'wildcard-tls' } }),
    ).toThrow('ModelService chat: exposeViaIngress: an Ingress cannot split traffic by weight, and the service has a canary; expose it with exposeViaGateway, or remove canary');
  });

  test('fails when the canary weight is not a whole percentage', () => {
    expect(() => withCanary({ weight: 101 })).toThrow('ModelService chat: canary.weight must be a whole number from 0 to 100 (percent of requests), got 101');
    expect(() => withCanary({ weight: 2.5 })).toThrow('ModelService chat: canary.weight must be a whole number from 0 to 100 (percent of requests), got 2.5');
  });

  test('fails when the canary image is the stable image', () => {
    expect(() => withCanary({ image: IMAGE })).toThrow(
      `ModelService chat: canary.image is the stable image ${IMAGE}: nothing to compare; to promote it, remove canary`,
    );
  });

  test('fails when the canary bounds are the wrong way round', () => {
    expect(() => withCanary({ minReplicas: 3, maxReplicas: 2 })).toThrow('ModelService chat: canary.maxReplicas (2) must be a whole number >= minReplicas (3)');
  });

  test('fails when another workload already has the canary name', () => {
    const { chart, tenant } = tenantChart();
    new ModelService(chart, 'chat-canary', { tenant, image: IMAGE });
    expect(() => new ModelService(chart, 'chat', { tenant, image: IMAGE, canary: { image: CANARY_IMAGE, weight: 10 } })).toThrow(
      'TenantNamespace vision: Deployment "chat-canary" is created twice: by test/chat-canary/stable/deployment (ModelService) and by test/chat/canary/deployment (ModelService canary)',
    );
  });
});

describe('ModelService request autoscaling', () => {
  const requestAutoscaling = { prometheusAddress: 'http://prometheus-operated.monitoring.svc:9090', metric: 'inFlight', series: 'http_requests_in_flight' } as const;

  test('scales each track with a ScaledObject on its requests and CPU, and emits no HPA', () => {
    const objects = synth({
      image: IMAGE,
      minReplicas: 2,
      maxReplicas: 6,
      targetRequestsPerReplica: 4,
      requestAutoscaling,
      canary: { image: 'registry.example.com/nlp/llm-server:1.9.0', weight: 10 },
    });
    expect(objects.filter((object) => object.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    const scaled = objects.filter((object) => object.kind === 'ScaledObject');
    expect(scaled.map((object) => object.metadata.name)).toEqual(['chat', 'chat-canary']);
    expect(scaled[0].apiVersion).toBe('keda.sh/v1alpha1');
    expect(scaled[0].metadata.labels['mlp.io/track']).toBe('stable');
    expect(scaled[0].spec).toEqual({
      scaleTargetRef: { name: 'chat' },
      minReplicaCount: 2,
      maxReplicaCount: 6,
      fallback: { behavior: 'currentReplicasIfHigher', failureThreshold: 3, replicas: 2 },
      triggers: [
        {
          type: 'prometheus',
          metricType: 'AverageValue',
          metadata: {
            serverAddress: 'http://prometheus-operated.monitoring.svc:9090',
            query: 'sum(http_requests_in_flight{namespace="vision",service="chat",track!="canary"})',
            threshold: '4',
          },
        },
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
      ],
    });
    expect(scaled[1].spec).toMatchObject({
      scaleTargetRef: { name: 'chat-canary' },
      minReplicaCount: 1,
      maxReplicaCount: 1,
      fallback: { behavior: 'currentReplicasIfHigher', failureThreshold: 3, replicas: 1 },
    });
    expect(scaled[1].spec.triggers[0].metadata.query).toBe('sum(http_requests_in_flight{namespace="vision",service="chat",track="canary"})');
    // KEDA's HPA sets the replicas; the Deployments leave them out.
    expect(objects.filter((object) => object.kind === 'Deployment').map((object) => object.spec.replicas)).toEqual([undefined, undefined]);
  });

  test('reads the rate of the request counter with metric perSecond', () => {
    const objects = synth({ image: IMAGE, targetRequestsPerReplica: 0.5, requestAutoscaling: { ...requestAutoscaling, metric: 'perSecond', series: 'http_requests_total' } });
    expect(only(objects, 'ScaledObject').spec.triggers[0].metadata).toMatchObject({
      query: 'sum(rate(http_requests_total{namespace="vision",service="chat",track!="canary"}[2m]))',
      threshold: '0.5',
    });
  });

  test('fails when a request target is set without request autoscaling', () => {
    expect(() => synth({ image: IMAGE, targetRequestsPerReplica: 4 })).toThrow(
      "ModelService chat: targetRequestsPerReplica needs requestAutoscaling (the platform's autoscaling.requests); remove it or enable request autoscaling",
    );
  });

  test('fails when request autoscaling has no target', () => {
    expect(() => synth({ image: IMAGE, requestAutoscaling })).toThrow('ModelService chat: requestAutoscaling needs targetRequestsPerReplica, the requests per replica to aim for');
  });
});
