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

describe('the canary alert', () => {
  const canaryContext = { ...context, canaryServices: ['detector', 'ocr'] };
  const canaryRules = tenantAlertRules(canaryContext).filter((rule) => rule.alert === 'ModelServiceCanaryErrorRateHigh');

  test('is emitted once per service with a canary, after the other alerts, and for no service without one', () => {
    expect(tenantAlertRules(canaryContext).map((rule) => rule.alert).slice(9)).toEqual(['ModelServiceCanaryErrorRateHigh', 'ModelServiceCanaryErrorRateHigh']);
    expect(canaryRules.map((rule) => rule.expr.match(/service="([^"]+)"/)?.[1])).toEqual(['detector', 'ocr']);
    expect(tenantAlertRules(context).map((rule) => rule.alert)).not.toContain('ModelServiceCanaryErrorRateHigh');
  });

  test('compares the canary error ratio with the stable one plus the margin, over a minimum request rate, for 10m', () => {
    const rate = (track: string, errors: boolean) =>
      `sum by (namespace, service) (rate(http_requests_total{namespace="vision",service="detector",track="${track}"${errors ? ',code=~"5.."' : ''}}[5m]))`;
    expect(canaryRules[0]).toEqual({
      alert: 'ModelServiceCanaryErrorRateHigh',
      expr:
        `(${rate('canary', true)} / ${rate('canary', false)})` +
        ` > on (namespace, service) ((${rate('stable', true)} or ${rate('stable', false)} * 0) / ${rate('stable', false)} + 0.02)` +
        ` and on (namespace, service) ${rate('canary', false)} >= 0.5`,
      for: '10m',
      severity: 'warning',
      summary: 'The canary of model service detector fails more requests than the stable track',
      description:
        '{{ $value | humanizePercentage }} of the requests to the canary of detector failed over 5 minutes, more than 2 percentage points above the stable track\'s share. ' +
        'Set canary.weight to 0 or remove canary from the tenant file before promoting it.',
    });
  });

  test('applies the tenant margin and minimum request rate', () => {
    const [rule] = tenantAlertRules({ ...context, canaryServices: ['detector'], thresholds: { ...context.thresholds, canaryErrorMarginPercent: 5, canaryMinRequestsPerSecond: 2 } }).slice(9);
    expect(rule.expr).toContain(') + 0.05) and on (namespace, service) ');
    expect(rule.expr.endsWith('[5m])) >= 2')).toBe(true);
    expect(rule.description).toContain('more than 5 percentage points above');
  });

  test.each(canaryRules.map((rule) => [rule.expr]))('%s is valid PromQL', (expr) => {
    expect(promqlSyntaxErrors(expr)).toEqual([]);
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
      'Model services: requests per second by track',
      'Model services: error ratio by track',
      'Model services: p99 latency by track',
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

  test('shows request rate, error ratio and latency of each service per track', () => {
    const panels = dashboardPanels(dashboardContext).slice(4);
    expect(panels.map((panel) => panel.queries.map((query) => [query.expr, query.legendFormat]))).toEqual([
      [['sum by (service, track) (rate(http_requests_total{namespace="vision"}[5m]))', '{{service}} {{track}}']],
      [
        [
          'sum by (service, track) (rate(http_requests_total{namespace="vision",code=~"5.."}[5m])) / sum by (service, track) (rate(http_requests_total{namespace="vision"}[5m]))',
          '{{service}} {{track}}',
        ],
      ],
      [['histogram_quantile(0.99, sum by (service, track, le) (rate(http_request_duration_seconds_bucket{namespace="vision"}[5m])))', '{{service}} {{track}}']],
    ]);
  });
});
