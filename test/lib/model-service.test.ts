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

  test('selects the same pods from the Deployment, Service and PDB', () => {
    const objects = gpuService();
    const selector = { 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'serving' };
    expect(only(objects, 'Deployment').spec.selector).toEqual({ matchLabels: selector });
    expect(only(objects, 'Deployment').spec.template.metadata.labels).toMatchObject(selector);
    expect(only(objects, 'Service').spec.selector).toEqual(selector);
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
        'TenantNamespace vision: Deployment "chat" is created twice: by test/team-a/chat/deployment (ModelService) and by test/team-b/chat/deployment (ModelService); ' +
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
