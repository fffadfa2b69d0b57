/**
 * Drift of the platform's objects, on a real API server with the real Pulumi
 * CLI (issue 14, finding 1): tenant owners are refused every change of them
 * (the mlp-platform-managed-objects admission policy), and the drift that
 * happens anyway (here made by a cluster admin) is reported per tenant by
 * scripts/drift-report.sh and repaired by the next `pulumi up --refresh`, as
 * the deploy workflow runs it, without field-conflict failures. The tests run
 * in order and share the stack.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane, PulumiStack, keepLogs, scratchDir } from '../../devkit/cluster';
import { FIXTURE_PLATFORM_FILE, fixtureTenants } from '../support/fixtures';

/** `pulumi up` as .github/workflows/deploy.yml runs it (pulumi/actions with refresh: the automation API's up). */
const DEPLOY = ['up', '--yes', '--skip-preview', '--refresh'];
const DRIFT_REPORT = 'scripts/drift-report.sh';

describe('drift of the platform-managed objects on a real API server', () => {
  let dir: string;
  let cluster: ControlPlane;
  let stack: PulumiStack;

  beforeAll(() => {
    dir = scratchDir('mlp-e2e-drift-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'));
    stack = new PulumiStack(path.join(dir, 'project'), 'drift', {
      kubeconfig: cluster.kubeconfig,
      skipAwait: true,
      platformFile: FIXTURE_PLATFORM_FILE,
      tenants: fixtureTenants(),
    });
    stack.pulumiOk(DEPLOY);
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'drift');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const container = (namespace: string, deployment: string): string => cluster.get('deployment', deployment, namespace).spec.template.spec.containers[0].name;

  test('the deployed objects carry pulumi.com/patchForce, so that an update takes back the fields others changed', () => {
    const deployment = cluster.get('deployment', 'chat', 'nlp');
    expect(deployment.metadata.annotations['pulumi.com/patchForce']).toBe('true');
    expect(cluster.get('service', 'churn-api', 'analytics').metadata.annotations).toEqual({ 'pulumi.com/patchForce': 'true', 'pulumi.com/skipAwait': 'true' });
  });

  test('tenant owners cannot change or delete the platform-managed objects of any kind, nor relabel them; their own objects, scaling and the Jobs they start stay theirs', async () => {
    // RBAC first: give the built-in admin role the prometheus-operator's kinds, as installations of it do
    // (aggregated ClusterRoles), and the Gateway API routes (whose CRDs bring no role: without one, RBAC
    // refuses tenant owners every route, before admission), so that what refuses them below is the admission policy.
    cluster.kubectlOk(['create', 'clusterrole', 'monitoring-admin', '--verb=*', '--resource=servicemonitors.monitoring.coreos.com,podmonitors.monitoring.coreos.com,prometheusrules.monitoring.coreos.com']);
    cluster.kubectlOk(['create', 'clusterrole', 'routes-admin', '--verb=*', '--resource=httproutes.gateway.networking.k8s.io']);
    for (const role of ['monitoring-admin', 'routes-admin']) cluster.kubectlOk(['label', 'clusterrole', role, 'rbac.authorization.k8s.io/aggregate-to-admin=true']);
    await cluster.waitFor('the admin role to aggregate the monitoring kinds and routes', () =>
      ['monitoring.coreos.com', 'gateway.networking.k8s.io'].every((group) =>
        (cluster.get('clusterrole', 'admin').rules as { apiGroups?: string[] }[]).some((rule) => rule.apiGroups?.includes(group)),
      ),
    );
    const owners = { analytics: cluster.user('sam@example.com'), nlp: cluster.user('maria@example.com') };
    const managed = (kind: string, name: string, namespace: string) =>
      `${kind} ${name} is managed by the platform (app.kubernetes.io/managed-by=mlp): change tenants/${namespace}.yaml and let the platform deploy it`;
    const attempts: { namespace: 'analytics' | 'nlp'; args: string[]; message: string }[] = [
      { namespace: 'analytics', args: ['set', 'image', 'deployment/churn-api', `${container('analytics', 'churn-api')}=registry.ml.example.com/analytics/churn-api:6.6.6`], message: managed('Deployment', 'churn-api', 'analytics') },
      { namespace: 'analytics', args: ['label', '--overwrite', 'deployment', 'churn-api', 'mlp.io/cost-center=cc-other'], message: managed('Deployment', 'churn-api', 'analytics') },
      { namespace: 'analytics', args: ['label', 'deployment', 'churn-api', 'app.kubernetes.io/managed-by-'], message: managed('Deployment', 'churn-api', 'analytics') },
      { namespace: 'analytics', args: ['delete', 'deployment', 'churn-api'], message: managed('Deployment', 'churn-api', 'analytics') },
      { namespace: 'analytics', args: ['patch', 'serviceaccount', 'workloads', '-p', '{"automountServiceAccountToken":true}'], message: managed('ServiceAccount', 'workloads', 'analytics') },
      { namespace: 'analytics', args: ['patch', 'horizontalpodautoscaler', 'churn-api', '-p', '{"spec":{"maxReplicas":50}}'], message: managed('HorizontalPodAutoscaler', 'churn-api', 'analytics') },
      { namespace: 'analytics', args: ['patch', 'poddisruptionbudget', 'churn-api', '-p', '{"spec":{"maxUnavailable":5}}'], message: managed('PodDisruptionBudget', 'churn-api', 'analytics') },
      { namespace: 'analytics', args: ['delete', 'service', 'churn-api'], message: managed('Service', 'churn-api', 'analytics') },
      { namespace: 'analytics', args: ['annotate', 'service', 'churn-api', 'team=a'], message: managed('Service', 'churn-api', 'analytics') },
      { namespace: 'analytics', args: ['patch', 'cronjob', 'churn-model', '-p', '{"spec":{"suspend":true}}'], message: managed('CronJob', 'churn-model', 'analytics') },
      { namespace: 'analytics', args: ['delete', 'servicemonitor', 'churn-api'], message: managed('ServiceMonitor', 'churn-api', 'analytics') },
      { namespace: 'analytics', args: ['delete', 'podmonitor', 'training-jobs'], message: managed('PodMonitor', 'training-jobs', 'analytics') },
      { namespace: 'analytics', args: ['label', '--overwrite', 'prometheusrule', 'tenant-alerts', 'mlp.io/prometheus=other'], message: managed('PrometheusRule', 'tenant-alerts', 'analytics') },
      { namespace: 'nlp', args: ['delete', 'job', 'chat-finetune'], message: managed('Job', 'chat-finetune', 'nlp') },
      // (A resize of the unbound claim would be refused by the API server's validation before admission.)
      { namespace: 'nlp', args: ['label', '--overwrite', 'persistentvolumeclaim', 'chat-finetune-checkpoints', 'mlp.io/data-'], message: managed('PersistentVolumeClaim', 'chat-finetune-checkpoints', 'nlp') },
      { namespace: 'nlp', args: ['delete', 'persistentvolumeclaim', 'chat-finetune-checkpoints', '--wait=false'], message: managed('PersistentVolumeClaim', 'chat-finetune-checkpoints', 'nlp') },
      { namespace: 'nlp', args: ['label', '--overwrite', 'httproute', 'chat', 'mlp.io/cost-center=cc-other'], message: managed('HTTPRoute', 'chat', 'nlp') },
    ];
    const kinds = ['deployment', 'serviceaccount', 'horizontalpodautoscaler', 'poddisruptionbudget', 'service', 'cronjob', 'servicemonitor', 'podmonitor', 'prometheusrule', 'job', 'persistentvolumeclaim', 'httproute'];
    // What a tenant's attempt could change: labels, annotations, the spec and a ServiceAccount's
    // token setting. Not the resourceVersion: controllers write status (and the autoscaler the
    // replica count, the binder a claim's volume) meanwhile, which is theirs to do.
    const versions = (namespace: string) =>
      JSON.parse(cluster.kubectlOk(['get', kinds.join(','), '-n', namespace, '-o', 'json']))
        .items.map((item: any) => {
          const { 'deployment.kubernetes.io/revision': _revision, ...annotations } = item.metadata.annotations ?? {};
          const { replicas: _replicas, volumeName: _volumeName, ...spec } = item.spec ?? {};
          return `${item.kind}/${item.metadata.name} ${JSON.stringify({ labels: item.metadata.labels, annotations, spec, automount: item.automountServiceAccountToken })}`;
        })
        .sort();
    const before = { analytics: versions('analytics'), nlp: versions('nlp') };
    expect(before.analytics.length).toBeGreaterThan(8);
    expect(attempts.length).toBe(17);
    for (const attempt of attempts) {
      const result = cluster.kubectl(['-n', attempt.namespace, ...attempt.args], owners[attempt.namespace]);
      expect({ args: attempt.args, status: result.status, refused: result.stderr.includes(attempt.message) }).toEqual({ args: attempt.args, status: 1, refused: true });
    }
    expect({ analytics: versions('analytics'), nlp: versions('nlp') }).toEqual(before);

    // The label that marks the platform's objects stays the platform's.
    const asOwner = (args: string[]) => cluster.kubectl(['-n', 'analytics', ...args], owners.analytics);
    expect(asOwner(['create', 'configmap', 'notes', '--from-literal=a=b']).status).toBe(0);
    const spoof = asOwner(['label', 'configmap', 'notes', 'app.kubernetes.io/managed-by=mlp']);
    expect(spoof.status).toBe(1);
    expect(spoof.stderr).toContain("the label app.kubernetes.io/managed-by=mlp marks the platform's own objects; tenants may not use it");

    // What the tenant owns: its own objects, the replica count (the autoscaler's), Jobs started from a CronJob.
    for (const args of [
      ['label', '--overwrite', 'configmap', 'notes', 'mlp.io/cost-center=cc-0815'],
      ['delete', 'configmap', 'notes'],
      ['scale', 'deployment', 'churn-api', '--replicas=2'],
      ['create', 'job', 'manual-run', '--from=cronjob/churn-model'],
      ['label', 'job', 'manual-run', 'run=manual'],
      ['delete', 'job', 'manual-run'],
    ]) {
      const result = asOwner(args);
      expect({ args, status: result.status, stderr: result.stderr }).toEqual({ args, status: 0, stderr: '' });
    }
    expect(cluster.get('deployment', 'churn-api', 'analytics').spec.replicas).toBe(2);
  });

  test('drift made by a cluster admin is reported per tenant, and pulumi up --refresh repairs every field and recreates the deleted Service', () => {
    const original = {
      image: cluster.get('deployment', 'chat', 'nlp').spec.template.spec.containers[0].image,
      costCenter: cluster.get('deployment', 'chat', 'nlp').metadata.labels['mlp.io/cost-center'],
      maxReplicas: cluster.get('horizontalpodautoscaler', 'chat', 'nlp').spec.maxReplicas,
      maxUnavailable: cluster.get('poddisruptionbudget', 'chat', 'nlp').spec.maxUnavailable,
    };
    expect(original).toEqual({ image: 'registry.ml.example.com/nlp/llm-server:1.8.0', costCenter: 'cc-2203', maxReplicas: 7, maxUnavailable: 1 });
    const serviceBefore = cluster.get('service', 'embeddings', 'nlp');
    expect(serviceBefore).toBeDefined();
    expect(cluster.get('serviceaccount', 'workloads', 'nlp').automountServiceAccountToken).toBe(false);

    // The drift of finding 1, as the cluster admin (the guardrails refuse tenants).
    cluster.kubectlOk(['-n', 'nlp', 'set', 'image', 'deployment/chat', `${container('nlp', 'chat')}=registry.ml.example.com/nlp/llm-server:6.6.6`]);
    cluster.kubectlOk(['-n', 'nlp', 'label', '--overwrite', 'deployment', 'chat', 'mlp.io/cost-center=cc-stolen']);
    cluster.kubectlOk(['-n', 'nlp', 'patch', 'serviceaccount', 'workloads', '-p', '{"automountServiceAccountToken":true}']);
    cluster.kubectlOk(['-n', 'nlp', 'patch', 'horizontalpodautoscaler', 'chat', '-p', '{"spec":{"maxReplicas":50}}']);
    cluster.kubectlOk(['-n', 'nlp', 'patch', 'poddisruptionbudget', 'chat', '-p', '{"spec":{"maxUnavailable":5}}']);
    cluster.kubectlOk(['-n', 'nlp', 'delete', 'service', 'embeddings']);

    const report = stack.script(DRIFT_REPORT);
    expect({ status: report.status, stderr: report.stderr }).toEqual({ status: 1, stderr: '' });
    expect(report.stdout).toBe(
      [
        'drift in 5 objects of nlp; the next pulumi up puts them back:',
        'nlp:',
        '  nlp/deployment-chat: changed metadata.labels["mlp.io/cost-center"], spec.template.spec.containers[0].image',
        '  nlp/horizontalpodautoscaler-chat: changed spec.maxReplicas',
        '  nlp/poddisruptionbudget-chat: changed spec.maxUnavailable',
        '  nlp/service-embeddings: deleted from the cluster',
        '  nlp/serviceaccount-workloads: changed automountServiceAccountToken',
        '',
      ].join('\n'),
    );
    // The report changed nothing.
    expect(cluster.get('horizontalpodautoscaler', 'chat', 'nlp').spec.maxReplicas).toBe(50);
    expect(cluster.get('service', 'embeddings', 'nlp')).toBeUndefined();

    const up = stack.pulumi(DEPLOY);
    expect({ status: up.status, conflict: /conflict/i.test(up.stdout + up.stderr) }).toEqual({ status: 0, conflict: false });
    const chat = cluster.get('deployment', 'chat', 'nlp');
    expect({
      image: chat.spec.template.spec.containers[0].image,
      costCenter: chat.metadata.labels['mlp.io/cost-center'],
      maxReplicas: cluster.get('horizontalpodautoscaler', 'chat', 'nlp').spec.maxReplicas,
      maxUnavailable: cluster.get('poddisruptionbudget', 'chat', 'nlp').spec.maxUnavailable,
    }).toEqual(original);
    expect(cluster.get('serviceaccount', 'workloads', 'nlp').automountServiceAccountToken).toBe(false);
    const service = cluster.get('service', 'embeddings', 'nlp');
    expect(service.metadata.uid).not.toBe(serviceBefore.metadata.uid);
    expect(service.spec.selector).toEqual(serviceBefore.spec.selector);

    const clean = stack.pulumi(['preview', '--refresh', '--expect-no-changes']);
    expect({ status: clean.status, stderr: clean.stderr }).toEqual({ status: 0, stderr: '' });
    const noDrift = stack.script(DRIFT_REPORT);
    expect({ status: noDrift.status, stdout: noDrift.stdout }).toEqual({ status: 0, stdout: 'no drift: the cluster matches the last update\n' });
  });

  test('a tenant-file change to a drifted field previews and deploys; the report names only the drift the change does not cover', () => {
    cluster.kubectlOk(['-n', 'nlp', 'patch', 'horizontalpodautoscaler', 'chat', '-p', '{"spec":{"maxReplicas":50}}']);
    cluster.kubectlOk(['-n', 'nlp', 'set', 'image', 'deployment/chat', `${container('nlp', 'chat')}=registry.ml.example.com/nlp/llm-server:6.6.6`]);
    const tenant = stack.readTenant('nlp.yaml');
    expect(tenant).toContain('        max: 7\n');
    stack.writeTenant('nlp.yaml', tenant.replace('        max: 7\n', '        max: 6\n'));

    const report = stack.script(DRIFT_REPORT);
    expect({ status: report.status, stdout: report.stdout }).toEqual({
      status: 1,
      stdout: 'drift in 1 object of nlp; the next pulumi up puts them back:\nnlp:\n  nlp/deployment-chat: changed spec.template.spec.containers[0].image\n',
    });
    // The pull request's preview: refreshed, it shows the change and the repair, and does not fail.
    const preview = stack.pulumi(['preview', '--refresh', '--diff']);
    expect({ status: preview.status, stderr: preview.stderr }).toEqual({ status: 0, stderr: '' });
    expect(preview.stdout).toMatch(/HorizontalPodAutoscaler: \(update\)\n\s+\[id=nlp\/chat\]/);
    expect(preview.stdout).toContain('~ maxReplicas: 50 => 6');
    expect(preview.stdout).toMatch(/Deployment: \(update\)\n\s+\[id=nlp\/chat\]/);
    expect(preview.stdout).toContain('~ image: "registry.ml.example.com/nlp/llm-server:6.6.6" => "registry.ml.example.com/nlp/llm-server:1.8.0"');

    stack.pulumiOk(DEPLOY);
    expect(cluster.get('horizontalpodautoscaler', 'chat', 'nlp').spec.maxReplicas).toBe(6);
    expect(cluster.get('deployment', 'chat', 'nlp').spec.template.spec.containers[0].image).toBe('registry.ml.example.com/nlp/llm-server:1.8.0');
    expect(stack.pulumi(['preview', '--refresh', '--expect-no-changes']).status).toBe(0);
  });
});
