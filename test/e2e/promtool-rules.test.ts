/**
 * The tenant alerts, checked and unit-tested by the real `promtool` against
 * sample series: each alert fires on the series it is about, with the labels
 * and annotations a receiver routes and shows.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load';
import { synthesizeAll } from '../../stacks/synth';
import { FIXTURE_PLATFORM_FILE, FIXTURE_TENANTS_DIR } from '../support/fixtures';
import { run } from '../../devkit/tools';
import { Testing } from 'cdk8s';
import { ModelService } from '../../lib/model-service';
import { MonitoringStack } from '../../lib/monitoring-stack';
import { tenantChart } from '../support/tenant';

const RUNBOOKS = 'https://github.com/example-org/ml-platform/blob/main/docs/runbooks.md';

/** The rule groups of the PrometheusRule synthesized for the fixture tenant vision (test/fixtures/tenants/vision.yaml). */
function visionRuleGroups(): unknown[] {
  const groups = synthesizeAll(loadConfig({ platformFile: FIXTURE_PLATFORM_FILE, tenantsDir: FIXTURE_TENANTS_DIR }));
  const rule = groups.find((group) => group.dir === 'vision')?.objects.find((object) => object.kind === 'PrometheusRule' && object.metadata.name === 'tenant-alerts');
  if (rule === undefined) throw new Error('the fixture tenant vision has no PrometheusRule tenant-alerts');
  return (rule as unknown as { spec: { groups: unknown[] } }).spec.groups;
}

/** The rule groups of a MonitoringStack of tenant vision whose model service detector has a canary (and ocr has none). */
function canaryRuleGroups(): unknown[] {
  const { chart, tenant } = tenantChart();
  const detector = new ModelService(chart, 'detector', { tenant, image: 'registry.example.com/vision/detector:2.0.0', canary: { image: 'registry.example.com/vision/detector:2.1.0', weight: 10 } });
  const ocr = new ModelService(chart, 'ocr', { tenant, image: 'registry.example.com/vision/ocr:1.0.0' });
  new MonitoringStack(chart, 'monitoring', { tenant, modelServices: [detector, ocr], runbookBaseUrl: RUNBOOKS });
  const rule = Testing.synth(chart).find((object) => object.kind === 'PrometheusRule');
  return rule.spec.groups;
}

interface AlertTest {
  readonly name: string;
  readonly series: Record<string, string>;
  readonly evalTime: string;
  readonly alertname: string;
  readonly alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }>;
}

const runbook = (alert: string) => `${RUNBOOKS}#${alert.toLowerCase()}`;
const tenantLabels = (severity: string) => ({ tenant: 'vision', severity });

const TESTS: AlertTest[] = [
  {
    name: 'idle GPUs',
    series: {
      'DCGM_FI_DEV_GPU_UTIL{namespace="vision",pod="resnet-ddp-0-x7k2p",gpu="0"}': '5x60',
      'DCGM_FI_DEV_GPU_UTIL{namespace="vision",pod="busy",gpu="0"}': '90x60',
      'DCGM_FI_DEV_GPU_UTIL{namespace="nlp",pod="other-tenant",gpu="0"}': '0x60',
    },
    evalTime: '45m',
    alertname: 'TenantGpuIdle',
    alerts: [
      {
        labels: { ...tenantLabels('warning'), namespace: 'vision', pod: 'resnet-ddp-0-x7k2p' },
        annotations: {
          summary: 'GPUs of pod resnet-ddp-0-x7k2p are idle',
          description: 'The GPUs of pod resnet-ddp-0-x7k2p have been below 10% utilization for 30m (now 5%). Idle GPUs cost money and block other teams.',
          runbook_url: runbook('TenantGpuIdle'),
        },
      },
    ],
  },
  {
    name: 'GPU quota almost full',
    series: {
      'kube_resourcequota{namespace="vision",resourcequota="tenant-quota",resource="requests.nvidia.com/gpu",type="used"}': '28x30',
      'kube_resourcequota{namespace="vision",resourcequota="tenant-quota",resource="requests.nvidia.com/gpu",type="hard"}': '32x30',
      'kube_resourcequota{namespace="vision",resourcequota="tenant-quota",resource="pods",type="used"}': '10x30',
      'kube_resourcequota{namespace="vision",resourcequota="tenant-quota",resource="pods",type="hard"}': '100x30',
      'kube_resourcequota{namespace="vision",resourcequota="tenant-quota",resource="services.nodeports",type="used"}': '0x30',
      'kube_resourcequota{namespace="vision",resourcequota="tenant-quota",resource="services.nodeports",type="hard"}': '0x30',
    },
    evalTime: '20m',
    alertname: 'TenantQuotaAlmostFull',
    alerts: [
      {
        labels: { ...tenantLabels('warning'), namespace: 'vision', resourcequota: 'tenant-quota', resource: 'requests.nvidia.com/gpu' },
        annotations: {
          summary: 'Quota of requests.nvidia.com/gpu is almost used up',
          description: 'The tenant uses 87.5% of its requests.nvidia.com/gpu quota (warning at 85%). New pods will be refused when it is full.',
          runbook_url: runbook('TenantQuotaAlmostFull'),
        },
      },
    ],
  },
  {
    name: 'pod quota used up',
    series: {
      'kube_resourcequota{namespace="vision",resourcequota="tenant-quota",resource="pods",type="used"}': '100x30',
      'kube_resourcequota{namespace="vision",resourcequota="tenant-quota",resource="pods",type="hard"}': '100x30',
    },
    evalTime: '10m',
    alertname: 'TenantQuotaExceeded',
    alerts: [
      {
        labels: { ...tenantLabels('critical'), namespace: 'vision', resourcequota: 'tenant-quota', resource: 'pods' },
        annotations: {
          summary: 'Quota of pods is used up',
          description: 'The tenant uses 100% of its pods quota: the API server refuses new pods that need it.',
          runbook_url: runbook('TenantQuotaExceeded'),
        },
      },
    ],
  },
  {
    name: 'failed training pods',
    series: {
      'kube_job_status_failed{namespace="vision",job_name="resnet-ddp",reason="BackoffLimitExceeded"}': '0 0 1 1 1 1',
      'kube_job_status_failed{namespace="vision",job_name="eval-nightly-29000000",reason="DeadlineExceeded"}': '0 0 1 1 1 1',
    },
    evalTime: '4m',
    alertname: 'TrainingJobFailed',
    alerts: [
      {
        labels: { ...tenantLabels('warning'), namespace: 'vision', job_name: 'resnet-ddp' },
        annotations: {
          summary: 'Training job resnet-ddp has failed pods',
          description: 'Job resnet-ddp has 1 failed pods; it retries up to its retry limit and then fails.',
          runbook_url: runbook('TrainingJobFailed'),
        },
      },
    ],
  },
  {
    name: 'training job past its deadline',
    series: {
      'kube_job_status_failed{namespace="vision",job_name="eval-nightly-29000000",reason="DeadlineExceeded"}': '0 0 1 1 1 1',
    },
    evalTime: '4m',
    alertname: 'TrainingJobDeadlineExceeded',
    alerts: [
      {
        labels: { ...tenantLabels('warning'), namespace: 'vision', job_name: 'eval-nightly-29000000' },
        annotations: {
          summary: 'Training job eval-nightly-29000000 ran past its maxRuntime',
          description: 'Job eval-nightly-29000000 was stopped by Kubernetes at its deadline (maxRuntime in the tenant file).',
          runbook_url: runbook('TrainingJobDeadlineExceeded'),
        },
      },
    ],
  },
  {
    name: 'failing model service',
    series: {
      'http_requests_total{namespace="vision",service="detector",code="500"}': '0+10x30',
      'http_requests_total{namespace="vision",service="detector",code="200"}': '0+90x30',
      'http_requests_total{namespace="vision",service="healthy",code="200"}': '0+100x30',
    },
    evalTime: '20m',
    alertname: 'ModelServiceErrorRateHigh',
    alerts: [
      {
        labels: { ...tenantLabels('critical'), namespace: 'vision', service: 'detector' },
        annotations: {
          summary: 'Model service detector fails requests',
          description: '10% of the requests to detector failed over 5 minutes (objective: below 5%).',
          runbook_url: runbook('ModelServiceErrorRateHigh'),
        },
      },
    ],
  },
  {
    name: 'slow model service',
    series: {
      'http_request_duration_seconds_bucket{namespace="vision",service="detector",le="0.5"}': '0+0x30',
      'http_request_duration_seconds_bucket{namespace="vision",service="detector",le="1"}': '0+0x30',
      'http_request_duration_seconds_bucket{namespace="vision",service="detector",le="2"}': '0+100x30',
      'http_request_duration_seconds_bucket{namespace="vision",service="detector",le="+Inf"}': '0+100x30',
    },
    evalTime: '20m',
    alertname: 'ModelServiceLatencyHigh',
    alerts: [
      {
        labels: { ...tenantLabels('warning'), namespace: 'vision', service: 'detector' },
        annotations: {
          summary: 'Model service detector is slow',
          description: 'The 99th percentile latency of detector is 1.99s (objective: 1s).',
          runbook_url: runbook('ModelServiceLatencyHigh'),
        },
      },
    ],
  },
  {
    name: 'model service at its maximum replicas',
    series: {
      'kube_horizontalpodautoscaler_status_current_replicas{namespace="vision",horizontalpodautoscaler="detector"}': '8x60',
      'kube_horizontalpodautoscaler_spec_max_replicas{namespace="vision",horizontalpodautoscaler="detector"}': '8x60',
      'kube_horizontalpodautoscaler_status_current_replicas{namespace="vision",horizontalpodautoscaler="spare"}': '2x60',
      'kube_horizontalpodautoscaler_spec_max_replicas{namespace="vision",horizontalpodautoscaler="spare"}': '8x60',
    },
    evalTime: '45m',
    alertname: 'ModelServiceAtMaxReplicas',
    alerts: [
      {
        labels: { ...tenantLabels('warning'), namespace: 'vision', horizontalpodautoscaler: 'detector' },
        annotations: {
          summary: 'Model service detector runs at its maximum replicas',
          description: 'detector has run at replicas.max for 30m: it cannot scale further; raise replicas.max (and the quota) or make it faster.',
          runbook_url: runbook('ModelServiceAtMaxReplicas'),
        },
      },
    ],
  },
  {
    name: 'crash-looping container',
    series: {
      'kube_pod_container_status_waiting_reason{namespace="vision",pod="detector-5d9c7",container="server",reason="CrashLoopBackOff"}': '1x30',
    },
    evalTime: '20m',
    alertname: 'PodCrashLooping',
    alerts: [
      {
        labels: { ...tenantLabels('warning'), namespace: 'vision', pod: 'detector-5d9c7', container: 'server', reason: 'CrashLoopBackOff' },
        annotations: {
          summary: 'Container server of pod detector-5d9c7 is crash-looping',
          description: 'Container server of detector-5d9c7 keeps restarting; see its logs (kubectl logs --previous).',
          runbook_url: runbook('PodCrashLooping'),
        },
      },
    ],
  },
];

/**
 * ModelServiceCanaryErrorRateHigh on the rules of {@link canaryRuleGroups}: 20 requests a second
 * to detector's stable track, 2 to its canary (weight 10); the series carry `track` as the
 * ServiceMonitor's relabeling sets it.
 */
const canaryDescription = (value: string) =>
  `${value} of the requests to the canary of detector failed over 5 minutes, more than 2 percentage points above the stable track's share. ` +
  'Set canary.weight to 0 or remove canary from the tenant file before promoting it.';
const canaryAlert = (value: string) => ({
  labels: { ...tenantLabels('warning'), namespace: 'vision', service: 'detector' },
  annotations: {
    summary: 'The canary of model service detector fails more requests than the stable track',
    description: canaryDescription(value),
    runbook_url: runbook('ModelServiceCanaryErrorRateHigh'),
  },
});
const detector = (track: string, code: string) => `http_requests_total{namespace="vision",service="detector",track="${track}",code="${code}"}`;
const CANARY_TESTS: AlertTest[] = [
  {
    name: 'a canary failing 10% while the stable track never failed (no 5xx series at all)',
    series: {
      [detector('stable', '200')]: '0+1200x30',
      [detector('canary', '200')]: '0+108x30',
      [detector('canary', '500')]: '0+12x30',
      'http_requests_total{namespace="vision",service="ocr",track="stable",code="500"}': '0+60x30',
      'http_requests_total{namespace="vision",service="ocr",track="stable",code="200"}': '0+60x30',
    },
    evalTime: '20m',
    alertname: 'ModelServiceCanaryErrorRateHigh',
    alerts: [canaryAlert('10%')],
  },
  {
    name: 'a canary failing 10% while the stable track fails 9%: within the margin',
    series: {
      [detector('stable', '200')]: '0+1092x30',
      [detector('stable', '500')]: '0+108x30',
      [detector('canary', '200')]: '0+108x30',
      [detector('canary', '500')]: '0+12x30',
    },
    evalTime: '20m',
    alertname: 'ModelServiceCanaryErrorRateHigh',
    alerts: [],
  },
  {
    name: 'a canary failing half of its requests at 0.2 requests a second: below the minimum rate',
    series: {
      [detector('stable', '200')]: '0+1200x30',
      [detector('canary', '200')]: '0+6x30',
      [detector('canary', '500')]: '0+6x30',
    },
    evalTime: '20m',
    alertname: 'ModelServiceCanaryErrorRateHigh',
    alerts: [],
  },
  {
    name: 'a canary failing 10% for 8 minutes only: not yet 10m',
    series: {
      [detector('stable', '200')]: '0+1200x30',
      [detector('canary', '200')]: '0+108x30',
      [detector('canary', '500')]: '0+12x30',
    },
    evalTime: '8m',
    alertname: 'ModelServiceCanaryErrorRateHigh',
    alerts: [],
  },
];

/** A promtool unit test file for `tests`, with the rules file beside it. */
function writeRuleTests(dir: string, tests: readonly AlertTest[], groups: unknown[] = visionRuleGroups()): string {
  fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }));
  const testFile = path.join(dir, 'tests.yaml');
  fs.writeFileSync(
    testFile,
    stringify({
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: tests.map((test) => ({
        name: test.name,
        interval: '1m',
        input_series: Object.entries(test.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [
          { eval_time: test.evalTime, alertname: test.alertname, exp_alerts: test.alerts.map((alert) => ({ exp_labels: alert.labels, exp_annotations: alert.annotations })) },
        ],
      })),
    }),
  );
  return testFile;
}

describe('tenant alerts under promtool', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-promtool-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the synthesized rules pass promtool check rules', () => {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: visionRuleGroups() }));
    const result = run('promtool', ['check', 'rules', path.join(dir, 'rules.yaml')]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('SUCCESS: 9 rules found');
    expect(result.status).toBe(0);
  });

  test('every alert fires on its series with the expected labels and annotations', () => {
    expect(new Set(TESTS.map((test) => test.alertname)).size).toBe(9);
    const result = run('promtool', ['test', 'rules', writeRuleTests(dir, TESTS)], { cwd: dir });
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  test('the rules of a tenant with a canary pass promtool check rules, with the canary alert for that service only', () => {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: canaryRuleGroups() }));
    const result = run('promtool', ['check', 'rules', path.join(dir, 'rules.yaml')]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('SUCCESS: 10 rules found');
    expect(result.status).toBe(0);
  });

  test('the canary alert fires on a canary clearly worse than its stable track, and not within the margin, below the minimum rate or before 10m', () => {
    const result = run('promtool', ['test', 'rules', writeRuleTests(dir, CANARY_TESTS, canaryRuleGroups())], { cwd: dir });
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  test('promtool fails the canary test when the alert is expected but the canary is within the margin', () => {
    const wrong: AlertTest = { ...CANARY_TESTS[1], alerts: [canaryAlert('10%')] };
    const result = run('promtool', ['test', 'rules', writeRuleTests(dir, [wrong], canaryRuleGroups())], { cwd: dir });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('FAILED');
  });

  test('promtool fails the unit test when an expectation is wrong', () => {
    const wrong: AlertTest = { ...TESTS[0], alerts: [{ ...TESTS[0].alerts[0], labels: { ...TESTS[0].alerts[0].labels, severity: 'critical' } }] };
    const result = run('promtool', ['test', 'rules', writeRuleTests(dir, [wrong])], { cwd: dir });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('FAILED');
  });
});
