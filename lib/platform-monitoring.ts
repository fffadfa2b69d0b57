import type { IPrometheus } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Prometheus';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MANAGED_BY, MANAGED_BY_LABEL } from './labels';
import { TENANT_NAMESPACE_SELECTOR, monitoringSelectorLabels } from './monitoring/selectors';
import { restrictedPodSecurityContext } from './pod-security';

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
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`PlatformMonitoring: replicas must be a whole number >= 1, got ${replicas}`);
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
        resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '4Gi' } },
      },
    };
    this.prometheus = new ApiObject(this, 'prometheus', {
      ...prometheus,
      metadata: { name: this.instance, namespace: this.namespace, labels },
    });
  }
}
