/**
 * The platform's Prometheus selects every tenant monitor and rule, shown by
 * the real prometheus-operator (v0.89.0, built from its Go module): the
 * fixture platform and tenants are applied to a control plane with
 * server-side `kubectl apply`, the operator runs against it, and the
 * configuration it generates for the Prometheus of dist/_platform/ has a
 * scrape job for every endpoint of every tenant ServiceMonitor and PodMonitor
 * and a rule file for every tenant PrometheusRule, and nothing for monitors
 * and rules outside the platform's selectors.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ControlPlane, keepLogs, scratchDir } from '../../devkit/cluster';
import { GeneratedPrometheus, PrometheusOperator, generatedPrometheus } from '../../devkit/prometheus-operator';
import { PROMETHEUS_INSTANCE_LABEL } from '../../lib/monitoring/selectors';
import { runMlp } from '../support/cli';
import { FIXTURE_PLATFORM_FILE, fixturePlatform, fixtureTenants } from '../support/fixtures';

const TENANTS = ['analytics', 'nlp', 'vision'];
const MONITORING = fixturePlatform().spec.monitoring!;
/**
 * What Prometheus's Kubernetes service discovery lists and watches for each
 * role of the generated jobs (prometheus v0.316.0,
 * discovery/kubernetes/kubernetes.go): the endpoints and endpointslice roles
 * also read the Services and Pods behind them.
 */
const DISCOVERY_READS: Record<string, readonly string[]> = {
  endpoints: ['endpoints', 'services', 'pods'],
  endpointslice: ['endpointslices.discovery.k8s.io', 'services', 'pods'],
  pod: ['pods'],
};

/** Monitors and rules the platform's Prometheus must not select: outside tenant namespaces, or without its label. */
function unselectedObjects(instance: string): object {
  const monitor = (kind: string, namespace: string, name: string, labels: Record<string, string>) => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind,
    metadata: { name, namespace, labels },
    spec: {
      selector: { matchLabels: { app: name } },
      [kind === 'ServiceMonitor' ? 'endpoints' : 'podMetricsEndpoints']: [{ port: 'metrics', interval: '30s' }],
    },
  });
  const rule = (namespace: string, name: string, labels: Record<string, string>) => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, namespace, labels },
    spec: { groups: [{ name, rules: [{ alert: 'Stray', expr: 'vector(1)' }] }] },
  });
  const selected = { [PROMETHEUS_INSTANCE_LABEL]: instance };
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'outsider' } }, // no mlp.io/tenant label
      monitor('ServiceMonitor', 'outsider', 'stray', selected),
      monitor('PodMonitor', 'outsider', 'stray', selected),
      rule('outsider', 'stray-alerts', selected),
      monitor('ServiceMonitor', 'nlp', 'unlabelled', {}),
      monitor('PodMonitor', 'nlp', 'other-instance', { [PROMETHEUS_INSTANCE_LABEL]: 'other' }),
      rule('nlp', 'unlabelled-alerts', {}),
    ],
  };
}

describe("the real prometheus-operator's configuration for the platform's Prometheus", () => {
  let dir: string;
  let cluster: ControlPlane;
  let operator: PrometheusOperator | undefined;
  /** The tenant objects as synthesized, from dist/<tenant>/. */
  let synthesized: any[];
  let generated: GeneratedPrometheus;

  beforeAll(async () => {
    dir = scratchDir('mlp-e2e-prometheus-operator-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'));

    const project = path.join(dir, 'project');
    fs.mkdirSync(path.join(project, 'tenants'), { recursive: true });
    fs.copyFileSync(FIXTURE_PLATFORM_FILE, path.join(project, 'platform.yaml'));
    for (const [file, text] of Object.entries(fixtureTenants())) fs.writeFileSync(path.join(project, 'tenants', file), text);
    const synth = runMlp(project, 'synth', '--out', 'dist');
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({ status: 0, stderr: '' });
    const dist = path.join(project, 'dist');
    synthesized = TENANTS.flatMap((tenant) =>
      fs.readdirSync(path.join(dist, tenant)).map((file) => parse(fs.readFileSync(path.join(dist, tenant, file), 'utf8'))),
    );

    // The operator's Probe CRD first: applyPlatformCrds waits until every CRD is Established.
    cluster.kubectlOk(['apply', '--server-side', '-f', '-'], PrometheusOperator.probeCrd());
    await cluster.applyPlatformCrds();
    cluster.applyDist(dist, TENANTS);
    cluster.kubectlOk(['apply', '--server-side', '-f', '-'], JSON.stringify(unselectedObjects(MONITORING.instance)));

    // Started after everything is applied: its first reconciliation sees every monitor and rule.
    operator = await PrometheusOperator.start(path.join(dir, 'prometheus-operator'), cluster);
    generated = await generatedPrometheus(cluster, MONITORING.namespace, MONITORING.instance);
  });

  afterAll(async () => {
    try {
      await operator?.stop();
      cluster?.stop();
    } finally {
      keepLogs(dir, 'prometheus-operator');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const jobNames = (): string[] => generated.config.scrape_configs.map((job: any) => job.job_name).sort();

  test('one scrape job per endpoint of every tenant ServiceMonitor and PodMonitor, and no other', () => {
    const expected = synthesized.flatMap((object) => {
      const endpoints = object.kind === 'ServiceMonitor' ? object.spec.endpoints : object.kind === 'PodMonitor' ? object.spec.podMetricsEndpoints : [];
      const prefix = object.kind === 'ServiceMonitor' ? 'serviceMonitor' : 'podMonitor';
      return endpoints.map((_: unknown, index: number) => `${prefix}/${object.metadata.namespace}/${object.metadata.name}/${index}`);
    });
    expect(expected.sort()).toEqual([
      'podMonitor/analytics/training-jobs/0',
      'podMonitor/nlp/training-jobs/0',
      'podMonitor/vision/training-jobs/0',
      'serviceMonitor/analytics/churn-api/0',
      'serviceMonitor/nlp/chat/0',
      'serviceMonitor/nlp/embeddings/0',
    ]);
    expect(jobNames()).toEqual(expected);
  });

  test("a model service's job discovers its endpoints in its own namespace and scrapes the synthesized path and interval", () => {
    const job = generated.config.scrape_configs.find((entry: any) => entry.job_name === 'serviceMonitor/nlp/chat/0');
    expect({
      discovery: job.kubernetes_sd_configs.map((sd: any) => ({ role: sd.role, namespaces: sd.namespaces.names })),
      path: job.metrics_path,
      interval: job.scrape_interval,
    }).toEqual({ discovery: [{ role: 'endpoints', namespaces: ['nlp'] }], path: '/metrics', interval: '30s' });
  });

  test("the Prometheus's service account may list and watch what every job's service discovery reads", () => {
    const serviceAccount = `system:serviceaccount:${MONITORING.namespace}:prometheus-${MONITORING.instance}`;
    const discoveries: { role: string; namespace: string }[] = generated.config.scrape_configs.flatMap((job: any) =>
      job.kubernetes_sd_configs.flatMap((sd: any) => sd.namespaces.names.map((namespace: string) => ({ role: sd.role, namespace }))),
    );
    expect(discoveries.length).toBe(6);
    expect(new Set(discoveries.map((discovery) => discovery.role))).toEqual(new Set(['endpoints', 'pod']));
    const checks = discoveries.flatMap(({ role, namespace }) =>
      DISCOVERY_READS[role].flatMap((resource) => ['list', 'watch'].map((verb) => ({ role, namespace, resource, verb }))),
    );
    // One SubjectAccessReview per check, all in one kubectl call that prints `allowed` of each, in order.
    const allowed = cluster
      .kubectlOk(
        ['create', '-f', '-', '-o', 'jsonpath={.status.allowed}{"\\n"}'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: checks.map(({ namespace, resource, verb }) => ({
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: { user: serviceAccount, resourceAttributes: { namespace, verb, resource: resource.split('.')[0], group: resource.split('.').slice(1).join('.') } },
          })),
        }),
      )
      .trimEnd()
      .split('\n');
    expect(allowed.length).toBe(checks.length);
    const denied = checks.filter((_, index) => allowed[index] !== 'true').map(({ role, namespace, resource, verb }) => `${role} ${namespace}: ${verb} ${resource}`);
    expect(denied).toEqual([]);
  });

  test("every tenant PrometheusRule is a rule file of the Prometheus, with the synthesized groups, and nothing else is", () => {
    const files = Object.assign({}, ...Object.values(generated.ruleFiles));
    const rules = synthesized.filter((object) => object.kind === 'PrometheusRule');
    expect(rules.map((rule) => `${rule.metadata.namespace}/${rule.metadata.name}`)).toEqual(['analytics/tenant-alerts', 'nlp/tenant-alerts', 'vision/tenant-alerts']);
    const expected = Object.fromEntries(
      rules.map((rule) => {
        const uid = cluster.get('prometheusrule', rule.metadata.name, rule.metadata.namespace).metadata.uid;
        return [`${rule.metadata.namespace}-${rule.metadata.name}-${uid}.yaml`, rule.spec];
      }),
    );
    expect(files).toEqual(expected);

    const mounted = generated.config.rule_files.map((glob: string) => glob.split('/')[4]);
    const configMaps = Object.keys(generated.ruleFiles);
    expect(configMaps.length).toBeGreaterThan(0);
    for (const configMap of configMaps) expect(mounted).toContain(configMap);
  });

  test('monitors and rules outside tenant namespaces or without the instance label exist but are not selected', () => {
    const present = (kind: string, name: string, namespace: string) => `${kind} ${namespace}/${name}: ${cluster.get(kind, name, namespace) ? 'exists' : 'missing'}`;
    expect([
      present('servicemonitor', 'stray', 'outsider'),
      present('podmonitor', 'stray', 'outsider'),
      present('prometheusrule', 'stray-alerts', 'outsider'),
      present('servicemonitor', 'unlabelled', 'nlp'),
      present('podmonitor', 'other-instance', 'nlp'),
      present('prometheusrule', 'unlabelled-alerts', 'nlp'),
    ]).toEqual([
      'servicemonitor outsider/stray: exists',
      'podmonitor outsider/stray: exists',
      'prometheusrule outsider/stray-alerts: exists',
      'servicemonitor nlp/unlabelled: exists',
      'podmonitor nlp/other-instance: exists',
      'prometheusrule nlp/unlabelled-alerts: exists',
    ]);

    const unselected = ['serviceMonitor/outsider/stray/0', 'podMonitor/outsider/stray/0', 'serviceMonitor/nlp/unlabelled/0', 'podMonitor/nlp/other-instance/0'];
    expect(unselected.filter((job) => jobNames().includes(job))).toEqual([]);
    const ruleFiles = Object.values(generated.ruleFiles).flatMap((files) => Object.keys(files));
    expect(ruleFiles.filter((file) => file.startsWith('outsider-') || file.startsWith('nlp-unlabelled-alerts-'))).toEqual([]);
  });

  test("the operator's log is kept with its start time", () => {
    const log = fs.readFileSync(operator!.logFile, 'utf8');
    expect(log).toContain('msg="sync prometheus" component=prometheus-controller key=monitoring/ml-platform');
    expect(log).toMatch(/^mlp devkit: http:\/\/127\.0\.0\.1:\d+\/healthz answered \d+ ms after the process was spawned$/m);
  });
});
