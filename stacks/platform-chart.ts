import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MANAGED_BY, MANAGED_BY_LABEL, TIERS, TIER_LABEL, priorityClassName } from '../lib/labels';
import { PlatformMonitoring } from '../lib/platform-monitoring';
import { PlatformFile } from '../config/schema/platform';
import { TenantGuardrails } from '../lib/tenant-guardrails';
import { PlatformQueueing } from '../lib/platform-queueing';
import { platformGpuTypes } from '../config/tenant-queue-config';

export interface PlatformChartProps {
  /** The platform file. */
  readonly platform: PlatformFile;
}

/**
 * Objects every tenant relies on: one PriorityClass per tier and, unless
 * disabled, Kueue's ResourceFlavors and WorkloadPriorityClasses, the admission policies that hold the tenant boundary and the
 * monitoring namespace with a Prometheus that selects the tenants' monitors
 * and rules.
 */
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
    if (props.platform.spec.queueing.kueue) {
      new PlatformQueueing(this, 'queueing', {
        gpuTypes: platformGpuTypes(props.platform),
        priorities: { critical: tiers.critical.value, standard: tiers.standard.value, batch: tiers.batch.value },
      });
    }
    const guardrails = props.platform.spec.guardrails;
    if (guardrails.enabled) {
      new TenantGuardrails(this, 'guardrails', { deployerGroups: guardrails.deployerGroups });
    }
    const monitoring = props.platform.spec.monitoring;
    if (monitoring.prometheus.enabled) {
      new PlatformMonitoring(this, 'monitoring', {
        namespace: monitoring.namespace,
        instance: monitoring.instance,
        replicas: monitoring.prometheus.replicas,
        retention: monitoring.prometheus.retention,
        ephemeralStorage: monitoring.prometheus.ephemeralStorage,
      });
    }
  }
}
