/**
 * Label keys the platform owns. Tenant files may not set labels under these
 * prefixes (see the tenant cross-checks), so selectors built from them cannot
 * be spoofed by another tenant's objects.
 */

/** The tenant an object belongs to. */
export const TENANT_LABEL = 'mlp.io/tenant';
/** The cost center charged for an object. */
export const COST_CENTER_LABEL = 'mlp.io/cost-center';
/** The scheduling tier of a tenant. */
export const TIER_LABEL = 'mlp.io/tier';
/** Which tool manages an object. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** The workload (job or service) an object belongs to. */
export const NAME_LABEL = 'app.kubernetes.io/name';
/** The role of a workload: `training` or `serving`. */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
/**
 * The release track of a model service's objects: `stable`, or `canary` for the objects of
 * its canary (on their pods too; the stable pods do not carry it, see ModelService).
 */
export const TRACK_LABEL = 'mlp.io/track';
/** Values of {@link TRACK_LABEL}. */
export type Track = 'stable' | 'canary';
/** Marks objects that hold data (checkpoint volumes): never deleted by accident. */
export const DATA_LABEL = 'mlp.io/data';

/** The value of {@link MANAGED_BY_LABEL}. */
export const MANAGED_BY = 'mlp';

/**
 * Label key prefixes that tenant files may not use: the platform's own, the
 * Kubernetes ones and Pod Security's.
 */
export const RESERVED_LABEL_PREFIXES: readonly string[] = [
  'mlp.io/',
  'kubernetes.io/',
  'k8s.io/',
  'app.kubernetes.io/',
  'pod-security.kubernetes.io/',
];

/** True when `key` is a label key under a platform-owned prefix. */
export function isReservedLabel(key: string): boolean {
  const prefix = key.includes('/') ? `${key.slice(0, key.indexOf('/'))}/` : '';
  return RESERVED_LABEL_PREFIXES.some((reserved) => prefix === reserved || prefix.endsWith(`.${reserved}`));
}

/** Scheduling tiers of tenants, from most to least important. */
export type Tier = 'critical' | 'standard' | 'batch';

/** All tiers, in priority order. */
export const TIERS: readonly Tier[] = ['critical', 'standard', 'batch'];

/** Name of the PriorityClass the platform chart emits for a tier. */
export function priorityClassName(tier: Tier): string {
  return `mlp-${tier}`;
}
