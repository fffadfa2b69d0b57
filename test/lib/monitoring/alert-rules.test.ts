import { DEFAULT_ALERT_THRESHOLDS, DEFAULT_REQUEST_METRICS } from '../../../lib/monitoring-stack';
import { tenantAlertRules } from '../../../lib/monitoring/alert-rules';
import { dashboardJson, dashboardPanels } from '../../../lib/monitoring/dashboard';
import { promqlSyntaxErrors } from '../../support/promql';

const context = {
  namespace: 'vision',
  gpuNamespaceLabel: 'exported_namespace',
  requestMetrics: DEFAULT_REQUEST_METRICS,
  thresholds: { ...DEFAULT_ALERT_THRESHOLDS, gpuIdlePercent: 15, quotaWarningPercent: 90 },
};

describe('tenant alert rules', () => {
  const rules = tenantAlertRules(context);

  test('cover GPU idle, quota, jobs, error rate, latency, autoscaler maximum and crash loops', () => {
    expect(rules.map((rule) => rule.alert)).toEqual([
      'TenantGpuIdle',
      'TenantQuotaAlmostFull',
      'TenantQuotaExceeded',
      'TrainingJobFailed',
      'TrainingJobDeadlineExceeded',
      'ModelServiceErrorRateHigh',
      'ModelServiceLatencyHigh',
      'ModelServiceAtMaxReplicas',
      'PodCrashLooping',
    ]);
  });

  test.each(tenantAlertRules(context).map((rule) => [rule.alert, rule.expr]))('%s is valid PromQL', (_alert, expr) => {
    expect(promqlSyntaxErrors(expr)).toEqual([]);
  });

  test('the syntax check catches a broken expression', () => {
    expect(promqlSyntaxErrors('sum(rate(x[5m]) >')).not.toEqual([]);
  });

  test('scope every expression to the tenant namespace', () => {
    expect(rules).toHaveLength(9);
    for (const rule of rules) {
      expect(rule.expr).toMatch(/(namespace|exported_namespace)="vision"/);
      expect(rule.expr).not.toMatch(/namespace="(?!vision")/);
    }
  });

  test('apply the tenant thresholds', () => {
    const byName = Object.fromEntries(rules.map((rule) => [rule.alert, rule]));
    expect(byName.TenantGpuIdle.expr).toBe('avg by (exported_namespace, pod) (DCGM_FI_DEV_GPU_UTIL{exported_namespace="vision"}) < 15');
    expect(byName.TenantGpuIdle.for).toBe('30m');
    expect(byName.TenantQuotaAlmostFull.expr).toBe(
      'kube_resourcequota{namespace="vision",type="used"} / on (namespace, resourcequota, resource) (kube_resourcequota{namespace="vision",type="hard"} > 0) > 0.9',
    );
    expect(byName.ModelServiceErrorRateHigh.expr).toBe(
      'sum by (namespace, service) (rate(http_requests_total{namespace="vision",code=~"5.."}[5m])) / sum by (namespace, service) (rate(http_requests_total{namespace="vision"}[5m])) > 0.05',
    );
    expect(byName.ModelServiceLatencyHigh.expr).toContain('histogram_quantile(0.99, ');
  });

  test('give every alert a summary and a description', () => {
    expect(rules).toHaveLength(9);
    for (const rule of rules) {
      expect(rule.summary.length).toBeGreaterThan(10);
      expect(rule.description.length).toBeGreaterThan(20);
    }
  });
});

describe('tenant dashboard', () => {
  const dashboardContext = { tenant: 'vision', gpuNamespaceLabel: 'namespace', requestMetrics: DEFAULT_REQUEST_METRICS };

  test.each(dashboardPanels(dashboardContext).flatMap((panel) => panel.queries.map((query) => [panel.title, query.expr])))(
    '%s: %s is valid PromQL',
    (_title, expr) => {
      expect(promqlSyntaxErrors(expr)).toEqual([]);
    },
  );

  test('has panels for GPUs, quota, jobs and services, laid out two a row', () => {
    const dashboard = JSON.parse(dashboardJson(dashboardContext));
    expect(dashboard.uid).toBe('mlp-tenant-vision');
    expect(dashboard.panels.map((panel: { title: string }) => panel.title)).toEqual([
      'GPU utilization by pod',
      'GPU memory used by pod',
      'Quota used and hard by resource',
      'Training jobs: active, succeeded and failed pods',
      'Model services: requests per second',
      'Model services: error rate',
      'Model services: p99 latency',
    ]);
    expect(dashboard.panels.map((panel: { gridPos: { x: number; y: number } }) => [panel.gridPos.x, panel.gridPos.y])).toEqual([
      [0, 0],
      [12, 0],
      [0, 8],
      [12, 8],
      [0, 16],
      [12, 16],
      [0, 24],
    ]);
  });
});
