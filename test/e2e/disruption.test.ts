/**
 * Disruptions on a cluster that schedules and runs pods (kube-scheduler, kwok):
 * the tier PriorityClasses preempt, the GPU quota refuses at pod creation, a
 * drain keeps to a model service's PodDisruptionBudget, and a training Job's
 * podFailurePolicy ignores preemption and eviction but fails at once on an
 * exit code the tenant file declares non-retryable.
 *
 * kwok reports pods Running and completes Job pods at once; this file's own
 * kwok Stage (test/fixtures/kwok/pod-exit.yaml) ends a pod annotated
 * `mlp.test/exit-code` with that code, after `mlp.test/exit-after`. The
 * annotations are added here to the synthesized Jobs' pod templates, never by
 * the platform. The tenants are this file's own; one GPU node per type.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ControlPlane, keepLogs, scratchDir } from '../../devkit/cluster';
import { GPU_TYPE_LABEL } from '../../devkit/simulated-cluster';
import { synthesizedDist } from '../support/cli';
import { FIXTURES_DIR, FIXTURE_PLATFORM_FILE, minimalTenant, withoutKueue } from '../support/fixtures';

const POD_EXIT_STAGE = path.join(FIXTURES_DIR, 'kwok', 'pod-exit.yaml');
/** A pod that keeps running for the length of the test, as a long training run does. */
const HELD = { 'mlp.test/exit-code': '0', 'mlp.test/exit-after': '1h' };

const job = (name: string, fields: string) => `    - name: ${name}
      image: registry.ml.example.com/t/trainer:1.0.0
      cpu: "1"
      memory: 2Gi
      ephemeralStorage: 1Gi
${fields}`;

const TENANTS: Record<string, string> = {
  // Batch tier: preempted by critical-tier pods. Every Job has retries 0 or 1, so a disruption counted as a failure would fail it.
  'batchy.yaml': `${minimalTenant('batchy')}  tier: batch
  quota:
    gpu: 8
  trainingJobs:
${job('sweep', '      gpus: 8\n      gpuType: l4\n      retries: 0\n')}${job('evictable', '      gpus: 0\n      retries: 0\n')}${job(
    'bad-args',
    '      gpus: 0\n      retries: 2\n      nonRetryableExitCodes: [2]\n',
  )}${job('flaky', '      gpus: 0\n      retries: 1\n      nonRetryableExitCodes: [2]\n')}`,
  'urgent.yaml': `${minimalTenant('urgent')}  tier: critical
  quota:
    gpu: 12
  trainingJobs:
${job('hotfix', '      gpus: 8\n      gpuType: l4\n      retries: 0\n')}`,
  'serving.yaml': `${minimalTenant('serving')}  modelServices:
    - name: api
      image: registry.ml.example.com/serving/api:1.0.0
      cpu: 500m
      memory: 1Gi
      replicas:
        min: 2
        max: 4
`,
};

/** The pod-template annotations this file's kwok Stage acts on, per tenant and Job. */
const POD_ANNOTATIONS: Record<string, Record<string, Record<string, string>>> = {
  batchy: { sweep: HELD, evictable: HELD, 'bad-args': { 'mlp.test/exit-code': '2' }, flaky: { 'mlp.test/exit-code': '1' } },
  urgent: { hotfix: HELD },
};

/** A pod of the Pod Security `restricted` profile with `resources` as requests and limits. */
function restrictedPod(name: string, resources: Record<string, string>, priorityClassName: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      priorityClassName,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'main',
          image: 'registry.ml.example.com/t/trainer:1.0.0',
          resources: { requests: resources, limits: resources },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

describe('disruptions on a scheduling cluster', () => {
  let dir: string;
  let dist: string;
  let cluster: ControlPlane;

  const jobPods = (namespace: string, name: string) => cluster.pods(namespace, `batch.kubernetes.io/job-name=${name}`);
  const conditionOf = (object: any, type: string) => object?.status?.conditions?.find((condition: any) => condition.type === type);

  beforeAll(async () => {
    dir = scratchDir('mlp-e2e-disruption-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'), {
      simulatedNodes: { platformFile: FIXTURE_PLATFORM_FILE, gpuNodesPerType: 1, gpusPerNode: 8, cpuNodes: 2, kwokStages: [POD_EXIT_STAGE] },
    });

    // Kueue off (queueing.kueue: false): pods preempt by PriorityClass and the plain ResourceQuota
    // refuses, as on clusters without Kueue; test/e2e/queueing.test.ts shows the queued side.
    dist = synthesizedDist(TENANTS, withoutKueue);

    const annotated = Object.entries(POD_ANNOTATIONS).flatMap(([tenant, jobs]) =>
      Object.entries(jobs).map(([name, annotations]) => {
        const file = path.join(dist, tenant, `job-${name}.yaml`);
        const manifest = YAML.parse(fs.readFileSync(file, 'utf8'));
        manifest.spec.template.metadata.annotations = { ...manifest.spec.template.metadata.annotations, ...annotations };
        fs.writeFileSync(file, YAML.stringify(manifest));
        return `${tenant}/${name}`;
      }),
    );
    expect(annotated).toEqual(['batchy/sweep', 'batchy/evictable', 'batchy/bad-args', 'batchy/flaky', 'urgent/hotfix']);

    await cluster.applyPlatformCrds();
    cluster.kubectlOk(['apply', '--server-side', '-f', path.join(dist, '_platform')]);
    cluster.applyTenantFolder(path.join(dist, 'batchy'));
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'disruption');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an exit code the tenant file declares non-retryable fails the Job at once, with retries left', async () => {
    const failed = await cluster.waitForJob('bad-args', 'batchy', 'Failed');
    const pods = jobPods('batchy', 'bad-args');
    expect(pods.length).toBe(1);
    expect({ backoffLimit: failed.spec.backoffLimit, failed: failed.status.failed, reason: conditionOf(failed, 'Failed').reason, message: conditionOf(failed, 'Failed').message }).toEqual({
      backoffLimit: 2,
      failed: 1,
      reason: 'PodFailurePolicy',
      message: `Container trainer for pod batchy/${pods[0].metadata.name} failed with exit code 2 matching FailJob rule at index 1`,
    });
  });

  test('any other exit code uses up the retries first', async () => {
    const failed = await cluster.waitForJob('flaky', 'batchy', 'Failed');
    expect({ backoffLimit: failed.spec.backoffLimit, failed: failed.status.failed, reason: conditionOf(failed, 'Failed').reason }).toEqual({
      backoffLimit: 1,
      failed: 2,
      reason: 'BackoffLimitExceeded',
    });
    expect(jobPods('batchy', 'flaky').map((pod) => pod.status.containerStatuses[0].state.terminated.exitCode)).toEqual([1, 1]);
  });

  test('an evicted training pod uses up no retry: the Job (retries 0) starts a replacement', async () => {
    let victim: any;
    await cluster.waitFor('the evictable pod Running', () => {
      victim = jobPods('batchy', 'evictable').find((pod) => pod.status.phase === 'Running');
      return victim !== undefined;
    });
    const eviction = path.join(dir, 'eviction.json');
    fs.writeFileSync(eviction, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: victim.metadata.name, namespace: 'batchy' } }));
    cluster.kubectlOk(['create', '--raw', `/api/v1/namespaces/batchy/pods/${victim.metadata.name}/eviction`, '-f', eviction]);

    let replacement: any;
    await cluster.waitFor('a replacement pod Running', () => {
      const pods = jobPods('batchy', 'evictable');
      replacement = pods.find((pod) => pod.metadata.uid !== victim.metadata.uid && pod.status.phase === 'Running');
      return replacement !== undefined && pods.length === 1;
    });
    const evictable = cluster.get('job', 'evictable', 'batchy');
    expect({ backoffLimit: evictable.spec.backoffLimit, failed: evictable.status.failed ?? 0, active: evictable.status.active, failedCondition: conditionOf(evictable, 'Failed') }).toEqual({
      backoffLimit: 0,
      failed: 0,
      active: 1,
      failedCondition: undefined,
    });
  });

  test('with the GPU node full, a critical-tier pod preempts a batch-tier pod, whose Job (retries 0) uses up no retry', async () => {
    let victim: any;
    await cluster.waitFor('the batch-tier sweep pod Running on the l4 node', () => {
      victim = jobPods('batchy', 'sweep').find((pod) => pod.status.phase === 'Running');
      return victim !== undefined;
    });
    expect({ priorityClassName: victim.spec.priorityClassName, gpuType: cluster.nodeOf(victim).metadata.labels[GPU_TYPE_LABEL] }).toEqual({
      priorityClassName: 'mlp-batch',
      gpuType: 'l4',
    });

    cluster.applyTenantFolder(path.join(dist, 'urgent'));
    let preemptor: any;
    await cluster.waitFor('the critical-tier hotfix pod Running', () => {
      preemptor = jobPods('urgent', 'hotfix').find((pod) => pod.status.phase === 'Running');
      return preemptor !== undefined;
    });
    expect({ priorityClassName: preemptor.spec.priorityClassName, node: preemptor.spec.nodeName, gpuType: cluster.nodeOf(preemptor).metadata.labels[GPU_TYPE_LABEL] }).toEqual({
      priorityClassName: 'mlp-critical',
      node: victim.spec.nodeName,
      gpuType: 'l4',
    });
    const preempted = JSON.parse(cluster.kubectlOk(['get', 'events', '-n', 'batchy', '--field-selector', 'reason=Preempted', '-o', 'json'])).items;
    expect(preempted.map((event: any) => [event.involvedObject.name, event.message])).toEqual([
      [victim.metadata.name, `Preempted by pod ${preemptor.metadata.uid} on node ${victim.spec.nodeName}`],
    ]);

    // The replacement waits for a GPU; the Job has not failed.
    let replacement: any;
    await cluster.waitFor('a replacement sweep pod, unschedulable', () => {
      const pods = jobPods('batchy', 'sweep');
      replacement = pods.find((pod) => pod.metadata.uid !== victim.metadata.uid);
      return pods.length === 1 && conditionOf(replacement, 'PodScheduled')?.reason === 'Unschedulable';
    });
    const sweep = cluster.get('job', 'sweep', 'batchy');
    expect({ backoffLimit: sweep.spec.backoffLimit, failed: sweep.status.failed ?? 0, active: sweep.status.active, failedCondition: conditionOf(sweep, 'Failed') }).toEqual({
      backoffLimit: 0,
      failed: 0,
      active: 1,
      failedCondition: undefined,
    });
  });

  test("a pod needing more GPUs than the tenant's free quota is refused with the quota message", () => {
    // urgent: 12 GPUs of quota, 8 held by the running hotfix pod (previous test), 4 free.
    const quota = cluster.get('resourcequota', 'tenant-quota', 'urgent');
    expect({ hard: quota.status.hard['requests.nvidia.com/gpu'], used: quota.status.used['requests.nvidia.com/gpu'] }).toEqual({ hard: '12', used: '8' });
    const manifest = path.join(dir, 'over-quota.json');
    fs.writeFileSync(manifest, JSON.stringify(restrictedPod('over-quota', { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi', 'nvidia.com/gpu': '5' }, 'mlp-critical')));
    const result = cluster.kubectl(['create', '-n', 'urgent', '-f', manifest]);
    expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({
      status: 1,
      stderr:
        'Error from server (Forbidden): error when creating "' +
        manifest +
        '": pods "over-quota" is forbidden: exceeded quota: tenant-quota, requested: requests.nvidia.com/gpu=5, used: requests.nvidia.com/gpu=8, limited: requests.nvidia.com/gpu=12',
    });
    expect(cluster.get('pod', 'over-quota', 'urgent')).toBeUndefined();
  });

  test("kubectl drain of the node running a model service's replicas evicts one at a time (PDB), and the Deployment is Available again", async () => {
    // Both replicas on sim-cpu-1: sim-cpu-2 is cordoned while they start, and
    // stays cordoned during the drain, so that the first evicted replica's
    // replacement cannot start and the budget (maxUnavailable 1) must hold the second.
    cluster.kubectlOk(['cordon', 'sim-cpu-2']);
    cluster.applyTenantFolder(path.join(dist, 'serving'));
    const before = await cluster.waitForDeploymentsAvailable('serving');
    expect(before.map((deployment) => [deployment.metadata.name, deployment.status.availableReplicas])).toEqual([['api', 2]]);
    const replicas = () => cluster.pods('serving', 'app.kubernetes.io/name=api');
    const originals = replicas();
    expect(originals.map((pod) => [pod.spec.nodeName, pod.status.phase])).toEqual([
      ['sim-cpu-1', 'Running'],
      ['sim-cpu-1', 'Running'],
    ]);
    await cluster.waitFor('the PodDisruptionBudget to allow one disruption', () => cluster.get('pdb', 'api', 'serving').status?.disruptionsAllowed === 1);

    const drain = cluster.kubectlInBackground(['drain', 'sim-cpu-1', '--pod-selector=app.kubernetes.io/name=api', '--delete-emptydir-data', '--timeout=180s']);
    const refused = /error when evicting pods\/"(api-[a-z0-9-]+)" -n "serving" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./;
    await cluster.waitFor('the drain to be refused a second eviction', () => refused.test(drain.output.stderr));
    const held = refused.exec(drain.output.stderr)![1];
    let ended = false;
    void drain.exited.then(() => (ended = true));
    // Stable while sim-cpu-2 is cordoned: one replica evicted and gone, its replacement unschedulable, the other held.
    await cluster.waitFor('the first evicted replica gone and its replacement unschedulable', () => {
      const now = replicas();
      return (
        now.length === 2 &&
        now.some((pod) => pod.metadata.name === held) &&
        now.some((pod) => conditionOf(pod, 'PodScheduled')?.reason === 'Unschedulable' && !originals.some((original) => original.metadata.name === pod.metadata.name))
      );
    });
    expect({
      drainRunning: !ended,
      held: replicas()
        .filter((pod) => pod.metadata.name === held)
        .map((pod) => [pod.spec.nodeName, pod.status.phase, pod.metadata.deletionTimestamp]),
    }).toEqual({ drainRunning: true, held: [['sim-cpu-1', 'Running', undefined]] });

    cluster.kubectlOk(['uncordon', 'sim-cpu-2']);
    const status = await drain.exited;
    expect({ status, drained: drain.output.stdout.includes('node/sim-cpu-1 drained'), evicted: (drain.output.stdout.match(/^pod\/api-[a-z0-9-]+ evicted$/gm) ?? []).length }).toEqual({
      status: 0,
      drained: true,
      evicted: 2,
    });

    const after = await cluster.waitForDeploymentsAvailable('serving');
    expect(after.map((deployment) => [deployment.metadata.name, deployment.status.availableReplicas])).toEqual([['api', 2]]);
    await cluster.waitFor('the evicted replicas gone', () => replicas().length === 2);
    expect(replicas().map((pod) => [pod.spec.nodeName, pod.status.phase])).toEqual([
      ['sim-cpu-2', 'Running'],
      ['sim-cpu-2', 'Running'],
    ]);
  });
});
