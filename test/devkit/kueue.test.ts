import { KUEUE_NAMESPACE, kueueWebhookConfigurations } from '../../devkit/kueue';

/** Kueue's webhook manifests in their shape (config/components/webhook/manifests.yaml), cut down to one webhook per kind of target. */
const MANIFESTS = `---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: mutating-webhook-configuration
webhooks:
- admissionReviewVersions: [v1]
  clientConfig:
    service: {name: webhook-service, namespace: system, path: /mutate-apps-v1-deployment}
  failurePolicy: Fail
  name: mdeployment.kb.io
  rules:
  - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
  sideEffects: None
- admissionReviewVersions: [v1]
  clientConfig:
    service: {name: webhook-service, namespace: system, path: /mutate-batch-v1-job}
  failurePolicy: Fail
  name: mjob.kb.io
  rules:
  - {apiGroups: [batch], apiVersions: [v1], operations: [CREATE], resources: [jobs]}
  sideEffects: None
- admissionReviewVersions: [v1]
  clientConfig:
    service: {name: webhook-service, namespace: system, path: /mutate--v1-pod}
  failurePolicy: Fail
  name: mpod.kb.io
  rules:
  - {apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  sideEffects: None
- admissionReviewVersions: [v1]
  clientConfig:
    service: {name: webhook-service, namespace: system, path: /mutate-kueue-x-k8s-io-v1beta2-clusterqueue}
  failurePolicy: Fail
  name: mclusterqueue.kb.io
  rules:
  - {apiGroups: [kueue.x-k8s.io], apiVersions: [v1beta2], operations: [CREATE], resources: [clusterqueues]}
  sideEffects: None
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: validating-webhook-configuration
webhooks:
- admissionReviewVersions: [v1]
  clientConfig:
    service: {name: webhook-service, namespace: system, path: /validate-batch-v1-job}
  failurePolicy: Fail
  name: vjob.kb.io
  rules:
  - {apiGroups: [batch], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [jobs]}
  sideEffects: None
- admissionReviewVersions: [v1]
  clientConfig:
    service: {name: webhook-service, namespace: system, path: /validate-ray-io-v1-rayjob}
  failurePolicy: Fail
  name: vrayjob.kb.io
  rules:
  - {apiGroups: [ray.io], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [rayjobs]}
  sideEffects: None
- admissionReviewVersions: [v1]
  clientConfig:
    service: {name: webhook-service, namespace: system, path: /validate-kueue-x-k8s-io-v1beta2-workload}
  failurePolicy: Fail
  name: vworkload.kb.io
  rules:
  - {apiGroups: [kueue.x-k8s.io], apiVersions: [v1beta2], operations: [CREATE, UPDATE], resources: [workloads, workloads/status]}
  sideEffects: None
`;

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const CA_BUNDLE = Buffer.from(CA).toString('base64');
const SKIP_SYSTEM_NAMESPACES = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', KUEUE_NAMESPACE] }] };

describe('kueueWebhookConfigurations', () => {
  test("keeps only the webhooks of Kueue's kinds and batch/v1 Jobs, called on loopback with the CA", () => {
    const configurations = kueueWebhookConfigurations(MANIFESTS, { port: 24567, caPem: CA });
    expect(configurations.map((configuration) => [configuration.kind, configuration.metadata.name, configuration.webhooks.map((webhook: any) => webhook.name)])).toEqual([
      ['MutatingWebhookConfiguration', 'kueue-mutating-webhook-configuration', ['mjob.kb.io', 'mclusterqueue.kb.io']],
      ['ValidatingWebhookConfiguration', 'kueue-validating-webhook-configuration', ['vjob.kb.io', 'vworkload.kb.io']],
    ]);
    expect(configurations[0].webhooks[0]).toEqual({
      admissionReviewVersions: ['v1'],
      clientConfig: { url: 'https://127.0.0.1:24567/mutate-batch-v1-job', caBundle: CA_BUNDLE },
      failurePolicy: 'Fail',
      name: 'mjob.kb.io',
      namespaceSelector: SKIP_SYSTEM_NAMESPACES,
      rules: [{ apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['jobs'] }],
      sideEffects: 'None',
    });
    // Webhooks of Kueue's own kinds apply everywhere, as in Kueue's kustomization.
    expect(configurations[1].webhooks[1].clientConfig).toEqual({ url: 'https://127.0.0.1:24567/validate-kueue-x-k8s-io-v1beta2-workload', caBundle: CA_BUNDLE });
    expect(configurations[1].webhooks[1].namespaceSelector).toBeUndefined();
  });

  test('fails when the manifests do not hold one mutating and one validating configuration', () => {
    const mutatingOnly = MANIFESTS.slice(0, MANIFESTS.indexOf('---\napiVersion: admissionregistration.k8s.io/v1\nkind: Validating'));
    expect(() => kueueWebhookConfigurations(mutatingOnly, { port: 1, caPem: CA })).toThrow(
      "Kueue's webhook manifests have 1 webhook configurations, expected 2 (one mutating, one validating)",
    );
  });

  test('fails when a configuration keeps no webhook', () => {
    const noJobs = MANIFESTS.replace(/resources: \[jobs\]/g, 'resources: [cronjobs]').replace(/kueue\.x-k8s\.io\]/g, 'other.example.com]');
    expect(() => kueueWebhookConfigurations(noJobs, { port: 1, caPem: CA })).toThrow(
      "mutating-webhook-configuration of Kueue's manifests has no webhook for Kueue's kinds or batch/v1 Jobs",
    );
  });
});
