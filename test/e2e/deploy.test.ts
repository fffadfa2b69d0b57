/**
 * `pulumi up` of the fixture platform and tenants (test/fixtures) against a real
 * kube-apiserver (with etcd, kube-controller-manager and kube-scheduler) with
 * simulated nodes (kwok) derived from the fixture platform file, and the real
 * Pulumi CLI with a local file backend. The tests run in order and share the
 * stack.
 *
 * Readiness waits are on (no mlp:skipAwait): every `pulumi up` returns only
 * once the Deployments are Available, the Services have endpoints, the
 * claims are bound and the Ingresses have an address (set by the cluster's
 * kwok stage, scripts/kwok-stages/); training Jobs are never awaited. The
 * fixture platform exposes through the Gateway API: the API server checks the
 * HTTPRoutes against the Gateway API CRDs, which the stack installs first
 * (mlp:crdFiles); no gateway controller runs, and Pulumi does not wait on them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../config/load';
import { synthesizeAll } from '../../stacks/synth';
import { ControlPlane, PulumiStack, keepLogs, killProcessTree, scratchDir } from '../../devkit/cluster';
import { FIXTURE_PLATFORM_FILE, fixtureTenants } from '../support/fixtures';

const LIVE_RESOURCES = [
  'namespaces',
  'serviceaccounts',
  'resourcequotas',
  'limitranges',
  'configmaps',
  'services',
  'persistentvolumeclaims',
  'rolebindings.rbac.authorization.k8s.io',
  'clusterroles.rbac.authorization.k8s.io',
  'clusterrolebindings.rbac.authorization.k8s.io',
  'networkpolicies.networking.k8s.io',
  'ingresses.networking.k8s.io',
  'httproutes.gateway.networking.k8s.io',
  'jobs.batch',
  'cronjobs.batch',
  'deployments.apps',
  'horizontalpodautoscalers.autoscaling',
  'poddisruptionbudgets.policy',
  'priorityclasses.scheduling.k8s.io',
  'validatingadmissionpolicies.admissionregistration.k8s.io',
  'validatingadmissionpolicybindings.admissionregistration.k8s.io',
  'servicemonitors.monitoring.coreos.com',
  'podmonitors.monitoring.coreos.com',
  'prometheusrules.monitoring.coreos.com',
  'prometheuses.monitoring.coreos.com',
  'resourceflavors.kueue.x-k8s.io',
  'workloadpriorityclasses.kueue.x-k8s.io',
  'clusterqueues.kueue.x-k8s.io',
  'localqueues.kueue.x-k8s.io',
].join(',');

/** A restricted pod of a tenant, with `resources` and `extra` spec fields. */
function pod(name: string, resources: Record<string, string>, extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'main',
          image: 'registry.ml.example.com/vision/trainer:2.4.1',
          resources: { requests: resources, limits: resources },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          ...container,
        },
      ],
      ...extra,
    },
  });
}

describe('deploying the fixture tenants to a real API server', () => {
  let dir: string;
  let cluster: ControlPlane;
  let stack: PulumiStack;

  beforeAll(() => {
    dir = scratchDir('mlp-e2e-deploy-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'), { simulatedNodes: { platformFile: FIXTURE_PLATFORM_FILE } });
    stack = new PulumiStack(path.join(dir, 'project'), 'e2e', {
      kubeconfig: cluster.kubeconfig,
      skipAwait: false,
      platformFile: FIXTURE_PLATFORM_FILE,
      tenants: fixtureTenants(),
    });
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'deploy');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pulumi up creates every synthesized object and returns once every Deployment is Available; the autoscalers then raise them to their minimum', async () => {
    stack.pulumiOk(['up', '--yes', '--skip-preview']);
    // What pulumi up waited for: each Deployment ready at the replicas of its live ReplicaSet: 1 before its
    // autoscaler's first sync (up to 15 s later), which may come during the wait or after it.
    const deployments = JSON.parse(cluster.kubectlOk(['get', 'deployments', '-A', '-o', 'json'])).items;
    expect(
      deployments.map((deployment: any) => ({
        deployment: `${deployment.metadata.namespace}/${deployment.metadata.name}`,
        available: deployment.status.conditions.find((condition: any) => condition.type === 'Available').status,
        ready: (deployment.status.readyReplicas ?? 0) >= 1,
      })),
    ).toEqual(
      ['analytics/churn-api', 'nlp/chat', 'nlp/embeddings'].map((name) => ({ deployment: name, available: 'True', ready: true })),
    );
    const jobs = JSON.parse(cluster.kubectlOk(['get', 'jobs', '-A', '-o', 'json'])).items;
    expect(jobs.map((job: any) => [`${job.metadata.namespace}/${job.metadata.name}`, job.metadata.annotations['pulumi.com/skipAwait']])).toEqual([
      ['nlp/chat-finetune', 'true'],
      ['vision/resnet-ddp', 'true'],
    ]);
    const atMinimum = [];
    for (const namespace of ['analytics', 'nlp']) {
      for (const deployment of await cluster.waitForDeploymentsAvailable(namespace)) atMinimum.push([`${namespace}/${deployment.metadata.name}`, deployment.status.availableReplicas]);
    }
    expect(atMinimum).toEqual([
      ['analytics/churn-api', 1],
      ['nlp/chat', 2],
      ['nlp/embeddings', 2],
    ]);
    // No metrics server runs, so the autoscalers cannot read CPU use; below the minimum they scale without metrics.
    const rescales = JSON.parse(cluster.kubectlOk(['get', 'events', '-n', 'nlp', '--field-selector', 'reason=SuccessfulRescale', '-o', 'json'])).items;
    expect(rescales.map((event: any) => [event.involvedObject.name, event.message]).sort()).toEqual([
      ['chat', 'New size: 2; reason: Current number of replicas below Spec.MinReplicas'],
      ['embeddings', 'New size: 2; reason: Current number of replicas below Spec.MinReplicas'],
    ]);

    const live = JSON.parse(cluster.kubectlOk(['get', LIVE_RESOURCES, '-A', '-o', 'json'])).items as any[];
    const liveKeys = new Set(live.map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`));
    const synthesized = synthesizeAll(loadConfig({ platformFile: stack.platformFile, tenantsDir: stack.tenantsDir })).flatMap((group) => group.objects);
    const missing = synthesized
      .map((object) => `${object.kind}/${object.kind === 'Namespace' ? '' : (object.metadata.namespace ?? '')}/${object.metadata.name}`)
      .filter((key) => !liveKeys.has(key));
    expect(synthesized.length).toBeGreaterThan(70);
    expect(missing).toEqual([]);
    for (const kind of ['Namespace', 'ResourceQuota', 'LimitRange', 'RoleBinding', 'NetworkPolicy', 'Job', 'CronJob', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
      expect(live.filter((object) => object.kind === kind && ['vision', 'nlp', 'analytics'].includes(object.metadata.namespace ?? object.metadata.name)).length).toBeGreaterThan(0);
    }
  });

  test('a second preview expects no changes', () => {
    const result = stack.pulumi(['preview', '--expect-no-changes']);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
  });

  test('pulumi up of objects that violate a policy fails before any change, naming the violation', () => {
    // The loader accepts a utility image tagged latest; policy MLP003 refuses the init container of a distributed job that runs it.
    const platform = fs.readFileSync(stack.platformFile, 'utf8');
    expect(platform).toMatch(/^ {2}utilityImage: .*$/m);
    const stateBefore = stack.pulumiOk(['stack', 'export', '--stack', stack.name]);
    const jobBefore = cluster.get('job', 'resnet-ddp', 'vision');
    fs.writeFileSync(stack.platformFile, platform.replace(/^ {2}utilityImage: .*$/m, '  utilityImage: registry.ml.example.com/mirror/busybox:latest'));
    stack.writeTenant(
      'rogue.yaml',
      'apiVersion: platform.mlp.io/v1alpha1\nkind: Tenant\nmetadata:\n  name: rogue\nspec:\n  costCenter: cc-9\n  owners:\n    - user: rogue@example.com\n' +
        '  quota:\n    gpu: 2\n  trainingJobs:\n    - name: train\n      image: registry.ml.example.com/rogue/trainer:1.0.0\n      gpus: 1\n      workers: 2\n',
    );
    try {
      const result = stack.pulumi(['up', '--yes', '--skip-preview']);
      expect(result.status).not.toBe(0);
      const output = result.stdout + result.stderr;
      expect(output).toContain(
        `${path.join(stack.tenantsDir, 'rogue.yaml')}: rogue/Job/train: MLP003 (images pinned by tag or digest, never latest): init container "wait-for-master" uses image ` +
          '"registry.ml.example.com/mirror/busybox:latest", whose tag "latest" is mutable; fix: pin a version tag (name:1.2.3) or a digest (name@sha256:...)',
      );
      expect(output).toContain('Nothing was deployed; fix the files (npx mlp validate) and run again.');
      expect(cluster.get('namespace', 'rogue')).toBeUndefined();
      expect(cluster.get('job', 'resnet-ddp', 'vision').metadata.uid).toBe(jobBefore.metadata.uid);
      expect(JSON.parse(stack.pulumiOk(['stack', 'export', '--stack', stack.name])).deployment.resources).toEqual(JSON.parse(stateBefore).deployment.resources);
    } finally {
      fs.writeFileSync(stack.platformFile, platform);
      stack.removeTenant('rogue.yaml');
    }
    const preview = stack.pulumi(['preview', '--expect-no-changes']);
    expect(preview.stderr).not.toMatch(/error/i);
    expect(preview.status).toBe(0);
  });

  test("a quota change previews as an update of the tenant's ResourceQuota and ClusterQueue, and pulumi up applies it", () => {
    const before = stack.readTenant('nlp.yaml');
    expect(before).toContain('    gpu: 8\n');
    stack.writeTenant('nlp.yaml', before.replace('    gpu: 8\n', '    gpu: 12\n'));
    expect(stack.previewChanges()).toEqual(['update nlp/clusterqueue-nlp', 'update nlp/resourcequota-tenant-quota']);
    stack.pulumiOk(['up', '--yes', '--skip-preview']);
    // With Kueue on, quota.gpu is the guarantee (nominalQuota of the H100 flavor its jobs use); the
    // ResourceQuota adds the borrowing limit (8 per GPU type, 3 types) and the serving reserve (8).
    const h100 = cluster.get('clusterqueue', 'nlp').spec.resourceGroups[1].flavors.find((flavor: any) => flavor.name === 'h100-80gb');
    expect(h100.resources[0].nominalQuota).toBe('12');
    expect(cluster.get('resourcequota', 'tenant-quota', 'nlp').spec.hard['requests.nvidia.com/gpu']).toBe(String(12 + 8 * 3 + 8));
  });

  test('a tenant owner can run jobs in its namespace only, and read nothing of another tenant', () => {
    const can = (verb: string, resource: string, namespace: string | undefined, user: string, group?: string) =>
      cluster
        .kubectl(['auth', 'can-i', verb, resource, ...(namespace ? ['-n', namespace] : []), `--as=${user}`, ...(group ? [`--as-group=${group}`] : [])])
        .stdout.trim();
    // maria@example.com owns nlp by name; vision is owned by the group vision-leads.
    expect(can('create', 'jobs.batch', 'nlp', 'maria@example.com')).toBe('yes');
    expect(can('create', 'jobs.batch', 'vision', 'lead@example.com', 'vision-leads')).toBe('yes');
    for (const resource of ['secrets', 'pods', 'jobs.batch']) {
      expect(can('get', resource, 'vision', 'maria@example.com')).toBe('no');
      expect(can('list', resource, 'nlp', 'lead@example.com', 'vision-leads')).toBe('no');
    }
    expect(can('create', 'namespaces', undefined, 'maria@example.com')).toBe('no');
    expect(can('get', 'secrets', 'nlp', 'finance-bot@example.com')).toBe('no');
    expect(can('list', 'pods', 'vision', 'finance-bot@example.com')).toBe('yes');
  });

  test('the admission chain rejects a pod over the GPU quota and a privileged pod', async () => {
    // Once nlp's fine-tuning Job has completed, only the chat replicas (1 GPU each, 2 at the autoscaler's minimum) hold its GPU quota.
    await cluster.waitForJob('chat-finetune', 'nlp', 'Complete');
    await cluster.waitFor("nlp's GPU quota usage to settle at the chat replicas'", () => cluster.get('resourcequota', 'tenant-quota', 'nlp').status.used['requests.nvidia.com/gpu'] === '2');
    const quota = cluster.get('resourcequota', 'tenant-quota', 'nlp').status;
    const free = Number(quota.hard['requests.nvidia.com/gpu']) - Number(quota.used['requests.nvidia.com/gpu']);
    expect(free).toBeGreaterThan(0);
    const apply = (manifest: string) => cluster.kubectl(['create', '-n', 'nlp', '-f', writeManifest(dir, manifest)]);
    const gpus = apply(pod('too-many-gpus', { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': String(free + 1) }));
    expect(gpus.status).not.toBe(0);
    expect(gpus.stderr).toContain(
      `is forbidden: exceeded quota: tenant-quota, requested: requests.nvidia.com/gpu=${free + 1}, used: requests.nvidia.com/gpu=2, limited: requests.nvidia.com/gpu=${quota.hard['requests.nvidia.com/gpu']}\n`,
    );

    const privileged = apply(pod('privileged', { cpu: '1', memory: '1Gi' }, {}, { securityContext: { privileged: true } }));
    expect(privileged.status).not.toBe(0);
    expect(privileged.stderr).toContain('violates PodSecurity "restricted:latest"');

    const fits = apply(pod('fits', { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': String(free) }, { priorityClassName: 'mlp-standard' }));
    expect(fits.stderr).toBe('');
    expect(fits.status).toBe(0);
    cluster.kubectlOk(['delete', 'pod', 'fits', '-n', 'nlp', '--wait=false']);
  });

  test('tenant owners cannot change what the platform owns, grant beyond admin/edit/view, or raise their priority', () => {
    const owner = cluster.user('sam@example.com');
    const as = (args: string[]) => cluster.kubectl(args, owner);
    const denied = (args: string[], message: string) => {
      const result = as(args);
      expect({ args, status: result.status === 0 ? 'allowed' : 'denied' }).toEqual({ args, status: 'denied' });
      expect(result.stderr).toContain(message);
    };
    const platformOwned = 'belong to the platform: change tenants/analytics.yaml';
    denied(['delete', 'networkpolicy', 'default-deny', '-n', 'analytics'], platformOwned);
    // The built-in admin role already refuses these two; the admission policy stands behind it.
    denied(['patch', 'resourcequota', 'tenant-quota', '-n', 'analytics', '--type=merge', '-p', '{"spec":{"hard":{"pods":"1000"}}}'], 'is forbidden');
    denied(['delete', 'limitrange', 'tenant-limits', '-n', 'analytics'], 'is forbidden');
    denied(['create', '-n', 'analytics', '-f', writeManifest(dir, JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-all-egress' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] } }))], platformOwned);
    denied(['create', 'rolebinding', 'aggregate', '-n', 'analytics', '--clusterrole=system:aggregate-to-view', '--user=bob@example.com'], 'tenants may bind only the admin, edit and view ClusterRoles');
    denied(['create', 'rolebinding', 'masters', '-n', 'analytics', '--clusterrole=edit', '--group=system:masters'], 'tenants may not grant roles to system: users or groups');
    denied(['create', 'rolebinding', 'other-sa', '-n', 'analytics', '--clusterrole=view', '--serviceaccount=vision:workloads'], 'service accounts of other namespaces');
    denied(['delete', 'rolebinding', 'tenant-owners', '-n', 'analytics'], 'this RoleBinding belongs to the platform');
    denied(['get', 'secrets', '-n', 'vision'], 'forbidden');
    denied(['create', '-n', 'analytics', '-f', writeManifest(dir, pod('jump-the-queue', { cpu: '500m', memory: '512Mi' }, { priorityClassName: 'mlp-critical' }))], 'pods of this tenant run at priority class mlp-batch');

    const delegated = as(['create', 'rolebinding', 'helpers', '-n', 'analytics', '--clusterrole=edit', '--user=bob@example.com']);
    expect(delegated.stderr).toBe('');
    expect(delegated.status).toBe(0);
  });

  test('a training Job replaced by an image change keeps its checkpoint volume, even while the old Job\'s pods still terminate', async () => {
    const claimBefore = cluster.get('persistentvolumeclaim', 'resnet-ddp-checkpoints', 'vision');
    const jobBefore = cluster.get('job', 'resnet-ddp', 'vision');
    // A pod that takes its time to go, as a training pod in its grace period does: with a foreground
    // deletion the old Job stays until it is gone, and the replacement then met the old Job
    // ("spec.template: field is immutable").
    await cluster.waitFor('a pod of job resnet-ddp', () => JSON.parse(cluster.kubectlOk(['get', 'pods', '-n', 'vision', '-l', 'batch.kubernetes.io/job-name=resnet-ddp', '-o', 'json'])).items.length > 0);
    const held = JSON.parse(cluster.kubectlOk(['get', 'pods', '-n', 'vision', '-l', 'batch.kubernetes.io/job-name=resnet-ddp', '-o', 'json'])).items[0].metadata.name as string;
    cluster.kubectlOk(['patch', 'pod', held, '-n', 'vision', '--type=merge', '-p', '{"metadata":{"finalizers":["mlp.io/e2e-hold"]}}']);
    stack.writeTenant('vision.yaml', stack.readTenant('vision.yaml').replace('vision/trainer:2.4.1', 'vision/trainer:2.5.0'));
    stack.pulumiOk(['up', '--yes', '--skip-preview']);
    const jobAfter = cluster.get('job', 'resnet-ddp', 'vision');
    expect(jobAfter.spec.template.spec.containers[0].image).toBe('registry.ml.example.com/vision/trainer:2.5.0');
    expect(jobAfter.metadata.uid).not.toBe(jobBefore.metadata.uid);
    expect(cluster.get('persistentvolumeclaim', 'resnet-ddp-checkpoints', 'vision').metadata.uid).toBe(claimBefore.metadata.uid);
    // The held pod of the old Job is terminating (the garbage collector deleted it after its Job); let it go.
    await cluster.waitFor(`pod ${held} to be terminating`, () => cluster.get('pod', held, 'vision')?.metadata.deletionTimestamp !== undefined);
    cluster.kubectlOk(['patch', 'pod', held, '-n', 'vision', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await cluster.waitFor(`pod ${held} to be gone`, () => cluster.get('pod', held, 'vision') === undefined);
  });

  test('an interrupted pulumi up recovers with scripts/pulumi-unlock.sh and another pulumi up', async () => {
    stack.writeTenant('speech.yaml', stack.readTenant('analytics.yaml').replace(/analytics/g, 'speech').replace('cc-0815', 'cc-3001'));
    const up = await stack.upFrozenAfterCreated(3);
    killProcessTree(up.pid!);
    await new Promise((resolve) => up.once('exit', resolve));

    const locked = stack.pulumi(['up', '--yes', '--skip-preview']);
    expect(locked.status).not.toBe(0);
    expect(locked.stderr + locked.stdout).toContain('the stack is currently locked');

    stack.recoverInterruptedUpdate();
    stack.pulumiOk(['up', '--yes', '--skip-preview']);
    expect(cluster.get('namespace', 'speech')).toBeDefined();
    expect(stack.pulumi(['preview', '--expect-no-changes']).status).toBe(0);
  });

  test('with one checkpoint (PULUMI_SKIP_CHECKPOINTS), an interrupted pulumi up loses its progress from the state and the next pulumi up adopts what it created', async () => {
    const oneCheckpoint = { PULUMI_SKIP_CHECKPOINTS: 'true' };
    const stateUrns = () => (JSON.parse(stack.pulumiOk(['stack', 'export', '--stack', stack.name])).deployment.resources ?? []).map((resource: { urn: string }) => resource.urn) as string[];
    stack.writeTenant('audio.yaml', stack.readTenant('analytics.yaml').replace(/analytics/g, 'audio').replace('cc-0815', 'cc-3002'));
    const up = await stack.upFrozenAfterCreated(3, oneCheckpoint);
    killProcessTree(up.pid!);
    await new Promise((resolve) => up.once('exit', resolve));

    // The namespace exists, the state does not know it: the snapshot is written only at the end.
    expect(cluster.get('namespace', 'audio')).toBeDefined();
    expect(stateUrns().filter((urn) => urn.includes('audio/'))).toEqual([]);

    stack.recoverInterruptedUpdate();
    stack.pulumiOk(['up', '--yes', '--skip-preview'], { env: oneCheckpoint });
    const namespace = JSON.parse(stack.pulumiOk(['stack', 'export', '--stack', stack.name])).deployment.resources.find((resource: { urn: string }) =>
      resource.urn.endsWith('::audio/namespace-audio'),
    );
    expect(namespace).toMatchObject({ protect: true });
    expect(cluster.get('networkpolicy', 'default-deny', 'audio')).toBeDefined();
    expect(stack.pulumi(['preview', '--expect-no-changes']).status).toBe(0);
  });

  test('removing a tenant file refuses the update and deletes nothing', () => {
    const saved = stack.readTenant('analytics.yaml');
    stack.removeTenant('analytics.yaml');
    const result = stack.pulumi(['up', '--yes', '--skip-preview']);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('refusing to update stack e2e: it would delete tenants that are not being decommissioned');
    expect(cluster.get('namespace', 'analytics')).toBeDefined();
    expect(cluster.get('networkpolicy', 'default-deny', 'analytics')).toBeDefined();
    expect(cluster.get('deployment', 'churn-api', 'analytics')).toBeDefined();
    stack.writeTenant('analytics.yaml', saved);
  });

  test('the documented decommission deletes the tenant and its namespace', async () => {
    stack.setConfigList('mlp:decommission', ['analytics']);
    stack.pulumiOk(['up', '--yes', '--skip-preview']);
    expect(cluster.get('namespace', 'analytics')).toBeDefined();
    stack.removeTenant('analytics.yaml');
    stack.pulumiOk(['up', '--yes', '--skip-preview']);
    await cluster.waitFor('namespace analytics to be gone', () => cluster.get('namespace', 'analytics') === undefined);
    expect(cluster.get('namespace', 'vision')).toBeDefined();
  });
});

let manifestCount = 0;
/** Writes a manifest to a file under `dir`, for kubectl -f. */
function writeManifest(dir: string, manifest: string): string {
  const file = path.join(dir, `manifest-${manifestCount++}.json`);
  fs.writeFileSync(file, manifest);
  return file;
}
