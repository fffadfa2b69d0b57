import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MANAGED_BY, MANAGED_BY_LABEL, TIERS, TIER_LABEL, priorityClassName } from '../lib/labels';
import { PlatformFile } from '../lib/schema/platform';

export interface PlatformChartProps {
  /** The platform file. */
  readonly platform: PlatformFile;
}

/** Cluster-scoped objects every tenant relies on: one PriorityClass per tier. */
export class PlatformChart extends Chart {
  public constructor(scope: Construct, id: string, props: PlatformChartProps) {
    super(scope, id);
    const tiers = props.platform.spec.tiers;
    for (const tier of TIERS) {
      new k8s.KubePriorityClass(this, `priority-${tier}`, {
        metadata: {
          name: priorityClassName(tier),
          labels: { [TIER_LABEL]: tier, [MANAGED_BY_LABEL]: MANAGED_BY },
        },
        value: tiers[tier].value,
        globalDefault: false,
        preemptionPolicy: tiers[tier].preemption ? 'PreemptLowerPriority' : 'Never',
        description: `Pods of ${tier}-tier tenants of the ML platform.`,
      });
    }
  }
}
