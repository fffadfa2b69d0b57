/**
 * The Grafana dashboard of a tenant, generated from code: GPU utilization
 * and memory, quota used against hard per resource, job status, and the
 * model services' request rate, error ratio and latency per track (stable,
 * and canary while a service has one).
 */
import { RequestMetrics, TRACK_SERIES_LABEL } from './alert-rules';

/** A Grafana panel target: one PromQL query. */
export interface PanelQuery {
  readonly expr: string;
  readonly legendFormat: string;
}

/** A time-series panel. */
export interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
}

export interface DashboardContext {
  readonly tenant: string;
  readonly gpuNamespaceLabel: string;
  readonly requestMetrics: RequestMetrics;
}

/** The panels of a tenant dashboard, in display order. */
export function dashboardPanels(context: DashboardContext): PanelSpec[] {
  const ns = JSON.stringify(context.tenant);
  const gpu = `${context.gpuNamespaceLabel}=${ns}`;
  const m = context.requestMetrics;
  const byTrack = `service, ${TRACK_SERIES_LABEL}`;
  const legend = `{{service}} {{${TRACK_SERIES_LABEL}}}`;
  const requests = (extra: string) => `sum by (${byTrack}) (rate(${m.requestsTotal}{namespace=${ns}${extra}}[5m]))`;
  return [
    {
      title: 'GPU utilization by pod',
      unit: 'percent',
      queries: [{ expr: `avg by (pod) (DCGM_FI_DEV_GPU_UTIL{${gpu}})`, legendFormat: '{{pod}}' }],
    },
    {
      title: 'GPU memory used by pod',
      unit: 'decmbytes',
      queries: [{ expr: `sum by (pod) (DCGM_FI_DEV_FB_USED{${gpu}})`, legendFormat: '{{pod}}' }],
    },
    {
      title: 'Quota used and hard by resource',
      unit: 'short',
      queries: [
        { expr: `sum by (resource) (kube_resourcequota{namespace=${ns},type="used"})`, legendFormat: '{{resource}} used' },
        { expr: `sum by (resource) (kube_resourcequota{namespace=${ns},type="hard"})`, legendFormat: '{{resource}} hard' },
      ],
    },
    {
      title: 'Training jobs: active, succeeded and failed pods',
      unit: 'short',
      queries: [
        { expr: `sum by (job_name) (kube_job_status_active{namespace=${ns}})`, legendFormat: '{{job_name}} active' },
        { expr: `sum by (job_name) (kube_job_status_succeeded{namespace=${ns}})`, legendFormat: '{{job_name}} succeeded' },
        { expr: `sum by (job_name) (kube_job_status_failed{namespace=${ns}})`, legendFormat: '{{job_name}} failed' },
      ],
    },
    {
      title: 'Model services: requests per second by track',
      unit: 'reqps',
      queries: [{ expr: requests(''), legendFormat: legend }],
    },
    {
      title: 'Model services: error ratio by track',
      unit: 'percentunit',
      queries: [{ expr: `${requests(`,${m.errorMatcher}`)} / ${requests('')}`, legendFormat: legend }],
    },
    {
      title: 'Model services: p99 latency by track',
      unit: 's',
      queries: [
        {
          expr: `histogram_quantile(0.99, sum by (${byTrack}, le) (rate(${m.durationBucket}{namespace=${ns}}[5m])))`,
          legendFormat: legend,
        },
      ],
    },
  ];
}

/** The dashboard as Grafana JSON (schema version 39), two panels a row. */
export function dashboardJson(context: DashboardContext): string {
  const panels = dashboardPanels(context).map((panel, index) => ({
    id: index + 1,
    type: 'timeseries',
    title: panel.title,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: panel.queries.map((query, queryIndex) => ({
      refId: String.fromCharCode(65 + queryIndex),
      datasource: { type: 'prometheus', uid: '${datasource}' },
      expr: query.expr,
      legendFormat: query.legendFormat,
    })),
  }));
  const dashboard = {
    uid: `mlp-tenant-${context.tenant}`,
    title: `ML tenant: ${context.tenant}`,
    tags: ['mlp', `tenant:${context.tenant}`],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '1m',
    time: { from: 'now-24h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }],
    },
    panels,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
