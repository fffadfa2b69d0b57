/**
 * The alerts every tenant gets, as data: PromQL expressions over the series
 * of kube-state-metrics, the DCGM exporter and the model servers' own
 * request metrics. Thresholds come from the tenant file.
 */

/** Series names of the model servers' request metrics. */
export interface RequestMetrics {
  /**
   * Counter of requests, with a status code label.
   * @default 'http_requests_total'
   */
  readonly requestsTotal: string;
  /**
   * Label matcher that selects failed requests.
   * @default 'code=~"5.."'
   */
  readonly errorMatcher: string;
  /**
   * Histogram buckets of request durations in seconds.
   * @default 'http_request_duration_seconds_bucket'
   */
  readonly durationBucket: string;
}

/** Alert thresholds of one tenant. */
export interface AlertThresholds {
  /** GPU utilization (percent) below which a GPU counts as idle. */
  readonly gpuIdlePercent: number;
  /** How long GPUs must stay idle. */
  readonly gpuIdleFor: string;
  /** Share of a quota (percent) at which the tenant is warned. */
  readonly quotaWarningPercent: number;
  /** Share of failed requests (percent) a model service may have. */
  readonly errorRatePercent: number;
  /** 99th percentile latency (seconds) a model service may have. */
  readonly latencyP99Seconds: number;
  /** How long a model service may run at its maximum replicas. */
  readonly maxReplicasFor: string;
  /**
   * Percentage points by which a canary's share of failed requests must exceed the stable
   * track's before ModelServiceCanaryErrorRateHigh fires.
   */
  readonly canaryErrorMarginPercent: number;
  /** Requests per second the canary must serve before its error ratio counts (fewer make the ratio noise). */
  readonly canaryMinRequestsPerSecond: number;
}

/** One alerting rule. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'critical' | 'warning' | 'info';
  readonly summary: string;
  readonly description: string;
}

/** What the rules are about. */
export interface AlertContext {
  readonly namespace: string;
  /** Label of the DCGM series that names the pod's namespace (`namespace`, or `exported_namespace` when the exporter's labels are not honoured). */
  readonly gpuNamespaceLabel: string;
  readonly requestMetrics: RequestMetrics;
  readonly thresholds: AlertThresholds;
  /**
   * Model services that have a canary, by name: each gets a ModelServiceCanaryErrorRateHigh rule.
   * @default - none
   */
  readonly canaryServices?: readonly string[];
}

/** Label every series scraped from a model service carries: the pod's `mlp.io/track`, `stable` when the pod has none. */
export const TRACK_SERIES_LABEL = 'track';

/** The alerting rules of one tenant, in a fixed order. */
export function tenantAlertRules(context: AlertContext): AlertRule[] {
  const ns = JSON.stringify(context.namespace);
  const { thresholds: t, requestMetrics: m } = context;
  const quotaRatio =
    `kube_resourcequota{namespace=${ns},type="used"}` +
    ` / on (namespace, resourcequota, resource) (kube_resourcequota{namespace=${ns},type="hard"} > 0)`;
  const requests = (extra: string) => `sum by (namespace, service) (rate(${m.requestsTotal}{namespace=${ns}${extra}}[5m]))`;
  return [
    {
      alert: 'TenantGpuIdle',
      expr: `avg by (${context.gpuNamespaceLabel}, pod) (DCGM_FI_DEV_GPU_UTIL{${context.gpuNamespaceLabel}=${ns}}) < ${t.gpuIdlePercent}`,
      for: t.gpuIdleFor,
      severity: 'warning',
      summary: 'GPUs of pod {{ $labels.pod }} are idle',
      description: `The GPUs of pod {{ $labels.pod }} have been below ${t.gpuIdlePercent}% utilization for ${t.gpuIdleFor} (now {{ $value | humanize }}%). Idle GPUs cost money and block other teams.`,
    },
    {
      alert: 'TenantQuotaAlmostFull',
      expr: `${quotaRatio} > ${t.quotaWarningPercent / 100}`,
      for: '15m',
      severity: 'warning',
      summary: 'Quota of {{ $labels.resource }} is almost used up',
      description: `The tenant uses {{ $value | humanizePercentage }} of its {{ $labels.resource }} quota (warning at ${t.quotaWarningPercent}%). New pods will be refused when it is full.`,
    },
    {
      alert: 'TenantQuotaExceeded',
      expr: `${quotaRatio} >= 1`,
      for: '5m',
      severity: 'critical',
      summary: 'Quota of {{ $labels.resource }} is used up',
      description: 'The tenant uses {{ $value | humanizePercentage }} of its {{ $labels.resource }} quota: the API server refuses new pods that need it.',
    },
    {
      alert: 'TrainingJobFailed',
      expr: `max by (namespace, job_name) (kube_job_status_failed{namespace=${ns},reason!="DeadlineExceeded"}) > 0`,
      for: '0m',
      severity: 'warning',
      summary: 'Training job {{ $labels.job_name }} has failed pods',
      description: 'Job {{ $labels.job_name }} has {{ $value }} failed pods; it retries up to its retry limit and then fails.',
    },
    {
      alert: 'TrainingJobDeadlineExceeded',
      expr: `max by (namespace, job_name) (kube_job_status_failed{namespace=${ns},reason="DeadlineExceeded"}) > 0`,
      for: '0m',
      severity: 'warning',
      summary: 'Training job {{ $labels.job_name }} ran past its maxRuntime',
      description: 'Job {{ $labels.job_name }} was stopped by Kubernetes at its deadline (maxRuntime in the tenant file).',
    },
    {
      alert: 'ModelServiceErrorRateHigh',
      expr: `${requests(`,${m.errorMatcher}`)} / ${requests('')} > ${t.errorRatePercent / 100}`,
      for: '10m',
      severity: 'critical',
      summary: 'Model service {{ $labels.service }} fails requests',
      description: `{{ $value | humanizePercentage }} of the requests to {{ $labels.service }} failed over 5 minutes (objective: below ${t.errorRatePercent}%).`,
    },
    {
      alert: 'ModelServiceLatencyHigh',
      expr: `histogram_quantile(0.99, sum by (namespace, service, le) (rate(${m.durationBucket}{namespace=${ns}}[5m]))) > ${t.latencyP99Seconds}`,
      for: '10m',
      severity: 'warning',
      summary: 'Model service {{ $labels.service }} is slow',
      description: `The 99th percentile latency of {{ $labels.service }} is {{ $value | humanizeDuration }} (objective: ${t.latencyP99Seconds}s).`,
    },
    {
      alert: 'ModelServiceAtMaxReplicas',
      expr:
        `kube_horizontalpodautoscaler_status_current_replicas{namespace=${ns}}` +
        ` >= on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas{namespace=${ns}}`,
      for: t.maxReplicasFor,
      severity: 'warning',
      summary: 'Model service {{ $labels.horizontalpodautoscaler }} runs at its maximum replicas',
      description: `{{ $labels.horizontalpodautoscaler }} has run at replicas.max for ${t.maxReplicasFor}: it cannot scale further; raise replicas.max (and the quota) or make it faster.`,
    },
    {
      alert: 'PodCrashLooping',
      expr: `max_over_time(kube_pod_container_status_waiting_reason{namespace=${ns},reason="CrashLoopBackOff"}[5m]) >= 1`,
      for: '15m',
      severity: 'warning',
      summary: 'Container {{ $labels.container }} of pod {{ $labels.pod }} is crash-looping',
      description: 'Container {{ $labels.container }} of {{ $labels.pod }} keeps restarting; see its logs (kubectl logs --previous).',
    },
    ...(context.canaryServices ?? []).map((service) => canaryErrorRateRule(context, service)),
  ];
}

/**
 * ModelServiceCanaryErrorRateHigh for one service: the canary track's share of failed
 * requests is above the stable track's plus a margin, while the canary serves at least
 * a minimum request rate. A stable track that never failed a request has no error series
 * at all; it counts as 0, not as missing (which would keep the alert silent).
 * The value is the canary's error ratio.
 */
function canaryErrorRateRule(context: AlertContext, service: string): AlertRule {
  const { thresholds: t, requestMetrics: m } = context;
  const rate = (track: string, extra: string) =>
    `sum by (namespace, service) (rate(${m.requestsTotal}{namespace=${JSON.stringify(context.namespace)},service=${JSON.stringify(service)},${TRACK_SERIES_LABEL}="${track}"${extra}}[5m]))`;
  const errors = (track: string) => rate(track, `,${m.errorMatcher}`);
  const canaryRatio = `(${errors('canary')} / ${rate('canary', '')})`;
  const stableRatio = `((${errors('stable')} or ${rate('stable', '')} * 0) / ${rate('stable', '')} + ${t.canaryErrorMarginPercent / 100})`;
  return {
    alert: 'ModelServiceCanaryErrorRateHigh',
    expr: `${canaryRatio} > on (namespace, service) ${stableRatio} and on (namespace, service) ${rate('canary', '')} >= ${t.canaryMinRequestsPerSecond}`,
    for: '10m',
    severity: 'warning',
    summary: `The canary of model service ${service} fails more requests than the stable track`,
    description:
      `{{ $value | humanizePercentage }} of the requests to the canary of ${service} failed over 5 minutes, ` +
      `more than ${t.canaryErrorMarginPercent} percentage points above the stable track's share. ` +
      'Set canary.weight to 0 or remove canary from the tenant file before promoting it.',
  };
}
