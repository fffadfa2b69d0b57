import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GpuPlacement, containerResources, gpuScheduling } from './gpu-placement';
import { COMPONENT_LABEL, NAME_LABEL } from './labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';
import { isQuantity } from './quantity';
import { TenantNamespace } from './tenant-namespace';

export interface ModelServiceProps {
  /** The tenant the service belongs to; it runs in its namespace. */
  readonly tenant: TenantNamespace;
  /** Container image with a pinned tag or digest. */
  readonly image: string;
  /**
   * Entrypoint.
   * @default - the image's entrypoint
   */
  readonly command?: readonly string[];
  /**
   * Arguments.
   * @default - the image's arguments
   */
  readonly args?: readonly string[];
  /**
   * Port the server listens on; the Service exposes it as port 80, named `http`.
   * @default 8080
   */
  readonly port?: number;
  /**
   * GPUs per replica.
   * @default 0
   */
  readonly gpus?: number;
  /**
   * Nodes the replicas run on when they use GPUs.
   * @default - no node selection; GPUs are requested as nvidia.com/gpu
   */
  readonly gpuType?: GpuPlacement;
  /**
   * CPU of each replica (request and limit); the autoscaler's target is a share of it.
   * @default '1'
   */
  readonly cpu?: string;
  /**
   * Memory of each replica (request and limit).
   * @default '2Gi'
   */
  readonly memory?: string;
  /**
   * Fewest replicas.
   * @default - 2, or maxReplicas when that is smaller
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  readonly minReplicas?: number;
  /**
   * Most replicas.
   * @default - the larger of minReplicas and 4
   */
  readonly maxReplicas?: number;
  /**
   * Average CPU utilization, in percent of the request, that the autoscaler aims for.
   * @default 70
   */
  readonly targetCpuUtilization?: number;
  /**
   * HTTP path of the startup, readiness and liveness probes.
   * @default '/healthz'
   */
  readonly healthPath?: string;
  /**
   * Environment variables.
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Port of the Prometheus metrics endpoint; when it differs from `port`, the
   * container and the Service get a second port named `metrics`.
   * @default - the serving port
   */
  readonly metricsPort?: number;
  /**
   * HTTP path of the Prometheus metrics endpoint.
   * @default '/metrics'
   */
  readonly metricsPath?: string;
}

/** Exposure of a model service through the platform ingress. */
export interface IngressOptions {
  /** Host name, e.g. `detector.vision.ml.example.com`. */
  readonly host: string;
  /**
   * Path prefix.
   * @default '/'
   */
  readonly path?: string;
  /** IngressClass of the platform's controller. */
  readonly className: string;
  /** Namespace of the ingress controller, allowed through the tenant's NetworkPolicies to this service only. */
  readonly controllerNamespace: string;
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * An autoscaled model server in a tenant namespace. The construct id is the
 * service name, shared by its Deployment, Service, HorizontalPodAutoscaler
 * and PodDisruptionBudget.
 *
 * The Deployment leaves `replicas` to the autoscaler (autoscaling/v2 on
 * CPU), so a re-deploy never fights it. Replicas spread over nodes, start
 * behind a startup probe (model loading is slow), and are probed on
 * `healthPath`. The PodDisruptionBudget allows one replica down at a time
 * and never blocks draining a node that runs a crash-looping replica.
 */
export class ModelService extends Construct {
  /** The service name (the construct id). */
  public readonly name: string;
  /** Port the server listens on. */
  public readonly port: number;
  /** GPUs per replica. */
  public readonly gpus: number;
  /** CPU per replica. */
  public readonly cpu: string;
  /** Memory per replica. */
  public readonly memory: string;
  /** Fewest replicas. */
  public readonly minReplicas: number;
  /** Most replicas. */
  public readonly maxReplicas: number;
  /** Labels that select the service's pods. */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** The Kubernetes Service in front of the replicas. */
  public readonly service: k8s.KubeService;
  /** Name of the Service port that serves Prometheus metrics: `http` or `metrics`. */
  public readonly metricsPortName: string;
  /** HTTP path of the metrics endpoint. */
  public readonly metricsPath: string;

  private readonly tenant: TenantNamespace;

  public constructor(scope: Construct, id: string, props: ModelServiceProps) {
    super(scope, id);
    this.name = id;
    this.tenant = props.tenant;
    this.port = props.port ?? 8080;
    this.gpus = props.gpus ?? 0;
    this.cpu = props.cpu ?? '1';
    this.memory = props.memory ?? '2Gi';
    this.minReplicas = props.minReplicas ?? Math.min(2, props.maxReplicas ?? 2);
    this.maxReplicas = props.maxReplicas ?? Math.max(this.minReplicas, 4);
    const targetCpuUtilization = props.targetCpuUtilization ?? 70;
    const healthPath = props.healthPath ?? '/healthz';
    const metricsPort = props.metricsPort ?? this.port;
    this.metricsPortName = metricsPort === this.port ? 'http' : 'metrics';
    this.metricsPath = props.metricsPath ?? '/metrics';
    validateProps(this, targetCpuUtilization, healthPath);
    if (!Number.isInteger(metricsPort) || metricsPort < 1 || metricsPort > 65535) {
      throw new Error(`ModelService ${this.name}: metricsPort must be a port number (1-65535), got ${metricsPort}`);
    }
    if (!this.metricsPath.startsWith('/')) {
      throw new Error(`ModelService ${this.name}: metricsPath "${this.metricsPath}" must start with "/"`);
    }
    const metricsPorts = this.metricsPortName === 'metrics' ? [{ name: 'metrics', containerPort: metricsPort }] : [];
    if (props.env && 'HOME' in props.env) {
      throw new Error(`ModelService ${this.name}: env HOME is set by the platform (/tmp, the writable volume); remove it from env`);
    }

    this.selectorLabels = { [NAME_LABEL]: this.name, [COMPONENT_LABEL]: 'serving' };
    const metadata = this.tenant.objectMetadata(this.name, this.selectorLabels);
    const probe = (periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { path: healthPath, port: k8s.IntOrString.fromString('http') },
      periodSeconds,
      failureThreshold,
      timeoutSeconds: 5,
    });

    new k8s.KubeDeployment(this, 'deployment', {
      metadata,
      spec: {
        selector: { matchLabels: { ...this.selectorLabels } },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: { labels: { ...this.tenant.labels, ...this.selectorLabels } },
          spec: {
            serviceAccountName: this.tenant.serviceAccountName,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            priorityClassName: this.tenant.priorityClassName,
            securityContext: restrictedPodSecurityContext(),
            ...gpuScheduling(this.gpus, props.gpuType),
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: { ...this.selectorLabels } },
              },
            ],
            containers: [
              {
                name: 'server',
                image: props.image,
                ...(props.command && { command: [...props.command] }),
                ...(props.args && { args: [...props.args] }),
                env: [
                  ...Object.entries(props.env ?? {}).map(([name, value]) => ({ name, value })),
                  { name: 'HOME', value: '/tmp' },
                ],
                ports: [{ name: 'http', containerPort: this.port }, ...metricsPorts],
                resources: containerResources(this.cpu, this.memory, this.gpus, props.gpuType),
                startupProbe: probe(10, 60),
                readinessProbe: probe(10, 3),
                livenessProbe: probe(20, 3),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels },
        ports: [
          { name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http') },
          ...metricsPorts.map((port) => ({ name: port.name, port: port.containerPort, targetPort: k8s.IntOrString.fromString(port.name) })),
        ],
      },
    });

    new k8s.KubeHorizontalPodAutoscalerV2(this, 'autoscaler', {
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
        minReplicas: this.minReplicas,
        maxReplicas: this.maxReplicas,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCpuUtilization } },
          },
        ],
      },
    });

    new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
      metadata,
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: { ...this.selectorLabels } },
      },
    });
  }

  /**
   * Routes `host` (and `path`) from the platform ingress to this service, and
   * lets the ingress controller's namespace reach this service's pods, on
   * the server port only.
   *
   * @returns the Ingress
   */
  public exposeViaIngress(options: IngressOptions): k8s.KubeIngress {
    const path = options.path ?? '/';
    if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/.test(options.host)) {
      throw new Error(`ModelService ${this.name}: exposeViaIngress: host "${options.host}" is not a DNS name`);
    }
    if (!path.startsWith('/')) {
      throw new Error(`ModelService ${this.name}: exposeViaIngress: path "${path}" must start with "/"`);
    }
    new k8s.KubeNetworkPolicy(this, 'allow-ingress-controller', {
      metadata: this.tenant.objectMetadata(`${this.name}-from-ingress`, this.selectorLabels),
      spec: {
        podSelector: { matchLabels: { ...this.selectorLabels } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': options.controllerNamespace } } }],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(this.port) }],
          },
        ],
      },
    });
    return new k8s.KubeIngress(this, 'ingress', {
      metadata: this.tenant.objectMetadata(this.name, this.selectorLabels),
      spec: {
        ingressClassName: options.className,
        rules: [
          {
            host: options.host,
            http: {
              paths: [
                {
                  path,
                  pathType: 'Prefix',
                  backend: { service: { name: this.name, port: { name: 'http' } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
}

function validateProps(service: ModelService, targetCpuUtilization: number, healthPath: string): void {
  const where = `ModelService ${service.name}`;
  if (!DNS1035_LABEL.test(service.name) || service.name.length > 63) {
    throw new Error(`${where}: the id is the service name and must be lowercase letters, digits and '-', starting with a letter, at most 63 characters`);
  }
  if (!Number.isInteger(service.port) || service.port < 1 || service.port > 65535) {
    throw new Error(`${where}: port must be a port number (1-65535), got ${service.port}`);
  }
  if (!Number.isInteger(service.gpus) || service.gpus < 0) {
    throw new Error(`${where}: gpus must be a whole number >= 0, got ${service.gpus}`);
  }
  for (const [prop, value] of [
    ['cpu', service.cpu],
    ['memory', service.memory],
  ] as const) {
    if (!isQuantity(value)) {
      throw new Error(`${where}: ${prop} "${value}" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)`);
    }
  }
  if (!Number.isInteger(service.minReplicas) || service.minReplicas < 1) {
    throw new Error(`${where}: minReplicas must be a whole number >= 1, got ${service.minReplicas}`);
  }
  if (!Number.isInteger(service.maxReplicas) || service.maxReplicas < service.minReplicas) {
    throw new Error(`${where}: maxReplicas (${service.maxReplicas}) must be a whole number >= minReplicas (${service.minReplicas})`);
  }
  if (!Number.isInteger(targetCpuUtilization) || targetCpuUtilization < 1 || targetCpuUtilization > 100) {
    throw new Error(`${where}: targetCpuUtilization must be a percentage from 1 to 100, got ${targetCpuUtilization}`);
  }
  if (!healthPath.startsWith('/')) {
    throw new Error(`${where}: healthPath "${healthPath}" must start with "/"`);
  }
}
