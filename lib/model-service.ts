import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GpuPlacement } from './gpu-placement';
import { COMPONENT_LABEL, NAME_LABEL, TRACK_LABEL } from './labels';
import { CLUSTER_ISSUER_ANNOTATION, EXPOSURE_DEFAULTS, GATEWAY_API_GROUP, GatewayOptions, IngressOptions, checkLabelName, checkRoute, checkSubdomainName } from './exposure';
import { HttpRoute, HttpRouteSpecRulesBackendRefs, HttpRouteSpecRulesMatchesPathType } from './imports/gateway.networking.k8s.io';
import { DNS1035_LABEL } from './names';
import { exceeds, isQuantity, parseQuantity } from './quantity';
import { CanaryOptions, ModelServiceCanary, resolveCanary, stableServiceName } from './canary';
import { LivenessProbeOptions, resolveLiveness, servingPodSpec, validateLiveness } from './serving-pod';
import { RequestAutoscaling, ServingTrack, requestLoadQuery } from './serving-track';
import { MIN_EPHEMERAL_STORAGE, TenantNamespace } from './tenant-namespace';

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
   * Local disk of each replica: the request and limit of `ephemeral-storage` of the server
   * and the size limit of its /tmp (also HOME), where a server downloads its model. The
   * server's logs count toward it too; the kubelet evicts a replica that writes more.
   * @default '10Gi'
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage
   */
  readonly ephemeralStorage?: string;
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
   * HTTP path of the startup and readiness probes, and of the liveness probe
   * unless `liveness.path` is set. Readiness takes a replica out of rotation
   * after 3 failed probes 10 s apart (a probe fails after 5 s).
   * @default '/healthz'
   * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
   */
  readonly healthPath?: string;
  /**
   * The liveness probe, which restarts a replica whose server stopped
   * answering. It is more lenient than readiness, so that a server busy for
   * a while leaves the rotation instead of being restarted.
   * @default - `healthPath`, every 30 s, 10 s timeout, restart after 4 failures in a row
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
   */
  readonly liveness?: LivenessProbeOptions;
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
  /**
   * Scale on request load through KEDA instead of CPU utilization alone: each track gets a
   * ScaledObject with a Prometheus trigger (and CPU beside it) instead of a HorizontalPodAutoscaler.
   * @default - a HorizontalPodAutoscaler on CPU
   */
  readonly requestAutoscaling?: RequestAutoscaling;
  /**
   * Requests (in flight, or per second: `requestAutoscaling.metric`) per replica that the
   * autoscaler aims for; only with `requestAutoscaling`, which it requires.
   * @default - none; required with requestAutoscaling
   */
  readonly targetRequestsPerReplica?: number;
  /**
   * A canary: a second Deployment of another image beside the stable one, which a route sends
   * `weight` percent of the requests (see `canary`).
   * @default - no canary
   */
  readonly canary?: CanaryOptions;
}

/**
 * Defaults of {@link ModelServiceProps}: the one source of them, which the
 * tenant file schema and its resolution import. Replicas: {@link defaultReplicas}.
 */
export const MODEL_SERVICE_DEFAULTS = {
  port: 8080,
  gpus: 0,
  cpu: '1',
  memory: '2Gi',
  /** Local disk of a replica: a model file several times the default 2Gi of memory, and logs. */
  ephemeralStorage: '10Gi',
  targetCpuUtilization: 70,
  healthPath: '/healthz',
  metricsPath: '/metrics',
} as const;

/**
 * The autoscaling bounds, the unset ones defaulted: min 2, or max when that is smaller;
 * max the larger of min and 4.
 */
export function defaultReplicas(minReplicas: number | undefined, maxReplicas: number | undefined): { minReplicas: number; maxReplicas: number } {
  const min = minReplicas ?? Math.min(2, maxReplicas ?? 2);
  return { minReplicas: min, maxReplicas: maxReplicas ?? Math.max(min, 4) };
}

/**
 * Surge replicas of the Deployment's rolling update: a rollout starts a new replica before it
 * stops an old one, so at maximum replicas it needs the resources of one replica more.
 */
export const ROLLOUT_MAX_SURGE = 1;

/** Port of a model service's Service (`http`), in front of the server port. */
export const SERVICE_PORT = 80;

/**
 * An autoscaled model server in a tenant namespace. The construct id is the
 * service name, shared by its Deployment, Service, HorizontalPodAutoscaler
 * and PodDisruptionBudget.
 *
 * The Deployment leaves `replicas` to the autoscaler (autoscaling/v2 on
 * CPU), so a re-deploy never fights it. A rollout starts one replica more
 * before it stops one (maxSurge 1, maxUnavailable 0), so serving capacity
 * never drops; the quota must leave room for that replica. Replicas spread
 * over nodes, start behind a startup probe (model loading is slow), and are
 * probed on `healthPath`: readiness takes a busy replica out of rotation
 * within about 30 s, while liveness restarts it only after about 2 minutes
 * of failed probes. The PodDisruptionBudget allows one replica down at a
 * time and never blocks draining a node that runs a crash-looping replica.
 *
 * With a canary, a second track `<name>-canary` (Deployment, Service, autoscaler, PDB) runs
 * the canary image. Its pods are labelled `app.kubernetes.io/component: canary`, so that no
 * pod matches both Deployments' selectors or both PDBs (the stable selector, which is
 * immutable, stays as it was). The Service `<name>` selects the pods of both tracks, so inside
 * the cluster the split follows the replica ratio; the Service `<name>-stable` selects the
 * stable pods only, for a route that splits by weight. Objects of the stable track carry
 * `mlp.io/track: stable`, those of the canary and its pods `mlp.io/track: canary`.
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
  /** Local disk (ephemeral-storage) per replica. */
  public readonly ephemeralStorage: string;
  /** Fewest replicas. */
  public readonly minReplicas: number;
  /** Most replicas. */
  public readonly maxReplicas: number;
  /** Labels that select the stable track's pods (the selector of its Deployment and PDB). */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** Labels of every pod of the service, of every track: the Service `<name>` and the NetworkPolicies of its exposure select them. */
  public readonly podSelectorLabels: Readonly<Record<string, string>>;
  /** The Kubernetes Service in front of the replicas of both tracks. */
  public readonly service: k8s.KubeService;
  /** The canary track, when there is one. */
  public readonly canary?: ModelServiceCanary;
  /** Name of the Service port that serves Prometheus metrics: `http` or `metrics`. */
  public readonly metricsPortName: string;
  /** HTTP path of the metrics endpoint. */
  public readonly metricsPath: string;

  private readonly tenant: TenantNamespace;

  public constructor(scope: Construct, id: string, props: ModelServiceProps) {
    super(scope, id);
    this.name = id;
    this.tenant = props.tenant;
    this.port = props.port ?? MODEL_SERVICE_DEFAULTS.port;
    this.gpus = props.gpus ?? MODEL_SERVICE_DEFAULTS.gpus;
    this.cpu = props.cpu ?? MODEL_SERVICE_DEFAULTS.cpu;
    this.memory = props.memory ?? MODEL_SERVICE_DEFAULTS.memory;
    this.ephemeralStorage = props.ephemeralStorage ?? MODEL_SERVICE_DEFAULTS.ephemeralStorage;
    const replicas = defaultReplicas(props.minReplicas, props.maxReplicas);
    this.minReplicas = replicas.minReplicas;
    this.maxReplicas = replicas.maxReplicas;
    const targetCpuUtilization = props.targetCpuUtilization ?? MODEL_SERVICE_DEFAULTS.targetCpuUtilization;
    const healthPath = props.healthPath ?? MODEL_SERVICE_DEFAULTS.healthPath;
    const liveness = resolveLiveness(props.liveness, healthPath);
    const metricsPort = props.metricsPort ?? this.port;
    this.metricsPortName = metricsPort === this.port ? 'http' : 'metrics';
    this.metricsPath = props.metricsPath ?? MODEL_SERVICE_DEFAULTS.metricsPath;
    validateProps(this, targetCpuUtilization, healthPath);
    validateLiveness(`ModelService ${this.name}`, liveness);
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

    if (props.targetRequestsPerReplica !== undefined && !props.requestAutoscaling) {
      throw new Error(`ModelService ${this.name}: targetRequestsPerReplica needs requestAutoscaling (the platform's autoscaling.requests); remove it or enable request autoscaling`);
    }
    if (props.requestAutoscaling && props.targetRequestsPerReplica === undefined) {
      throw new Error(`ModelService ${this.name}: requestAutoscaling needs targetRequestsPerReplica, the requests per replica to aim for`);
    }
    if (props.targetRequestsPerReplica !== undefined && !(props.targetRequestsPerReplica > 0)) {
      throw new Error(`ModelService ${this.name}: targetRequestsPerReplica must be a number above 0, got ${props.targetRequestsPerReplica}`);
    }

    this.podSelectorLabels = { [NAME_LABEL]: this.name };
    this.selectorLabels = { [NAME_LABEL]: this.name, [COMPONENT_LABEL]: 'serving' };
    const canarySelector = { [NAME_LABEL]: this.name, [COMPONENT_LABEL]: 'canary' };
    if (props.canary) {
      this.canary = resolveCanary(this.name, props.image, this.maxReplicas, props.canary, canarySelector);
    }

    const podSpec = (image: string, selector: Readonly<Record<string, string>>): k8s.PodSpec =>
      servingPodSpec(this, {
        tenant: this.tenant,
        image,
        spreadLabels: selector,
        gpus: this.gpus,
        ...(props.gpuType && { gpuType: props.gpuType }),
        ...(props.command && { command: props.command }),
        ...(props.args && { args: props.args }),
        env: props.env ?? {},
        ports: [{ name: 'http', containerPort: this.port }, ...metricsPorts],
        ephemeralStorage: this.ephemeralStorage,
        healthPath,
        liveness,
      });
    const ports: k8s.ServicePort[] = [
      { name: 'http', port: SERVICE_PORT, targetPort: k8s.IntOrString.fromString('http') },
      ...metricsPorts.map((port) => ({ name: port.name, port: port.containerPort, targetPort: k8s.IntOrString.fromString(port.name) })),
    ];
    const requests = (track: 'stable' | 'canary') =>
      props.requestAutoscaling && {
        autoscaling: props.requestAutoscaling,
        query: requestLoadQuery(props.requestAutoscaling, this.tenant.name, this.name, track),
        targetPerReplica: props.targetRequestsPerReplica!,
      };

    // The stable track: its pod labels are what they always were (a new pod label would restart every replica).
    new ServingTrack(this, 'stable', {
      tenant: this.tenant,
      track: 'stable',
      name: this.name,
      selectorLabels: this.selectorLabels,
      podLabels: this.selectorLabels,
      podSpec: podSpec(props.image, this.selectorLabels),
      minReplicas: this.minReplicas,
      maxReplicas: this.maxReplicas,
      maxSurge: ROLLOUT_MAX_SURGE,
      targetCpuUtilization,
      // Without component: serving, so that the ServiceMonitor, which selects the Service `<name>`, does not scrape the stable pods twice.
      ...(this.canary && { service: { name: stableServiceName(this.name), labels: { ...this.podSelectorLabels, [TRACK_LABEL]: 'stable' }, ports } }),
      ...(props.requestAutoscaling && { requests: requests('stable') }),
      createdBy: 'ModelService',
    });
    if (this.canary) {
      new ServingTrack(this, 'canary', {
        tenant: this.tenant,
        track: 'canary',
        name: this.canary.name,
        selectorLabels: canarySelector,
        podLabels: { ...canarySelector, [TRACK_LABEL]: 'canary' },
        podSpec: podSpec(this.canary.image, canarySelector),
        minReplicas: this.canary.minReplicas,
        maxReplicas: this.canary.maxReplicas,
        maxSurge: ROLLOUT_MAX_SURGE,
        targetCpuUtilization,
        service: { name: this.canary.name, labels: { ...canarySelector, [TRACK_LABEL]: 'canary' }, ports },
        ...(props.requestAutoscaling && { requests: requests('canary') }),
        createdBy: 'ModelService canary',
      });
    }

    // Selects both tracks: changing it from the stable selector is an in-place update, and every stable pod has the name label.
    // It belongs to neither track, so it has no track label (only the track-specific objects do).
    this.service = new k8s.KubeService(this, 'service', {
      metadata: this.tenant.objectMetadata(this.name, this.selectorLabels),
      spec: { type: 'ClusterIP', selector: { ...this.podSelectorLabels }, ports },
    });
    this.tenant.claimName(this.service, 'ModelService');
  }

  /**
   * Routes `host` (and `path`) from the platform's Gateway to this service
   * with a Gateway API HTTPRoute attached to the Gateway's HTTPS listener (and
   * its plain HTTP listener only with `allowPlainHttp`), and lets the
   * gateway's proxy namespace reach this service's pods, of every track, on
   * the server port only.
   *
   * @returns the HTTPRoute
   * @see https://gateway-api.sigs.k8s.io/api-types/httproute/
   */
  public exposeViaGateway(options: GatewayOptions): HttpRoute {
    const where = `ModelService ${this.name}: exposeViaGateway`;
    const path = checkRoute(where, options);
    const httpsListener = options.httpsListener ?? EXPOSURE_DEFAULTS.httpsListener;
    const httpListener = options.httpListener ?? EXPOSURE_DEFAULTS.httpListener;
    const proxyNamespace = options.proxyNamespace ?? options.gatewayNamespace;
    const allowPlainHttp = options.allowPlainHttp ?? EXPOSURE_DEFAULTS.allowPlainHttp;
    checkLabelName(where, 'gatewayName', options.gatewayName);
    checkLabelName(where, 'gatewayNamespace', options.gatewayNamespace);
    checkLabelName(where, 'httpsListener', httpsListener);
    checkLabelName(where, 'httpListener', httpListener);
    checkLabelName(where, 'proxyNamespace', proxyNamespace);
    if (allowPlainHttp && httpListener === httpsListener) {
      throw new Error(`${where}: httpListener and httpsListener are both "${httpsListener}"; name the Gateway's plain HTTP listener and its HTTPS listener`);
    }
    this.allowFromNamespace('allow-gateway', `${this.name}-from-gateway`, proxyNamespace, 'exposeViaGateway()');
    const parent = (sectionName: string) => ({
      group: GATEWAY_API_GROUP,
      kind: 'Gateway',
      name: options.gatewayName,
      namespace: options.gatewayNamespace,
      sectionName,
    });
    const route = new HttpRoute(this, 'route', {
      metadata: this.tenant.objectMetadata(this.name, this.selectorLabels),
      spec: {
        parentRefs: allowPlainHttp ? [parent(httpsListener), parent(httpListener)] : [parent(httpsListener)],
        hostnames: [options.host],
        rules: [{ matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: path } }], backendRefs: this.routeBackends() }],
      },
    });
    this.tenant.claimName(route, 'exposeViaGateway()');
    return route;
  }

  /**
   * Routes `host` (and `path`) from the platform's Ingress controller to this
   * service over HTTPS (`tls`: a Secret, or a cert-manager issuer), and lets
   * the controller's namespace reach this service's pods, of every track, on
   * the server port only. Without `tls`, only with `allowPlainHttp`.
   *
   * @returns the Ingress
   */
  public exposeViaIngress(options: IngressOptions): k8s.KubeIngress {
    const where = `ModelService ${this.name}: exposeViaIngress`;
    if (this.canary) {
      throw new Error(`${where}: an Ingress cannot split traffic by weight, and the service has a canary; expose it with exposeViaGateway, or remove canary`);
    }
    const path = checkRoute(where, options);
    checkLabelName(where, 'controllerNamespace', options.controllerNamespace);
    const tls = options.tls;
    if (tls === undefined && !(options.allowPlainHttp ?? EXPOSURE_DEFAULTS.allowPlainHttp)) {
      throw new Error(`${where}: no tls given, and public services are HTTPS only; give tls.secretName or tls.clusterIssuer, or allowPlainHttp: true`);
    }
    if (tls !== undefined && (tls.secretName === undefined) === (tls.clusterIssuer === undefined)) {
      throw new Error(`${where}: tls must name exactly one of secretName and clusterIssuer`);
    }
    if (tls?.secretName !== undefined) checkSubdomainName(where, 'tls.secretName', tls.secretName);
    if (tls?.clusterIssuer !== undefined) checkSubdomainName(where, 'tls.clusterIssuer', tls.clusterIssuer);
    this.allowFromNamespace('allow-ingress-controller', `${this.name}-from-ingress`, options.controllerNamespace, 'exposeViaIngress()');
    // cert-manager answers the issuer's HTTP-01 challenge from solver pods in this namespace, through the same controller.
    if (tls?.clusterIssuer !== undefined) this.tenant.allowAcmeHttp01Solvers(options.controllerNamespace);
    const metadata = this.tenant.objectMetadata(this.name, this.selectorLabels);
    const ingress = new k8s.KubeIngress(this, 'ingress', {
      metadata: tls?.clusterIssuer === undefined ? metadata : { ...metadata, annotations: { [CLUSTER_ISSUER_ANNOTATION]: tls.clusterIssuer } },
      spec: {
        ingressClassName: options.className,
        ...(tls && { tls: [{ hosts: [options.host], secretName: tls.secretName ?? `${this.name}-tls` }] }),
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
    this.tenant.claimName(ingress, 'exposeViaIngress()');
    return ingress;
  }

  /**
   * The backends of the service's public route: the Service `<name>` without a canary; with
   * one, the stable pods (`<name>-stable`) and the canary's (`<name>-canary`) weighted
   * (100 - weight, weight), so that the route's split does not depend on the replica counts.
   */
  private routeBackends(): HttpRouteSpecRulesBackendRefs[] {
    if (!this.canary) return [{ group: '', kind: 'Service', name: this.name, port: SERVICE_PORT }];
    return [
      { group: '', kind: 'Service', name: stableServiceName(this.name), port: SERVICE_PORT, weight: 100 - this.canary.weight },
      { group: '', kind: 'Service', name: this.canary.name, port: SERVICE_PORT, weight: this.canary.weight },
    ];
  }

  /** A NetworkPolicy `name` that lets `namespace` reach this service's pods (every track) on the server port. */
  private allowFromNamespace(id: string, name: string, namespace: string, how: string): void {
    const policy = new k8s.KubeNetworkPolicy(this, id, {
      metadata: this.tenant.objectMetadata(name, this.selectorLabels),
      spec: {
        podSelector: { matchLabels: { ...this.podSelectorLabels } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } }],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(this.port) }],
          },
        ],
      },
    });
    this.tenant.claimName(policy, how);
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
    ['ephemeralStorage', service.ephemeralStorage],
  ] as const) {
    if (!isQuantity(value)) {
      throw new Error(`${where}: ${prop} "${value}" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)`);
    }
  }
  if (exceeds(parseQuantity(MIN_EPHEMERAL_STORAGE), parseQuantity(service.ephemeralStorage))) {
    throw new Error(`${where}: ephemeralStorage ${service.ephemeralStorage} is less than ${MIN_EPHEMERAL_STORAGE}, the least a container needs for its logs; raise it`);
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
