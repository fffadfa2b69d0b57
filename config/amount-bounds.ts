/**
 * The platform's bounds on the amounts tenant files (and the platform's own
 * defaults) ask for: the largest quota, the largest and smallest container.
 * Each check returns one message that shows the value given, the bound and
 * where the bound is set.
 */
import { exceeds, parseMillis, parseQuantity } from '../lib/quantity';
import { MIN_EPHEMERAL_STORAGE } from '../lib/tenant-namespace';
import { PlatformFile } from './schema/platform';

/** The `limits` section of the platform file. */
export type AmountLimits = PlatformFile['spec']['limits'];

/** Kubernetes' smallest CPU amount: 1m; it rounds smaller amounts up to it. */
const MIN_CPU = '1m';
/** Smallest `/dev/shm`: below 1Mi, a shared-memory volume is a typo, not a size. */
export const MIN_SHM_SIZE = '1Mi';

/** Quota fields the platform bounds. */
export type QuotaField = keyof AmountLimits['quota'];

/** Every quota field, in the order files and reports list them. */
export const QUOTA_FIELDS = ['cpu', 'memory', 'gpu', 'storage', 'pods', 'ephemeralStorage'] as const satisfies readonly QuotaField[];

/** The amounts of one container the platform bounds (LimitRange fields and workload sizes). */
export const CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeralStorage'] as const;
export type ContainerResource = (typeof CONTAINER_RESOURCES)[number];

/** The message for a quota amount above the platform's bound, if it is. */
export function quotaAmountProblem(field: QuotaField, value: string | number, limits: AmountLimits): string | undefined {
  const bound = limits.quota[field];
  const tooLarge = typeof value === 'number' ? value > Number(bound) : parseMillis(value) > parseMillis(String(bound));
  if (!tooLarge) return undefined;
  return `${value} exceeds ${bound}, the largest ${field} quota the platform allows (limits.quota.${field} in the platform file); lower it, or ask the platform team to raise that limit`;
}

/** The message for the CPU, memory or local disk of one container outside the platform's bounds, if it is. */
export function containerAmountProblem(resource: ContainerResource, text: string, limits: AmountLimits): string | undefined {
  const value = parseQuantity(text);
  const bounds = limits.container;
  if (resource === 'ephemeralStorage') {
    if (exceeds(parseQuantity(MIN_EPHEMERAL_STORAGE), value)) {
      return `${text} is less than ${MIN_EPHEMERAL_STORAGE}, the smallest container local disk: the kubelet keeps up to 50Mi of each container's logs and evicts a container over its limit${bytesHint(text, MIN_EPHEMERAL_STORAGE)}`;
    }
    if (exceeds(value, parseQuantity(bounds.ephemeralStorage))) {
      return `${text} exceeds ${bounds.ephemeralStorage}, the largest container local disk (limits.container.ephemeralStorage in the platform file); lower it`;
    }
    return undefined;
  }
  if (resource === 'memory') {
    if (exceeds(parseQuantity(bounds.minMemory), value)) {
      return `${text} is less than ${bounds.minMemory}, the smallest container memory (limits.container.minMemory in the platform file): container runtimes refuse to start smaller containers${bytesHint(text, bounds.minMemory)}`;
    }
    if (exceeds(value, parseQuantity(bounds.memory))) {
      return `${text} exceeds ${bounds.memory}, the largest container memory (limits.container.memory in the platform file); lower it`;
    }
    return undefined;
  }
  if (exceeds(parseQuantity(MIN_CPU), value)) {
    return `${text} is less than ${MIN_CPU}, the smallest CPU amount Kubernetes has; write e.g. 100m`;
  }
  if (exceeds(value, parseQuantity(bounds.cpu))) {
    return `${text} exceeds ${bounds.cpu}, the largest container CPU (limits.container.cpu in the platform file); lower it`;
  }
  return undefined;
}

/** The message for a `/dev/shm` size below {@link MIN_SHM_SIZE}, if it is. */
export function shmSizeProblem(text: string): string | undefined {
  return exceeds(parseQuantity(MIN_SHM_SIZE), parseQuantity(text))
    ? `${text} is less than ${MIN_SHM_SIZE}, too small for a shared-memory volume${bytesHint(text, MIN_SHM_SIZE)}`
    : undefined;
}

/** The fix for memory below `minimum`: for a number without a unit, the reminder that it is bytes. */
function bytesHint(text: string, minimum: string): string {
  return /^\+?(\d+\.?\d*|\.\d+)$/.test(text) ? `; a number without a unit is bytes: write ${text.replace(/^\+/, '')}Gi for gibibytes` : `; write at least ${minimum}`;
}
