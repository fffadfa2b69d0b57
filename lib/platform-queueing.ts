import { Construct } from 'constructs';
import { GpuPlacement } from './gpu-placement';
import { ResourceFlavor, WorkloadPriorityClass } from './imports/kueue.x-k8s.io';
import { MANAGED_BY, MANAGED_BY_LABEL, TIERS, TIER_LABEL, Tier } from './labels';
import { DNS1123_LABEL } from './names';
import { DEFAULT_FLAVOR, workloadPriorityClassName } from './queueing';

export interface PlatformQueueingProps {
  /**
   * The platform's GPU types: one ResourceFlavor each, named like the type, whose node labels
   * and tolerations Kueue puts on the pods of the workloads it admits on that flavor.
   * @see https://kueue.sigs.k8s.io/docs/concepts/resource_flavor/
   */
  readonly gpuTypes: readonly GpuPlacement[];
  /**
   * The value of each tier's WorkloadPriorityClass: the same as its PriorityClass, so that the
   * order Kueue admits and preempts in is the order the scheduler preempts pods in.
   * @see https://kueue.sigs.k8s.io/docs/concepts/workload_priority_class/
   */
  readonly priorities: Readonly<Record<Tier, number>>;
}

/**
 * The cluster-wide Kueue objects every tenant queue refers to: the ResourceFlavor
 * `default-flavor` (CPU, memory and local disk, on any node), a ResourceFlavor per GPU type,
 * and a WorkloadPriorityClass `mlp-<tier>` per tier. No Cohort object: a `cohortName` on the
 * ClusterQueues makes an implicit cohort.
 */
export class PlatformQueueing extends Construct {
  /** The ResourceFlavors, `default-flavor` first. */
  public readonly resourceFlavors: readonly ResourceFlavor[];
  /** The WorkloadPriorityClasses, by tier. */
  public readonly priorityClasses: Readonly<Record<Tier, WorkloadPriorityClass>>;

  public constructor(scope: Construct, id: string, props: PlatformQueueingProps) {
    super(scope, id);
    validateProps(props);
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY };
    this.resourceFlavors = [
      new ResourceFlavor(this, DEFAULT_FLAVOR, { metadata: { name: DEFAULT_FLAVOR, labels }, spec: {} }),
      ...props.gpuTypes.map(
        (type) =>
          new ResourceFlavor(this, `gpu-${type.name}`, {
            metadata: { name: type.name, labels },
            spec: {
              nodeLabels: { ...type.nodeSelector },
              ...(type.tolerations && type.tolerations.length > 0 && {
                tolerations: type.tolerations.map((toleration) => ({ ...toleration })),
              }),
            },
          }),
      ),
    ];
    const priorityClasses: Partial<Record<Tier, WorkloadPriorityClass>> = {};
    for (const tier of TIERS) {
      priorityClasses[tier] = new WorkloadPriorityClass(this, `priority-${tier}`, {
        metadata: { name: workloadPriorityClassName(tier), labels: { ...labels, [TIER_LABEL]: tier } },
        value: props.priorities[tier],
        description: `Training jobs of ${tier} priority on the ML platform; the value of the PriorityClass ${workloadPriorityClassName(tier)}.`,
      });
    }
    this.priorityClasses = priorityClasses as Record<Tier, WorkloadPriorityClass>;
  }
}

function validateProps(props: PlatformQueueingProps): void {
  const names = props.gpuTypes.map((type) => type.name);
  names.forEach((name, index) => {
    if (!DNS1123_LABEL.test(name) || name.length > 63) {
      throw new Error(`PlatformQueueing: gpuTypes[${index}]: "${name}" is not a DNS-1123 label, which a ResourceFlavor name must be; rename the GPU type`);
    }
    if (name === DEFAULT_FLAVOR) {
      throw new Error(`PlatformQueueing: gpuTypes[${index}] is named "${DEFAULT_FLAVOR}", the ResourceFlavor of CPU and memory; rename the GPU type`);
    }
    if (names.indexOf(name) !== index) throw new Error(`PlatformQueueing: gpuTypes[${index}]: GPU type "${name}" is listed twice; list each type once`);
  });
  for (const tier of TIERS) {
    const value = props.priorities[tier];
    if (!Number.isInteger(value) || Math.abs(value) > 1_000_000_000) {
      throw new Error(`PlatformQueueing: priorities.${tier} must be a whole number from -1000000000 to 1000000000, got ${value}`);
    }
  }
}
