import { Testing } from 'cdk8s';
import { ModelService } from '../../lib/model-service';
import { MonitoringStack, MonitoringStackProps } from '../../lib/monitoring-stack';
import { PlatformMonitoring } from '../../lib/platform-monitoring';
import { kubeSchemaProblems } from '../support/kube-schema';
import { tenantChart } from '../support/tenant';

const RUNBOOKS = 'https://runbooks.example.com/mlp.md';

function synth(props: Partial<Omit<MonitoringStackProps, 'tenant' | 'modelServices'>> = {}) {
  const { chart, tenant } = tenantChart();
  const chat = new ModelService(chart, 'chat', { tenant, image: 'registry.example.com/nlp/llm:1.0.0', port: 8000 });
  const embeddings = new ModelService(chart, 'embeddings', { tenant, image: 'registry.example.com/nlp/emb:1.0.0', metricsPort: 9100, metricsPath: '/stats' });
  new MonitoringStack(chart, 'monitoring', { tenant, modelServices: [chat, embeddings], runbookBaseUrl: RUNBOOKS, ...props });
  return Testing.synth(chart).filter((object) => object.apiVersion === 'monitoring.coreos.com/v1' || object.kind === 'ConfigMap');
}

const ofKind = (objects: any[], kind: string) => objects.filter((object) => object.kind === kind);

describe('MonitoringStack', () => {
  test('synthesizes monitors, alert rules and a dashboard', () => {
    const objects = synth();
    // The dashboard JSON has its own tests; keep the snapshot readable.
    const dashboard = ofKind(objects, 'ConfigMap')[0];
    dashboard.data = Object.fromEntries(Object.keys(dashboard.data).map((key) => [key, '<dashboard JSON>']));
    expect(objects).toMatchSnapshot();
  });

  test('scrapes each model service on its metrics port and path', () => {
    const monitors = ofKind(synth(), 'ServiceMonitor');
    expect(monitors.map((monitor) => [monitor.metadata.name, monitor.spec.selector, monitor.spec.endpoints.map(({ relabelings: _, ...endpoint }: any) => endpoint)])).toEqual([
      ['chat', { matchLabels: { 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'serving' } }, [{ port: 'http', path: '/metrics', interval: '30s' }]],
      ['embeddings', { matchLabels: { 'app.kubernetes.io/name': 'embeddings', 'app.kubernetes.io/component': 'serving' } }, [{ port: 'metrics', path: '/stats', interval: '30s' }]],
    ]);
  });

  test("keeps only the targets of the service's own Service and labels every series with the pod's track, stable when it has none", () => {
    const monitors = ofKind(synth(), 'ServiceMonitor');
    expect(monitors.map((monitor) => monitor.spec.endpoints.map((endpoint: any) => endpoint.relabelings))).toEqual([
      [
        [
          { action: 'keep', sourceLabels: ['__meta_kubernetes_service_name'], regex: 'chat' },
          { action: 'replace', targetLabel: 'track', replacement: 'stable' },
          { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_mlp_io_track'], regex: '(.+)', targetLabel: 'track', replacement: '${1}' },
        ],
      ],
      [
        [
          { action: 'keep', sourceLabels: ['__meta_kubernetes_service_name'], regex: 'embeddings' },
          { action: 'replace', targetLabel: 'track', replacement: 'stable' },
          { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_mlp_io_track'], regex: '(.+)', targetLabel: 'track', replacement: '${1}' },
        ],
      ],
    ]);
  });

  test('adds ModelServiceCanaryErrorRateHigh for a service with a canary only; its one ServiceMonitor covers both tracks', () => {
    const { chart, tenant } = tenantChart();
    const chat = new ModelService(chart, 'chat', { tenant, image: 'registry.example.com/nlp/llm:1.0.0', canary: { image: 'registry.example.com/nlp/llm:1.1.0', weight: 10 } });
    const embeddings = new ModelService(chart, 'embeddings', { tenant, image: 'registry.example.com/nlp/emb:1.0.0' });
    new MonitoringStack(chart, 'monitoring', { tenant, modelServices: [chat, embeddings], runbookBaseUrl: RUNBOOKS });
    const objects = Testing.synth(chart);
    const rules = ofKind(objects, 'PrometheusRule')[0].spec.groups[0].rules;
    const canaryRules = rules.filter((rule: any) => rule.alert === 'ModelServiceCanaryErrorRateHigh');
    expect(canaryRules.map((rule: any) => [rule.expr.match(/service="([^"]+)"/)[1], rule.for, rule.labels, rule.annotations.runbook_url])).toEqual([
      ['chat', '10m', { tenant: 'vision', severity: 'warning' }, `${RUNBOOKS}#modelservicecanaryerrorratehigh`],
    ]);
    const monitors = ofKind(objects, 'ServiceMonitor');
    expect(monitors.map((monitor) => monitor.metadata.name)).toEqual(['chat', 'embeddings']);
    // The selector matches Service chat (both tracks' pods), not chat-stable or chat-canary; the keep relabeling guards it.
    const services = ofKind(objects, 'Service').filter((service) => service.metadata.labels['app.kubernetes.io/name'] === 'chat');
    expect(services.map((service) => service.metadata.name).sort()).toEqual(['chat', 'chat-canary', 'chat-stable']);
    const selector = monitors[0].spec.selector.matchLabels;
    const selected = services.filter((service) => Object.entries(selector).every(([key, value]) => service.metadata.labels[key] === value));
    expect(selected.map((service) => [service.metadata.name, service.spec.selector])).toEqual([['chat', { 'app.kubernetes.io/name': 'chat' }]]);
    expect(monitors[0].spec.endpoints[0].relabelings[0]).toEqual({ action: 'keep', sourceLabels: ['__meta_kubernetes_service_name'], regex: 'chat' });
  });

  test('scrapes training pods on their metrics port', () => {
    const [podMonitor] = ofKind(synth(), 'PodMonitor');
    expect(podMonitor.metadata).toMatchObject({ name: 'training-jobs', namespace: 'vision' });
    expect(podMonitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/component': 'training' } },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    });
  });

  test('labels every alert with tenant and severity and links its runbook', () => {
    const [rule] = ofKind(synth(), 'PrometheusRule');
    const alerts = rule.spec.groups[0].rules;
    expect(alerts).toHaveLength(9);
    for (const alert of alerts) {
      expect(alert.labels).toEqual({ tenant: 'vision', severity: expect.stringMatching(/^(critical|warning|info)$/) });
      expect(Object.keys(alert.annotations).sort()).toEqual(['description', 'runbook_url', 'summary']);
      expect(alert.annotations.runbook_url).toBe(`${RUNBOOKS}#${alert.alert.toLowerCase()}`);
    }
  });

  test('puts the dashboard in the monitoring namespace with the Grafana sidecar label', () => {
    const [dashboard] = ofKind(synth(), 'ConfigMap');
    expect(dashboard.metadata).toMatchObject({
      name: 'dashboard-vision',
      namespace: 'monitoring',
      labels: { grafana_dashboard: '1', 'mlp.io/tenant': 'vision' },
    });
    expect(JSON.parse(dashboard.data['tenant-vision.json']).uid).toBe('mlp-tenant-vision');
  });

  test('produces objects that the prometheus-operator CRD schemas accept', () => {
    expect(synth().flatMap((object) => kubeSchemaProblems(object))).toEqual([]);
  });

  test('applies tenant thresholds', () => {
    const [rule] = ofKind(synth({ thresholds: { gpuIdlePercent: 20, gpuIdleFor: '1h' } }), 'PrometheusRule');
    const gpuIdle = rule.spec.groups[0].rules.find((alert: { alert: string }) => alert.alert === 'TenantGpuIdle');
    expect(gpuIdle.expr).toMatch(/< 20$/);
    expect(gpuIdle.for).toBe('1h');
  });

  test('carries the labels the platform Prometheus selects, so no monitor or rule is silently ignored', () => {
    const { chart } = tenantChart();
    const platform = new PlatformMonitoring(chart, 'platform', { instance: 'ml-platform' });
    const prometheus = Testing.synth(chart).find((object) => object.kind === 'Prometheus');
    expect(prometheus.metadata.name).toBe(platform.instance);
    const objects = synth({ prometheusInstance: 'ml-platform' }).filter((object) => object.kind !== 'ConfigMap');
    expect(objects.map((object) => object.kind).sort()).toEqual(['PodMonitor', 'PrometheusRule', 'ServiceMonitor', 'ServiceMonitor']);
    const selectorFor: Record<string, string> = { ServiceMonitor: 'serviceMonitorSelector', PodMonitor: 'podMonitorSelector', PrometheusRule: 'ruleSelector' };
    for (const object of objects) {
      const selector = prometheus.spec[selectorFor[object.kind]].matchLabels;
      expect(object.metadata.labels).toMatchObject(selector);
      const namespaceSelector = prometheus.spec[selectorFor[object.kind].replace('Selector', 'NamespaceSelector')];
      expect(namespaceSelector).toEqual({ matchExpressions: [{ key: 'mlp.io/tenant', operator: 'Exists' }] });
    }
  });

  test('fails when a threshold is not a percentage', () => {
    expect(() => synth({ thresholds: { quotaWarningPercent: 120 } })).toThrow(
      'MonitoringStack vision: thresholds.quotaWarningPercent must be a percentage above 0 and at most 100, got 120',
    );
  });

  test('fails when a duration is not a Prometheus duration', () => {
    expect(() => synth({ thresholds: { gpuIdleFor: '30 minutes' } })).toThrow(
      'MonitoringStack vision: thresholds.gpuIdleFor "30 minutes" is not a Prometheus duration such as 30m or 1h',
    );
  });

  test('fails when a second MonitoringStack observes the same tenant', () => {
    const { chart, tenant } = tenantChart();
    new MonitoringStack(chart, 'monitoring', { tenant, runbookBaseUrl: RUNBOOKS });
    expect(() => new MonitoringStack(chart, 'more-monitoring', { tenant, runbookBaseUrl: RUNBOOKS })).toThrow(
      new Error(
        'TenantNamespace vision: PodMonitor "training-jobs" is created twice: by test/monitoring/pod-monitor (MonitoringStack) ' +
          'and by test/more-monitoring/pod-monitor (MonitoringStack); ' +
          'a namespace holds one PodMonitor of each name, so one would replace the other: rename one of them (a job or service is named by its construct id), or create it once',
      ),
    );
  });
});
