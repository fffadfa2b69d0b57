import { Testing } from 'cdk8s';
import { PlatformMonitoring } from '../../lib/platform-monitoring';
import { TenantNamespace } from '../../lib/tenant-namespace';
import { kubeSchemaProblems } from '../support/kube-schema';

function synth() {
  const chart = Testing.chart();
  new PlatformMonitoring(chart, 'monitoring', { namespace: 'observability', instance: 'prod' });
  return Testing.synth(chart);
}

describe('PlatformMonitoring', () => {
  test('synthesizes the monitoring namespace, Prometheus and its RBAC', () => {
    expect(synth()).toMatchSnapshot();
  });

  test('bounds the local disk of Prometheus: its data emptyDir, its ephemeral-storage, and retention at 80% of it', () => {
    const prometheus = synth().find((object) => object.kind === 'Prometheus');
    expect(prometheus.spec.storage).toEqual({ emptyDir: { sizeLimit: '50Gi' } });
    expect(prometheus.spec.resources).toEqual({
      requests: { cpu: '500m', memory: '2Gi', 'ephemeral-storage': '50Gi' },
      limits: { memory: '4Gi', 'ephemeral-storage': '50Gi' },
    });
    expect(prometheus.spec.retentionSize).toBe('40GiB');
  });

  test('takes the local disk given, rounding retentionSize down to whole MiB', () => {
    const chart = Testing.chart();
    new PlatformMonitoring(chart, 'monitoring', { ephemeralStorage: '3Gi' });
    const prometheus = Testing.synth(chart).find((object) => object.kind === 'Prometheus');
    expect(prometheus.spec.storage.emptyDir.sizeLimit).toBe('3Gi');
    expect(prometheus.spec.retentionSize).toBe('2457MiB');
  });

  test('fails when the local disk is under 1Gi', () => {
    expect(() => new PlatformMonitoring(Testing.chart(), 'monitoring', { ephemeralStorage: '512Mi' })).toThrow(
      'PlatformMonitoring: ephemeralStorage must be a quantity of at least 1Gi (room for the write-ahead log), got "512Mi"',
    );
  });

  test('selects monitors and rules of tenant namespaces by the instance label', () => {
    const prometheus = synth().find((object) => object.kind === 'Prometheus');
    const bySelector = { matchLabels: { 'mlp.io/prometheus': 'prod' } };
    const tenants = { matchExpressions: [{ key: 'mlp.io/tenant', operator: 'Exists' }] };
    expect(prometheus.spec).toMatchObject({
      serviceMonitorSelector: bySelector,
      podMonitorSelector: bySelector,
      ruleSelector: bySelector,
      serviceMonitorNamespaceSelector: tenants,
      podMonitorNamespaceSelector: tenants,
      ruleNamespaceSelector: tenants,
      serviceAccountName: 'prometheus-prod',
    });
  });

  test('grants Prometheus read access to discovery objects only', () => {
    const role = synth().find((object) => object.kind === 'ClusterRole');
    const verbs = new Set(role.rules.flatMap((rule: { verbs: string[] }) => rule.verbs));
    expect([...verbs].sort()).toEqual(['get', 'list', 'watch']);
    const binding = synth().find((object) => object.kind === 'ClusterRoleBinding');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus-prod', namespace: 'observability' }]);
  });

  test('runs Prometheus in the namespace that tenants let in to scrape them', () => {
    const chart = Testing.chart();
    const monitoring = new PlatformMonitoring(chart, 'monitoring', { namespace: 'observability' });
    new TenantNamespace(chart, 'tenant', {
      name: 'vision',
      costCenter: 'cc-1',
      owners: [{ user: 'a' }],
      monitoringNamespace: monitoring.namespace,
      quota: { cpu: '1', memory: '1Gi', gpu: 0, storage: '1Gi', pods: 1 },
      limits: { defaultRequest: { cpu: '1', memory: '1Gi' }, default: { cpu: '1', memory: '1Gi' }, max: { cpu: '1', memory: '1Gi' } },
    });
    const objects = Testing.synth(chart);
    const prometheus = objects.find((object) => object.kind === 'Prometheus');
    const policy = objects.find((object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'allow-monitoring');
    expect(policy.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe(prometheus.metadata.namespace);
  });

  test('produces objects the Kubernetes and prometheus-operator schemas accept', () => {
    expect(synth().flatMap((object) => kubeSchemaProblems(object))).toEqual([]);
  });

  test('fails when replicas is zero', () => {
    expect(() => new PlatformMonitoring(Testing.chart(), 'monitoring', { replicas: 0 })).toThrow(
      'PlatformMonitoring: replicas must be a whole number >= 1, got 0',
    );
  });
});
