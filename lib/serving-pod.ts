/**
 * The pod of a model server, the same for every track of a service but for its image and the
 * labels its spread counts: one container `server`, restricted, its probes (startup, readiness,
 * liveness), requests equal to limits, and /tmp (also HOME) on a size-limited emptyDir.
 */
import { k8s } from 'cdk8s-plus-28';
import { ContainerSize, GpuPlacement, containerResources, gpuScheduling } from './gpu-placement';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';
import { TenantNamespace } from './tenant-namespace';

/** When the kubelet restarts a replica whose server stopped answering. */
export interface LivenessProbeOptions {
  /**
   * HTTP path of the liveness probe, e.g. a `/livez` that answers while the model is busy.
   * @default - the service's healthPath
   */
  readonly path?: string;
  /**
   * Seconds between two probes.
   * @default 30
   */
  readonly periodSeconds?: number;
  /**
   * Seconds after which a probe that got no answer counts as failed.
   * @default 10
   */
  readonly timeoutSeconds?: number;
  /**
   * Failed probes in a row after which the replica is restarted.
   * @default 4
   */
  readonly failureThreshold?: number;
}

/** The readiness probe's timing: out of rotation after 3 failed probes 10 s apart. */
export const READINESS_PROBE = { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 } as const;

/**
 * The liveness probe's timing by default: a restart after 4 failed probes in a row, 30 s apart.
 * A server whose health endpoint fails or takes over 10 s for less than 90 s (3 x 30 s) leaves
 * the rotation (readiness, after 20 to 30 s) but is not restarted.
 */
export const LIVENESS_DEFAULTS = { periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 } as const;

/** Seconds of failed probes in a row before a probe acts: failureThreshold x periodSeconds. */
export function probeFailureSeconds(probe: { readonly periodSeconds: number; readonly failureThreshold: number }): number {
  return probe.failureThreshold * probe.periodSeconds;
}

/** The liveness probe of a server checked on `healthPath`, the defaults of {@link LIVENESS_DEFAULTS} applied. */
export function resolveLiveness(liveness: LivenessProbeOptions | undefined, healthPath: string): Required<LivenessProbeOptions> {
  return {
    path: liveness?.path ?? healthPath,
    periodSeconds: liveness?.periodSeconds ?? LIVENESS_DEFAULTS.periodSeconds,
    timeoutSeconds: liveness?.timeoutSeconds ?? LIVENESS_DEFAULTS.timeoutSeconds,
    failureThreshold: liveness?.failureThreshold ?? LIVENESS_DEFAULTS.failureThreshold,
  };
}

/** Throws when the liveness probe's settings are not whole numbers, its path is relative, or it would restart a replica no later than readiness takes it out of rotation; `where` names the owner. */
export function validateLiveness(where: string, liveness: Required<LivenessProbeOptions>): void {
  if (!liveness.path.startsWith('/')) {
    throw new Error(`${where}: liveness.path "${liveness.path}" must start with "/"`);
  }
  for (const field of ['periodSeconds', 'timeoutSeconds', 'failureThreshold'] as const) {
    if (!Number.isInteger(liveness[field]) || liveness[field] < 1) {
      throw new Error(`${where}: liveness.${field} must be a whole number >= 1, got ${liveness[field]}`);
    }
  }
  const readiness = probeFailureSeconds(READINESS_PROBE);
  if (probeFailureSeconds(liveness) <= readiness) {
    throw new Error(
      `${where}: liveness restarts a replica after ${probeFailureSeconds(liveness)} s of failed probes (failureThreshold ${liveness.failureThreshold} x periodSeconds ${liveness.periodSeconds}), ` +
        `no later than readiness takes it out of rotation (${readiness} s); raise liveness.failureThreshold or liveness.periodSeconds`,
    );
  }
}

/** What a model server's pod is made of, every default resolved by its ModelService. */
export interface ServingPodOptions {
  readonly tenant: TenantNamespace;
  readonly image: string;
  /** Labels of the pods whose spread over nodes this pod counts in (its track's selector). */
  readonly spreadLabels: Readonly<Record<string, string>>;
  readonly gpus: number;
  readonly gpuType?: GpuPlacement;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The container's ports: `http`, and `metrics` when it differs. */
  readonly ports: readonly k8s.ContainerPort[];
  readonly ephemeralStorage: string;
  readonly healthPath: string;
  readonly liveness: Required<LivenessProbeOptions>;
}

/** The pod spec of a model server of `size` (CPU, memory, local disk per replica). */
export function servingPodSpec(size: ContainerSize, options: ServingPodOptions): k8s.PodSpec {
  const { tenant, liveness, healthPath } = options;
  const probe = (path: string, timing: { periodSeconds: number; timeoutSeconds: number; failureThreshold: number }): k8s.Probe => ({
    httpGet: { path, port: k8s.IntOrString.fromString('http') },
    periodSeconds: timing.periodSeconds,
    failureThreshold: timing.failureThreshold,
    timeoutSeconds: timing.timeoutSeconds,
  });
  return {
    serviceAccountName: tenant.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    priorityClassName: tenant.priorityClassName,
    securityContext: restrictedPodSecurityContext(),
    ...gpuScheduling(options.gpus, options.gpuType),
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { ...options.spreadLabels } },
      },
    ],
    containers: [
      {
        name: 'server',
        image: options.image,
        ...(options.command && { command: [...options.command] }),
        ...(options.args && { args: [...options.args] }),
        env: [...Object.entries(options.env).map(([name, value]) => ({ name, value })), { name: 'HOME', value: '/tmp' }],
        ports: [...options.ports],
        resources: containerResources(size, options.gpus, options.gpuType),
        // Model loading is slow: up to 10 minutes before readiness and liveness start.
        startupProbe: probe(healthPath, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 }),
        readinessProbe: probe(healthPath, READINESS_PROBE),
        livenessProbe: probe(liveness.path, liveness),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
    ],
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(options.ephemeralStorage) } }],
  };
}
