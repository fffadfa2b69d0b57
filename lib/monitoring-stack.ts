import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PROMETHEUS_DURATION } from './duration';
import { COMPONENT_LABEL, TRACK_LABEL } from './labels';
import { ModelService } from './model-service';
import { AlertThresholds, RequestMetrics, TRACK_SERIES_LABEL, tenantAlertRules } from './monitoring/alert-rules';
import { dashboardJson } from './monitoring/dashboard';
import { GRAFANA_DASHBOARD_LABEL, monitoringSelectorLabels } from './monitoring/selectors';
import { TenantNamespace } from './tenant-namespace';

/** Default alert thresholds. */
export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  gpuIdlePercent: 10,
  gpuIdleFor: '30m',
  quotaWarningPercent: 85,
  errorRatePercent: 5,
  latencyP99Seconds: 1,
  maxReplicasFor: '30m',
  canaryErrorMarginPercent: 2,
  canaryMinRequestsPerSecond: 0.5,
};

/** Default names of the model servers' request metrics. */
export const DEFAULT_REQUEST_METRICS: RequestMetrics = {
  requestsTotal: 'http_requests_total',
  errorMatcher: 'code=~"5.."',
  durationBucket: 'http_request_duration_seconds_bucket',
};

export interface MonitoringStackProps {
  /** The tenant to observe. */
  readonly tenant: TenantNamespace;
  /**
   * Model services to scrape, one ServiceMonitor each.
   * @default - none
   */
  readonly modelServices?: readonly ModelService[];
  /**
   * Name of the platform's Prometheus instance; monitors and rules carry the
   * label that its selectors match.
   * @default 'ml-platform'
   */
  readonly prometheusInstance?: string;
  /** Base URL of the runbooks; each alert links to `<base>#<alert name in lower case>`. */
  readonly runbookBaseUrl: string;
  /**
   * Label of the DCGM exporter's series that holds the pod's namespace.
   * @default 'namespace'
   * @see https://github.com/NVIDIA/dcgm-exporter
   */
  readonly gpuNamespaceLabel?: string;
  /**
   * Series names of the model servers' request metrics.
   * @default DEFAULT_REQUEST_METRICS
   */
  readonly requestMetrics?: RequestMetrics;
  /**
   * Alert thresholds; unset ones take the defaults.
   * @default DEFAULT_ALERT_THRESHOLDS
   */
  readonly thresholds?: Partial<AlertThresholds>;
}

/** Names of the objects a MonitoringStack emits; part of its API. */
export const MONITORING_OBJECT_NAMES = {
  podMonitor: 'training-jobs',
  rules: 'tenant-alerts',
  dashboard: (tenant: string) => `dashboard-${tenant}`,
} as const;

/**
 * Everything that makes a tenant observable and alerting: a ServiceMonitor
 * per model service (both tracks, each series labelled `track`), a PodMonitor
 * for training pods, a PrometheusRule with the tenant's alerts (GPU idle, quota
 * almost full and exceeded, job failed or past its deadline, error rate, p99
 * latency, autoscaler at maximum, crash loops, and a canary failing more than
 * its stable track for each service with a canary), and a Grafana dashboard
 * ConfigMap in the monitoring namespace.
 *
 * Every monitor and rule carries the label of the platform's Prometheus
 * instance, and every alert the labels `tenant` and `severity`.
 */
export class MonitoringStack extends Construct {
  /** The alert thresholds in force. */
  public readonly thresholds: AlertThresholds;

  public constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id);
    const tenant = props.tenant;
    this.thresholds = { ...DEFAULT_ALERT_THRESHOLDS, ...props.thresholds };
    const instance = props.prometheusInstance ?? 'ml-platform';
    const gpuNamespaceLabel = props.gpuNamespaceLabel ?? 'namespace';
    const requestMetrics = props.requestMetrics ?? DEFAULT_REQUEST_METRICS;
    validateThresholds(tenant.name, this.thresholds);
    const selectorLabels = monitoringSelectorLabels(instance);

    for (const service of props.modelServices ?? []) {
      const monitor: Omit<IServiceMonitor, 'metadata'> = {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        spec: {
          selector: { matchLabels: { ...service.selectorLabels } },
          endpoints: [{ port: service.metricsPortName, path: service.metricsPath, interval: '30s', relabelings: trackRelabelings(service.name) }],
        },
      };
      const serviceMonitor = new ApiObject(this, `service-monitor-${service.name}`, {
        ...monitor,
        metadata: tenant.objectMetadata(service.name, { ...service.selectorLabels, ...selectorLabels }),
      });
      tenant.claimName(serviceMonitor, 'MonitoringStack');
    }

    const podMonitor: Omit<IPodMonitor, 'metadata'> = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      spec: {
        selector: { matchLabels: { [COMPONENT_LABEL]: 'training' } },
        podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
      },
    };
    const podMonitorObject = new ApiObject(this, 'pod-monitor', {
      ...podMonitor,
      metadata: tenant.objectMetadata(MONITORING_OBJECT_NAMES.podMonitor, selectorLabels),
    });
    tenant.claimName(podMonitorObject, 'MonitoringStack');

    const canaryServices = (props.modelServices ?? []).filter((service) => service.canary !== undefined).map((service) => service.name);
    const rules = tenantAlertRules({ namespace: tenant.name, gpuNamespaceLabel, requestMetrics, thresholds: this.thresholds, canaryServices });
    const base = props.runbookBaseUrl.replace(/#.*$/, '');
    const prometheusRule: Omit<IPrometheusRule, 'metadata'> = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      spec: {
        groups: [
          {
            name: `mlp-tenant-${tenant.name}`,
            rules: rules.map((rule) => ({
              alert: rule.alert,
              expr: rule.expr,
              for: rule.for,
              labels: { tenant: tenant.name, severity: rule.severity },
              annotations: {
                summary: rule.summary,
                description: rule.description,
                runbook_url: `${base}#${rule.alert.toLowerCase()}`,
              },
            })),
          },
        ],
      },
    };
    const rulesObject = new ApiObject(this, 'rules', {
      ...prometheusRule,
      metadata: tenant.objectMetadata(MONITORING_OBJECT_NAMES.rules, selectorLabels),
    });
    tenant.claimName(rulesObject, 'MonitoringStack');

    new k8s.KubeConfigMap(this, 'dashboard', {
      metadata: {
        name: MONITORING_OBJECT_NAMES.dashboard(tenant.name),
        namespace: tenant.monitoringNamespace,
        labels: { ...tenant.labels, [GRAFANA_DASHBOARD_LABEL]: '1' },
        annotations: { grafana_folder: 'ML tenants' },
      },
      data: { [`tenant-${tenant.name}.json`]: dashboardJson({ tenant: tenant.name, gpuNamespaceLabel, requestMetrics }) },
    });
  }
}

/**
 * Relabelings of a model service's scrape targets. The Service named like the model
 * service selects the pods of both tracks, and only its targets are kept: a
 * `<service>-stable` or `<service>-canary` Service with the same labels would
 * otherwise scrape their pods a second time. Every series gets the label `track`:
 * the pod's `mlp.io/track`, or `stable` when the pod has none (stable pods do not
 * carry it: adding it to their template would restart every model server).
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#relabel_config
 */
export function trackRelabelings(serviceName: string) {
  return [
    { action: 'keep' as const, sourceLabels: ['__meta_kubernetes_service_name'], regex: serviceName },
    { action: 'replace' as const, targetLabel: TRACK_SERIES_LABEL, replacement: 'stable' },
    {
      action: 'replace' as const,
      sourceLabels: [`__meta_kubernetes_pod_label_${TRACK_LABEL.replace(/[^a-zA-Z0-9_]/g, '_')}`],
      regex: '(.+)',
      targetLabel: TRACK_SERIES_LABEL,
      replacement: '${1}',
    },
  ];
}

function validateThresholds(tenant: string, thresholds: AlertThresholds): void {
  const where = `MonitoringStack ${tenant}`;
  for (const field of ['gpuIdlePercent', 'quotaWarningPercent', 'errorRatePercent', 'canaryErrorMarginPercent'] as const) {
    const value = thresholds[field];
    if (!(value > 0 && value <= 100)) {
      throw new Error(`${where}: thresholds.${field} must be a percentage above 0 and at most 100, got ${value}`);
    }
  }
  for (const field of ['latencyP99Seconds', 'canaryMinRequestsPerSecond'] as const) {
    if (!(thresholds[field] > 0)) {
      throw new Error(`${where}: thresholds.${field} must be above 0, got ${thresholds[field]}`);
    }
  }
  for (const field of ['gpuIdleFor', 'maxReplicasFor'] as const) {
    if (!PROMETHEUS_DURATION.test(thresholds[field])) {
      throw new Error(`${where}: thresholds.${field} "${thresholds[field]}" is not a Prometheus duration such as 30m or 1h`);
    }
  }
}

