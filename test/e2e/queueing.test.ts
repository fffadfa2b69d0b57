/**
 * GPU queueing across tenants with the real Kueue manager (v0.19.2, built from
 * its Go module; scripts/control-plane.sh with MLP_CP_KUEUE=1, its webhooks
 * served on loopback and called by the API server) on the scheduling local
 * cluster: 4 simulated nodes of 8 GPUs per GPU type of the fixture platform,
 * the real kube-scheduler, kwok. The platform and one tenant are deployed with
 * the real Pulumi CLI; this file's own tenants are synthesized by `mlp synth`
 * and applied as docs/deploy.md orders it, with server-side `kubectl apply`.
 * The tests run in order and share the cluster; each scenario has GPU types
 * of its own, so that the cohort's quota of one type is only what the
 * scenario puts there.
 *
 * kwok completes Job pods at once; this file's Jobs carry the annotations of
 * the test Stage test/fixtures/kwok/pod-exit.yaml so that their pods keep
 * running, as long training runs do, until Kueue stops them.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ControlPlane, PulumiStack, keepLogs, platformCrdFiles, scratchDir } from '../../devkit/cluster';
import { GPU_TYPE_LABEL } from '../../devkit/simulated-cluster';
import { PRIORITY_CLASS_LABEL, QUEUE_NAME_LABEL } from '../../lib/queueing';
import { synthesizedDist } from '../support/cli';
import { FIXTURES_DIR, FIXTURE_PLATFORM_FILE, fixturePlatform, minimalTenant } from '../support/fixtures';

const POD_EXIT_STAGE = path.join(FIXTURES_DIR, 'kwok', 'pod-exit.yaml');
/** Pods that keep running for the length of the file, as long training runs do. */
const HELD = { 'mlp.test/exit-code': '0', 'mlp.test/exit-after': '1h' };

const job = (name: string, gpuType: string, workers: number, gpus: number, extra = '') => `    - name: ${name}
      image: registry.ml.example.com/t/trainer:1.0.0
      gpuType: ${gpuType}
      workers: ${workers}
      gpus: ${gpus}
      cpu: "2"
      memory: 8Gi
      ephemeralStorage: 1Gi
${extra}`;

const tenant = (name: string, quotaGpu: number, jobs: string, extra = '') => `${minimalTenant(name)}${extra}  quota:
    gpu: ${quotaGpu}
    cpu: "64"
    memory: 512Gi
  trainingJobs:
${jobs}`;

/**
 * This file's tenants; the platform's default borrowing limit is 8 GPUs per
 * GPU type (test/fixtures/platform.yaml). The 32 A100s of `gang`, the 24 H100s
 * of `lender` and `borrower` and the 8 L4s of `mixed` are the cohort's only
 * guarantees of those types, besides the one L4 of `steady` (deployed with
 * Pulumi, its Job finished before `mixed` runs).
 */
const TENANTS: Record<string, string> = {
  // Two 4 x 8-GPU distributed jobs and a guarantee of 32 A100s: room for one at a time.
  'gang.yaml': tenant('gang', 32, job('ddp-a', 'a100-80gb', 4, 8) + job('ddp-b', 'a100-80gb', 4, 8)),
  // Guarantee 16 H100s, idle until it submits `own`.
  'lender.yaml': tenant('lender', 16, job('own', 'h100-80gb', 2, 8)),
  // Guarantee 8 H100s, borrowing limit 8: `big` (16 GPUs) runs only on borrowed GPUs.
  'borrower.yaml': tenant('borrower', 8, job('big', 'h100-80gb', 2, 8)),
  // A critical-tier tenant with a batch-priority sweep and a critical hotfix, 8 L4s each, in a guarantee of 8.
  'mixed.yaml': tenant('mixed', 8, job('sweep', 'l4', 1, 8, '      priority: batch\n') + job('hotfix', 'l4', 1, 8), '  tier: critical\n'),
};

/** The tenant deployed with Pulumi: one 1-GPU job on an L4. */
const PULUMI_TENANT = tenant('steady', 1, job('tune', 'l4', 1, 1));

const condition = (object: any, type: string): any => object?.status?.conditions?.find((entry: any) => entry.type === type);

describe('GPU queueing with Kueue on the scheduling cluster', () => {
  let dir: string;
  let cluster: ControlPlane;
  let stack: PulumiStack;
  let dist: string;

  /** The Workload Kueue made for a Job (owned by it), or undefined before it exists. */
  const workloadOf = (namespace: string, jobName: string, kubeconfig?: string): any => {
    const job = cluster.get('job', jobName, namespace);
    const result = cluster.kubectl(['get', 'workloads', '-n', namespace, '-o', 'json'], kubeconfig);
    if (result.status !== 0) throw new Error(`kubectl get workloads -n ${namespace} failed: ${result.stderr}`);
    return JSON.parse(result.stdout).items.find((workload: any) =>
      workload.metadata.ownerReferences?.some((owner: any) => owner.kind === 'Job' && owner.uid === job?.metadata.uid),
    );
  };

  const isTrue = (object: any, type: string) => condition(object, type)?.status === 'True';

  /** Waits until the Job's Workload is admitted and all its pods are Ready (PodsReady); returns the Workload. */
  const waitRunning = async (namespace: string, jobName: string): Promise<any> => {
    let workload: any;
    await cluster.waitFor(`${namespace}/${jobName} admitted with all pods ready`, () => {
      workload = workloadOf(namespace, jobName);
      return isTrue(workload, 'Admitted') && isTrue(workload, 'PodsReady');
    });
    return workload;
  };

  /** The Job's pods as [node, GPU type of the node, phase], sorted. */
  const placements = (namespace: string, jobName: string) =>
    cluster
      .pods(namespace, `batch.kubernetes.io/job-name=${jobName}`)
      .map((pod) => [pod.spec.nodeName, cluster.nodeOf(pod)?.metadata.labels[GPU_TYPE_LABEL], pod.status.phase])
      .sort();

  /** Applies (a copy of) a tenant's synthesized folder, leaving out the Jobs named (submitted later with {@link submit}). */
  const deployTenant = (name: string, ...later: string[]) => {
    const folder = path.join(dist, name);
    const held = path.join(dir, 'held', name);
    fs.mkdirSync(held, { recursive: true });
    for (const file of fs.readdirSync(folder)) {
      if (!later.some((jobName) => file === `job-${jobName}.yaml`)) fs.copyFileSync(path.join(folder, file), path.join(held, file));
    }
    cluster.applyTenantFolder(held);
  };
  const submit = (tenantName: string, jobName: string) => cluster.kubectlOk(['apply', '--server-side', '-f', path.join(dist, tenantName, `job-${jobName}.yaml`)]);

  beforeAll(() => {
    dir = scratchDir('mlp-e2e-queueing-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'), {
      simulatedNodes: { platformFile: FIXTURE_PLATFORM_FILE, gpuNodesPerType: 4, kwokStages: [POD_EXIT_STAGE] },
      kueue: true,
    });
    dist = synthesizedDist(TENANTS);
    const held = Object.entries(TENANTS).flatMap(([file]) => {
      const name = path.basename(file, '.yaml');
      return fs
        .readdirSync(path.join(dist, name))
        .filter((entry) => entry.startsWith('job-'))
        .map((entry) => {
          const manifest = YAML.parse(fs.readFileSync(path.join(dist, name, entry), 'utf8'));
          manifest.spec.template.metadata.annotations = { ...manifest.spec.template.metadata.annotations, ...HELD };
          fs.writeFileSync(path.join(dist, name, entry), YAML.stringify(manifest));
          return `${name}/${manifest.metadata.name}`;
        });
    });
    expect(held.sort()).toEqual(['borrower/big', 'gang/ddp-a', 'gang/ddp-b', 'lender/own', 'mixed/hotfix', 'mixed/sweep']);
    stack = new PulumiStack(path.join(dir, 'project'), 'e2e', {
      kubeconfig: cluster.kubeconfig,
      skipAwait: false,
      platformFile: FIXTURE_PLATFORM_FILE,
      tenants: { 'steady.yaml': PULUMI_TENANT },
      // The cluster's Kueue installation (control-plane.sh) provides Kueue's CRDs.
      crdFiles: platformCrdFiles({ kueue: false }),
    });
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'queueing');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Pulumi and Kueue do not fight: after Kueue admits and starts a deployed Job, a refreshed preview and `pulumi up` change nothing', async () => {
    stack.pulumiOk(['up', '--yes', '--skip-preview']);
    const created = cluster.get('job', 'tune', 'steady');
    expect(created.metadata.labels).toMatchObject({ [QUEUE_NAME_LABEL]: 'default', [PRIORITY_CLASS_LABEL]: 'mlp-standard' });

    await cluster.waitFor('steady/tune finished', () => isTrue(workloadOf('steady', 'tune'), 'Finished'));
    const workload = workloadOf('steady', 'tune');
    expect(condition(workload, 'Finished')).toMatchObject({ reason: 'Succeeded' });
    expect(workload.status.admission).toMatchObject({ clusterQueue: 'steady', podSetAssignments: [{ flavors: { 'nvidia.com/gpu': 'l4' } }] });
    const started = cluster.get('job', 'tune', 'steady');
    const l4 = fixturePlatform().spec.gpuTypes.l4;
    expect({ suspend: started.spec.suspend, nodeSelector: started.spec.template.spec.nodeSelector, tolerations: started.spec.template.spec.tolerations }).toEqual({
      suspend: false,
      nodeSelector: l4.nodeSelector,
      tolerations: l4.tolerations,
    });
    // Kueue's manager wrote spec.suspend last (it started the Job).
    const managedFields = JSON.parse(cluster.kubectlOk(['get', 'job', 'tune', '-n', 'steady', '--show-managed-fields', '-o', 'json'])).metadata.managedFields;
    const suspendOwners = managedFields.filter((entry: any) => entry.fieldsV1?.['f:spec']?.['f:suspend'] !== undefined).map((entry: any) => entry.manager);
    expect(suspendOwners).toEqual(['kueue']);

    const preview = stack.pulumi(['preview', '--refresh', '--expect-no-changes', '--diff']);
    expect({ status: preview.status, stderr: preview.stderr }).toEqual({ status: 0, stderr: '' });
    const up = stack.pulumi(['up', '--yes', '--expect-no-changes', '--skip-preview']);
    expect({ status: up.status, stderr: up.stderr }).toEqual({ status: 0, stderr: '' });
    expect(cluster.get('job', 'tune', 'steady').metadata.resourceVersion).toBe(started.metadata.resourceVersion);
  });

  test('a distributed job is admitted whole: one 4 x 8-GPU job runs all its workers at once, the other waits with no pod, then starts all of its own', async () => {
    deployTenant('gang');
    let first = '';
    await cluster.waitFor('one of the gang jobs admitted with all pods ready', () => {
      first = ['ddp-a', 'ddp-b'].find((name) => {
        const workload = workloadOf('gang', name);
        return isTrue(workload, 'Admitted') && isTrue(workload, 'PodsReady');
      }) ?? '';
      return first !== '';
    });
    const second = first === 'ddp-a' ? 'ddp-b' : 'ddp-a';
    expect(placements('gang', first)).toEqual([1, 2, 3, 4].map((n) => [`sim-gpu-a100-80gb-${n}`, 'a100-80gb', 'Running']));

    // The other one holds nothing: suspended, no pod, pending for the whole 32 GPUs.
    const waiting = workloadOf('gang', second);
    expect(cluster.get('job', second, 'gang').spec.suspend).toBe(true);
    expect(cluster.pods('gang', `batch.kubernetes.io/job-name=${second}`)).toEqual([]);
    expect(condition(waiting, 'QuotaReserved')).toMatchObject({
      status: 'False',
      reason: 'Pending',
      // The Job asks for A100 nodes (its nodeSelector): Kueue tries only that flavor, and none of its 32 GPUs is free.
      message:
        "couldn't assign flavors to pod set main: flavor h100-80gb doesn't match node affinity, flavor l4 doesn't match node affinity, insufficient unused quota for nvidia.com/gpu in flavor a100-80gb, 32 more needed",
    });

    cluster.kubectlOk(['delete', 'job', first, '-n', 'gang', '--wait=true']);
    const admitted = await waitRunning('gang', second);
    expect(admitted.status.admission.podSetAssignments.map((assignment: any) => [assignment.count, assignment.flavors['nvidia.com/gpu'], assignment.resourceUsage['nvidia.com/gpu']])).toEqual([
      [4, 'a100-80gb', '32'],
    ]);
    expect(placements('gang', second)).toEqual([1, 2, 3, 4].map((n) => [`sim-gpu-a100-80gb-${n}`, 'a100-80gb', 'Running']));
  });

  test("a job larger than its tenant's guarantee runs on another tenant's idle GPUs", async () => {
    deployTenant('lender', 'own');
    deployTenant('borrower');
    const workload = await waitRunning('borrower', 'big');
    expect(workload.status.admission.podSetAssignments.map((assignment: any) => assignment.resourceUsage['nvidia.com/gpu'])).toEqual(['16']);
    const usage = cluster.get('clusterqueue', 'borrower').status.flavorsUsage.find((flavor: any) => flavor.name === 'h100-80gb').resources;
    expect(usage).toEqual([{ name: 'nvidia.com/gpu', total: '16', borrowed: '8' }]);
    expect(placements('borrower', 'big').map(([, gpuType, phase]) => [gpuType, phase])).toEqual([
      ['h100-80gb', 'Running'],
      ['h100-80gb', 'Running'],
    ]);
  });

  test("the lender's job reclaims its GPUs: the borrower's workload is preempted and requeued, the lender's runs", async () => {
    const borrowed = workloadOf('borrower', 'big');
    submit('lender', 'own');
    const own = await waitRunning('lender', 'own');
    expect(placements('lender', 'own').map(([, gpuType, phase]) => [gpuType, phase])).toEqual([
      ['h100-80gb', 'Running'],
      ['h100-80gb', 'Running'],
    ]);

    let preempted: any;
    await cluster.waitFor('the pods of borrower/big gone', () => {
      preempted = workloadOf('borrower', 'big');
      return cluster.pods('borrower', 'batch.kubernetes.io/job-name=big').length === 0;
    });
    const ownJob = cluster.get('job', 'own', 'lender');
    const reason = `Preempted to accommodate a workload (UID: ${own.metadata.uid}, JobUID: ${ownJob.metadata.uid}) due to reclamation within the cohort; preemptor path: /ml-platform/lender; preemptee path: /ml-platform/borrower`;
    expect(preempted.metadata.uid).toBe(borrowed.metadata.uid);
    expect(['Evicted', 'Preempted', 'Requeued', 'Admitted'].map((type) => [type, condition(preempted, type)?.status, condition(preempted, type)?.reason, condition(preempted, type)?.message])).toEqual([
      ['Evicted', 'True', 'Preempted', reason],
      ['Preempted', 'True', 'InCohortReclamation', reason],
      ['Requeued', 'True', 'Preempted', reason],
      ['Admitted', 'False', 'NoReservation', 'The workload has no reservation'],
    ]);
    expect(condition(preempted, 'QuotaReserved')).toMatchObject({ status: 'False', reason: 'Pending' });
    expect(cluster.get('job', 'big', 'borrower').spec.suspend).toBe(true);
  });

  test('a critical job preempts a batch job inside one queue', async () => {
    deployTenant('mixed', 'hotfix');
    const sweep = await waitRunning('mixed', 'sweep');
    expect(sweep.spec.priority).toBe(fixturePlatform().spec.tiers.batch.value);
    submit('mixed', 'hotfix');
    const hotfix = await waitRunning('mixed', 'hotfix');
    expect(hotfix.spec.priority).toBe(fixturePlatform().spec.tiers.critical.value);
    expect(placements('mixed', 'hotfix').map(([, gpuType, phase]) => [gpuType, phase])).toEqual([['l4', 'Running']]);

    await cluster.waitFor('the pod of mixed/sweep gone', () => cluster.pods('mixed', 'batch.kubernetes.io/job-name=sweep').length === 0);
    const preempted = workloadOf('mixed', 'sweep');
    const hotfixJob = cluster.get('job', 'hotfix', 'mixed');
    expect([condition(preempted, 'Preempted')?.reason, condition(preempted, 'Preempted')?.message]).toEqual([
      'InClusterQueue',
      `Preempted to accommodate a workload (UID: ${hotfix.metadata.uid}, JobUID: ${hotfixJob.metadata.uid}) due to prioritization in the ClusterQueue; preemptor path: /ml-platform/mixed; preemptee path: /ml-platform/mixed`,
    ]);
    expect(cluster.get('job', 'sweep', 'mixed').spec.suspend).toBe(true);
  });

  test('a job larger than guarantee + borrowing limit stays queued, and the tenant reads why with kubectl', async () => {
    // The tenant's owner submits a 3 x 8-GPU copy of `big` by hand (the cross-checks refuse it in the tenant file).
    const owner = cluster.user('borrower-owner@example.com');
    const manifest = YAML.parse(fs.readFileSync(path.join(dist, 'borrower', 'job-big.yaml'), 'utf8'));
    manifest.metadata.name = 'huge';
    // The tenant's own Job: without the label that marks the platform's objects (a guardrail refuses it to tenants).
    delete manifest.metadata.labels['app.kubernetes.io/managed-by'];
    delete manifest.spec.template.metadata.labels['app.kubernetes.io/managed-by'];
    manifest.spec.completions = 3;
    manifest.spec.parallelism = 3;
    const file = path.join(dir, 'job-huge.json');
    fs.writeFileSync(file, JSON.stringify(manifest));
    const created = cluster.kubectl(['create', '-f', file], owner);
    expect({ status: created.status, stdout: created.stdout, stderr: created.stderr }).toEqual({ status: 0, stdout: 'job.batch/huge created\n', stderr: '' });

    let workload: any;
    await cluster.waitFor('borrower/huge pending', () => {
      workload = workloadOf('borrower', 'huge', owner);
      return condition(workload, 'QuotaReserved')?.reason === 'Pending';
    });
    const message = condition(workload, 'QuotaReserved').message;
    // 24 GPUs against the H100 maximum of guarantee 8 + borrowing limit 8: never admissible, so it stays queued.
    expect(message).toBe(
      "couldn't assign flavors to pod set main: flavor a100-80gb doesn't match node affinity, flavor l4 doesn't match node affinity, insufficient quota for nvidia.com/gpu in flavor h100-80gb, previously considered podsets requests (0) + current podset request (24) > maximum capacity (16)",
    );
    expect(cluster.get('job', 'huge', 'borrower').spec.suspend).toBe(true);
    expect(cluster.pods('borrower', 'batch.kubernetes.io/job-name=huge')).toEqual([]);

    // The same reason in the tenant namespace's events, as `kubectl get events` shows it to the tenant.
    const events = cluster.kubectl(['get', 'events', '-n', 'borrower', '--field-selector', `involvedObject.name=${workload.metadata.name}`, '-o', 'json'], owner);
    expect(events.status).toBe(0);
    expect(JSON.parse(events.stdout).items.filter((event: any) => event.reason === 'Pending').map((event: any) => event.message)).toContain(message);
  });
});
