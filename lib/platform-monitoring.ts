import type { IPrometheus } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Prometheus';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MANAGED_BY, MANAGED_BY_LABEL } from './labels';
import { TENANT_NAMESPACE_SELECTOR, monitoringSelectorLabels } from './monitoring/selectors';
import { restrictedPodSecurityContext } from './pod-security';
import { exceeds, formatBytes, isQuantity, parseQuantity } from './quantity';
import { EPHEMERAL_STORAGE } from './tenant-namespace';

export interface PlatformMonitoringProps {
  /**
   * Namespace of the platform's monitoring; tenants' NetworkPolicies let it in.
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * Name of the Prometheus instance; it selects the monitors and rules labelled with it.
   * @default 'ml-platform'
   */
  readonly instance?: string;
  /**
   * Prometheus replicas.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * How long samples are kept.
   * @default '15d'
   */
  readonly retention?: string;
  /**
   * Local disk of each replica: the size limit of the data volume (an emptyDir, as the
   * Prometheus has no persistent storage) and the ephemeral-storage request and limit of the
   * prometheus container. Prometheus deletes its oldest blocks once its data passes
   * {@link PROMETHEUS_DEFAULTS}.retentionSizePercent percent of it, before the kubelet would
   * evict it for its limit.
   * @default '50Gi'
   * @see https://prometheus.io/docs/prometheus/latest/storage/#operational-aspects
   */
  readonly ephemeralStorage?: string;
}

/**
 * Defaults of {@link PlatformMonitoringProps} that the platform file schema imports. Of 50Gi,
 * the 80% Prometheus keeps (40Gi) hold the default 15 days for about 500,000 series scraped
 * every 30 s (the tenant monitors' interval) at 2 bytes per sample, the upper end of the
 * 1-2 bytes Prometheus documents.
 */
export const PROMETHEUS_DEFAULTS = {
  ephemeralStorage: '50Gi',
  /** Share of the local disk Prometheus fills before it deletes its oldest data (retentionSize). */
  retentionSizePercent: 80,
  /** The least local disk: room for the write-ahead log of a small Prometheus. */
  minEphemeralStorage: '1Gi',
} as const;

/** Prometheus's retentionSize for `percent` of a local disk of `bytes`, in whole MiB: `40GiB`. */
export function retentionSize(bytes: number, percent: number): string {
  const mebibytes = Math.floor((bytes * percent) / 100 / 2 ** 20);
  return `${formatBytes(mebibytes * 2 ** 20)}B`;
}

/**
 * The platform side of monitoring: the monitoring namespace and a
 * prometheus-operator `Prometheus` that selects, in every tenant namespace,
 * the ServiceMonitors, PodMonitors and PrometheusRules labelled with its
 * instance name, with the service account and cluster role it needs to
 * discover targets.
 */
export class PlatformMonitoring extends Construct {
  /** The monitoring namespace. */
  public readonly namespace: string;
  /** The Prometheus instance name. */
  public readonly instance: string;
  /** The Prometheus custom resource, as synthesized. */
  public readonly prometheus: ApiObject;

  public constructor(scope: Construct, id: string, props: PlatformMonitoringProps = {}) {
    super(scope, id);
    this.namespace = props.namespace ?? 'monitoring';
    this.instance = props.instance ?? 'ml-platform';
    const replicas = props.replicas ?? 1;
    const retention = props.retention ?? '15d';
    const ephemeralStorage = props.ephemeralStorage ?? PROMETHEUS_DEFAULTS.ephemeralStorage;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`PlatformMonitoring: replicas must be a whole number >= 1, got ${replicas}`);
    }
    const least = PROMETHEUS_DEFAULTS.minEphemeralStorage;
    if (!isQuantity(ephemeralStorage) || exceeds(parseQuantity(least), parseQuantity(ephemeralStorage))) {
      throw new Error(`PlatformMonitoring: ephemeralStorage must be a quantity of at least ${least} (room for the write-ahead log), got "${ephemeralStorage}"`);
    }
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': this.instance };
    const serviceAccount = `prometheus-${this.instance}`;

    new k8s.KubeNamespace(this, 'namespace', {
      metadata: { name: this.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY, 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: { name: serviceAccount, namespace: this.namespace, labels },
    });
    new k8s.KubeClusterRole(this, 'cluster-role', {
      metadata: { name: `mlp-prometheus-${this.instance}`, labels },
      rules: [
        { apiGroups: [''], resources: ['services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { nonResourceUrLs: ['/metrics'], verbs: ['get'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata: { name: `mlp-prometheus-${this.instance}`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `mlp-prometheus-${this.instance}` },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: this.namespace }],
    });

    const selector = { matchLabels: monitoringSelectorLabels(this.instance) };
    const prometheus: Omit<IPrometheus, 'metadata'> = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      spec: {
        replicas,
        retention,
        serviceAccountName: serviceAccount,
        serviceMonitorSelector: selector,
        serviceMonitorNamespaceSelector: TENANT_NAMESPACE_SELECTOR,
        podMonitorSelector: selector,
        podMonitorNamespaceSelector: TENANT_NAMESPACE_SELECTOR,
        ruleSelector: selector,
        ruleNamespaceSelector: TENANT_NAMESPACE_SELECTOR,
        securityContext: restrictedPodSecurityContext(),
        retentionSize: retentionSize(parseQuantity(ephemeralStorage), PROMETHEUS_DEFAULTS.retentionSizePercent),
        storage: { emptyDir: { sizeLimit: ephemeralStorage } },
        resources: {
          requests: { cpu: '500m', memory: '2Gi', [EPHEMERAL_STORAGE]: ephemeralStorage },
          limits: { memory: '4Gi', [EPHEMERAL_STORAGE]: ephemeralStorage },
        },
      },
    };
    this.prometheus = new ApiObject(this, 'prometheus', {
      ...prometheus,
      metadata: { name: this.instance, namespace: this.namespace, labels },
    });
  }
}
