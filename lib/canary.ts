/**
 * The canary of a model service: a second track of another image beside the stable one, its
 * bounds and names. ModelService builds it; routes, monitoring, the queue's serving reserve and
 * the review read {@link ModelServiceCanary}.
 */

/** The canary of a model service: the same pods as the stable track but for the image. */
export interface CanaryOptions {
  /** Container image of the canary, pinned; not the stable `image`. */
  readonly image: string;
  /** Percent of the route's requests the canary gets, a whole number from 0 to 100. */
  readonly weight: number;
  /**
   * Fewest canary replicas.
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * Most canary replicas.
   * @default - the stable maximum's share of the weight, rounded up: max(minReplicas, ceil(maxReplicas x weight / 100))
   */
  readonly maxReplicas?: number;
}

/** The canary track of a model service, resolved: what monitoring, review and routes read. */
export interface ModelServiceCanary {
  /** Name of its Deployment, Service, autoscaler and PDB: `<service>-canary`. */
  readonly name: string;
  readonly image: string;
  /** Percent of the route's requests. */
  readonly weight: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Labels that select the canary's pods (its Deployment's selector). */
  readonly selectorLabels: Readonly<Record<string, string>>;
}

/** Name of the objects of a service's canary (Deployment, Service, autoscaler, PDB). */
export function canaryName(service: string): string {
  return `${service}-canary`;
}

/** Name of the Service that selects a service's stable pods only, while it has a canary. */
export function stableServiceName(service: string): string {
  return `${service}-stable`;
}

/**
 * A canary's autoscaling bounds, the unset ones defaulted: min 1; max the stable maximum's share
 * of the weight, rounded up, and at least min.
 */
export function defaultCanaryReplicas(
  stableMaxReplicas: number,
  weight: number,
  minReplicas: number | undefined,
  maxReplicas: number | undefined,
): { minReplicas: number; maxReplicas: number } {
  const min = minReplicas ?? 1;
  return { minReplicas: min, maxReplicas: maxReplicas ?? Math.max(min, Math.ceil((stableMaxReplicas * weight) / 100)) };
}

/** The canary of the model service `service`, its defaults resolved and checked. */
export function resolveCanary(
  service: string,
  stableImage: string,
  stableMaxReplicas: number,
  canary: CanaryOptions,
  selectorLabels: Readonly<Record<string, string>>,
): ModelServiceCanary {
  const where = `ModelService ${service}: canary`;
  if (!Number.isInteger(canary.weight) || canary.weight < 0 || canary.weight > 100) {
    throw new Error(`${where}.weight must be a whole number from 0 to 100 (percent of requests), got ${canary.weight}`);
  }
  if (canary.image === stableImage) {
    throw new Error(`${where}.image is the stable image ${stableImage}: nothing to compare; to promote it, remove canary`);
  }
  const replicas = defaultCanaryReplicas(stableMaxReplicas, canary.weight, canary.minReplicas, canary.maxReplicas);
  if (!Number.isInteger(replicas.minReplicas) || replicas.minReplicas < 1) {
    throw new Error(`${where}.minReplicas must be a whole number >= 1, got ${replicas.minReplicas}`);
  }
  if (!Number.isInteger(replicas.maxReplicas) || replicas.maxReplicas < replicas.minReplicas) {
    throw new Error(`${where}.maxReplicas (${replicas.maxReplicas}) must be a whole number >= minReplicas (${replicas.minReplicas})`);
  }
  const name = canaryName(service);
  if (name.length > 63) {
    throw new Error(`${where}: its objects are named ${name}, longer than 63 characters; shorten the service name`);
  }
  return { name, image: canary.image, weight: canary.weight, ...replicas, selectorLabels };
}
