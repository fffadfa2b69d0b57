/**
 * The one platform setting from which every monitoring selector derives: the
 * Prometheus instance name. Monitors and rules carry the label, the
 * Prometheus custom resource selects by it, so they cannot drift apart
 * (a monitor whose labels do not match the selector is silently ignored).
 */
import { TENANT_LABEL } from '../labels';

/** Label that ties monitors, pod monitors and rules to a Prometheus instance. */
export const PROMETHEUS_INSTANCE_LABEL = 'mlp.io/prometheus';

/** Labels every ServiceMonitor, PodMonitor and PrometheusRule of the platform carries. */
export function monitoringSelectorLabels(instance: string): Record<string, string> {
  return { [PROMETHEUS_INSTANCE_LABEL]: instance };
}

/** Namespaces Prometheus looks for monitors and rules in: the tenant namespaces. */
export const TENANT_NAMESPACE_SELECTOR = {
  matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }],
};

/** Label the Grafana dashboard sidecar looks for. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';
