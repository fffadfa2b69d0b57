import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { GpuTrainingJob, GpuTrainingJobProps } from '../../lib/gpu-training-job';
import { ModelService } from '../../lib/model-service';
import { only, tenantChart, workloadObjects } from '../support/tenant';

const A100 = {
  name: 'a100-80gb',
  nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' },
  tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
};
const IMAGE = 'registry.example.com/vision/trainer:2.4.1';
const BUSYBOX = 'registry.example.com/mirror/busybox:1.36.1';

function synth(id: string, props: Omit<GpuTrainingJobProps, 'tenant'>) {
  const { chart, tenant } = tenantChart();
  new GpuTrainingJob(chart, id, { tenant, ...props });
  return workloadObjects(chart);
}

const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};


/**
 * `$(VAR)` references expanded as the kubelet expands a container's env: in list order, each value
 * sees only the variables defined before it; `$$` is a literal `$`; an unknown or unclosed
 * reference stays as written (k8s.io/kubernetes third_party/forked/golang/expansion).
 */
function expandReferences(input: string, defined: ReadonlyMap<string, string>): string {
  let output = '';
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 === input.length) {
      output += input[cursor];
      continue;
    }
    const next = input[cursor + 1];
    if (next === '$') {
      output += '$';
      cursor += 1;
    } else if (next === '(' && input.indexOf(')', cursor + 2) !== -1) {
      const close = input.indexOf(')', cursor + 2);
      const name = input.slice(cursor + 2, close);
      output += defined.get(name) ?? `$(${name})`;
      cursor = close;
    } else {
      output += `$${next}`;
      cursor += 1;
    }
  }
  return output;
}

/** A pod as the Job controller creates it: labels, annotations, host name and subdomain. */
interface SimulatedPod {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly hostname: string;
  readonly subdomain: string;
  readonly spec: any;
}

/** The pods the Job controller creates for a Job named `jobName` from `jobSpec` (an Indexed Job). */
function podsOfJob(jobName: string, jobSpec: any): SimulatedPod[] {
  const count = jobSpec.completions as number;
  return Array.from({ length: count }, (_, index) => ({
    labels: { ...jobSpec.template.metadata.labels, 'batch.kubernetes.io/job-name': jobName, 'batch.kubernetes.io/controller-uid': 'b6f1c6a0', 'job-name': jobName },
    annotations: { 'batch.kubernetes.io/job-completion-index': String(index) },
    hostname: `${jobName}-${index}`,
    subdomain: jobSpec.template.spec.subdomain,
    spec: jobSpec.template.spec,
  }));
}

/** A container's environment as the kubelet resolves it in `pod`: downward API fields and `$(VAR)` references. */
function resolvedEnv(pod: SimulatedPod, container: any): Record<string, string> {
  const defined = new Map<string, string>();
  for (const variable of container.env as any[]) {
    if (variable.valueFrom !== undefined) {
      const match = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(variable.valueFrom.fieldRef?.fieldPath ?? '');
      if (!match) throw new Error(`unsupported valueFrom of ${variable.name}: ${JSON.stringify(variable.valueFrom)}`);
      defined.set(variable.name, (match[1] === 'labels' ? pod.labels : pod.annotations)[match[2]] ?? '');
    } else {
      defined.set(variable.name, expandReferences(variable.value ?? '', defined));
    }
  }
  return Object.fromEntries(defined);
}

/** Whether a Service's selector selects a pod with these labels. */
function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe('GpuTrainingJob', () => {
  describe('with one worker', () => {
    const objects = () => synth('resnet', { image: IMAGE, gpus: 4, gpuType: A100, cpu: '16', memory: '64Gi', checkpoint: { size: '200Gi' } });

    test('synthesizes a Job and its checkpoint claim', () => {
      expect(objects()).toMatchSnapshot();
    });

    test('requests GPUs, CPU, memory and local disk as equal requests and limits', () => {
      const container = only(objects(), 'Job').spec.template.spec.containers[0];
      const amounts = { cpu: '16', memory: '64Gi', 'ephemeral-storage': '50Gi', 'nvidia.com/gpu': 4 };
      expect(container.resources).toEqual({ requests: amounts, limits: amounts });
    });

    test('runs on nodes of the GPU type and tolerates their taints', () => {
      const pod = only(objects(), 'Job').spec.template.spec;
      expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
      expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    });

    test('runs restricted: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, no token', () => {
      const pod = only(objects(), 'Job').spec.template.spec;
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.containers[0].securityContext).toEqual(RESTRICTED_CONTAINER);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.serviceAccountName).toBe('workloads');
      expect(pod.hostNetwork).toBeUndefined();
    });

    test('bounds the run and keeps the finished job for a day', () => {
      const job = only(objects(), 'Job');
      expect(job.spec.activeDeadlineSeconds).toBe(24 * 3600);
      expect(job.spec.backoffLimit).toBe(2);
      expect(job.spec.ttlSecondsAfterFinished).toBe(86400);
      expect(job.spec.completionMode).toBeUndefined();
    });

    test('carries no deployment-tool annotation (the Pulumi program adds pulumi.com/skipAwait)', () => {
      expect(only(objects(), 'Job').metadata.annotations).toBeUndefined();
    });

    test('mounts a memory-backed /dev/shm of half the memory and the checkpoint volume', () => {
      const pod = only(objects(), 'Job').spec.template.spec;
      expect(pod.volumes).toEqual([
        { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '32Gi' } },
        { name: 'tmp', emptyDir: { sizeLimit: '50Gi' } },
        { name: 'checkpoints', persistentVolumeClaim: { claimName: 'resnet-checkpoints' } },
      ]);
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'checkpoints', mountPath: '/checkpoints' });
      expect(pod.containers[0].env).toContainEqual({ name: 'CHECKPOINT_DIR', value: '/checkpoints' });
    });

    test('claims a ReadWriteOnce checkpoint volume marked as data', () => {
      const claim = only(objects(), 'PersistentVolumeClaim');
      expect(claim.metadata.name).toBe('resnet-checkpoints');
      expect(claim.metadata.labels['mlp.io/data']).toBe('checkpoint');
      expect(claim.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '200Gi' } } });
    });

    test('runs with the tenant tier priority', () => {
      expect(only(objects(), 'Job').spec.template.spec.priorityClassName).toBe('mlp-standard');
    });
  });

  describe('with several workers', () => {
    const objects = () =>
      synth('llm-ddp', {
        image: IMAGE,
        gpus: 8,
        workers: 4,
        gpuType: A100,
        cpu: '32',
        memory: '256Gi',
        checkpoint: { size: '1Ti', storageClass: 'filestore-rwx' },
        maxRuntime: Duration.hours(72),
        waitImage: BUSYBOX,
      });

    test('synthesizes an Indexed Job, a headless Service and a shared checkpoint claim', () => {
      expect(objects()).toMatchSnapshot();
    });

    test('runs every worker at once as an Indexed Job', () => {
      const job = only(objects(), 'Job');
      expect(job.spec.completionMode).toBe('Indexed');
      expect(job.spec.completions).toBe(4);
      expect(job.spec.parallelism).toBe(4);
      expect(job.spec.activeDeadlineSeconds).toBe(72 * 3600);
      expect(job.spec.template.spec.subdomain).toBe('llm-ddp');
    });

    test('publishes workers through a headless Service that selects them before they are ready', () => {
      const service = only(objects(), 'Service');
      expect(service.metadata.name).toBe('llm-ddp');
      expect(service.spec.clusterIP).toBe('None');
      expect(service.spec.publishNotReadyAddresses).toBe(true);
      expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'llm-ddp', 'app.kubernetes.io/component': 'training' });
      expect(only(objects(), 'Job').spec.template.metadata.labels).toMatchObject(service.spec.selector);
    });

    test('sets torchrun’s environment with worker 0 as master and the rank from the completion index', () => {
      const env = only(objects(), 'Job').spec.template.spec.containers[0].env;
      const byName = Object.fromEntries(env.map((variable: any) => [variable.name, variable.value ?? variable.valueFrom]));
      const rank = { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } };
      expect(byName).toMatchObject({
        MLP_JOB_NAME: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } },
        MASTER_ADDR: '$(MLP_JOB_NAME)-0.llm-ddp.vision.svc',
        MASTER_PORT: '29500',
        NNODES: '4',
        NPROC_PER_NODE: '8',
        WORLD_SIZE: '32',
        NODE_RANK: rank,
        PET_MASTER_ADDR: '$(MLP_JOB_NAME)-0.llm-ddp.vision.svc',
        PET_NNODES: '4',
        PET_NODE_RANK: rank,
      });
    });

    test('waits until the master’s name resolves before training starts', () => {
      const [init] = only(objects(), 'Job').spec.template.spec.initContainers;
      expect(init.name).toBe('wait-for-master');
      expect(init.image).toBe(BUSYBOX);
      expect(init.env).toEqual([
        { name: 'MLP_JOB_NAME', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } },
        { name: 'MASTER_ADDR', value: '$(MLP_JOB_NAME)-0.llm-ddp.vision.svc' },
      ]);
      expect(init.command.join(' ')).toContain('nslookup "$MASTER_ADDR"');
      expect(init.securityContext).toEqual(RESTRICTED_CONTAINER);
    });

    test('points every worker at worker 0’s host name in the headless Service', () => {
      const synthesized = objects();
      const job = only(synthesized, 'Job');
      const service = only(synthesized, 'Service');
      const pods = podsOfJob(job.metadata.name, job.spec);
      expect(pods).toHaveLength(4);
      for (const pod of pods) {
        expect(selects(service.spec.selector, pod.labels)).toBe(true);
        expect(pod.subdomain).toBe(service.metadata.name);
        for (const container of [...pod.spec.initContainers, ...pod.spec.containers]) {
          expect(resolvedEnv(pod, container).MASTER_ADDR).toBe('llm-ddp-0.llm-ddp.vision.svc');
        }
      }
    });

    test('shares one ReadWriteMany checkpoint volume', () => {
      expect(only(objects(), 'PersistentVolumeClaim').spec).toEqual({
        accessModes: ['ReadWriteMany'],
        storageClassName: 'filestore-rwx',
        resources: { requests: { storage: '1Ti' } },
      });
    });
  });

  describe('with a schedule', () => {
    const objects = () => synth('nightly', { image: IMAGE, gpus: 1, schedule: '0 2 * * *' });

    test('synthesizes a CronJob', () => {
      expect(objects()).toMatchSnapshot();
    });

    test('never runs two instances at once, and its job template carries no annotation', () => {
      const cronJob = only(objects(), 'CronJob');
      expect(cronJob.spec.schedule).toBe('0 2 * * *');
      expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
      expect(cronJob.spec.jobTemplate.metadata).toEqual({ labels: expect.objectContaining({ 'mlp.io/tenant': expect.any(String) }) });
      expect(objects().filter((object) => object.kind === 'Job')).toEqual([]);
    });
  });

  describe('with a schedule and several workers', () => {
    const objects = () => synth('nightly-ddp', { image: IMAGE, gpus: 8, workers: 2, gpuType: A100, schedule: '0 2 * * *', waitImage: BUSYBOX });

    test('synthesizes a CronJob of Indexed Jobs and a headless Service', () => {
      expect(objects()).toMatchSnapshot();
    });

    test('points every worker of a run at that run’s worker 0, whose Job the CronJob names <name>-<timestamp>', () => {
      const cronJob = only(objects(), 'CronJob');
      const service = only(objects(), 'Service');
      expect(cronJob.spec.jobTemplate.spec.completionMode).toBe('Indexed');
      // The CronJob controller names the Job of a run after the scheduled time in minutes since the epoch.
      const jobName = 'nightly-ddp-29123456';
      const pods = podsOfJob(jobName, cronJob.spec.jobTemplate.spec);
      expect(pods).toHaveLength(2);
      const master = `${pods[0].hostname}.${pods[0].subdomain}.vision.svc`;
      expect(master).toBe('nightly-ddp-29123456-0.nightly-ddp.vision.svc');
      pods.forEach((pod, index) => {
        expect(selects(service.spec.selector, pod.labels)).toBe(true);
        expect(pod.subdomain).toBe(service.metadata.name);
        const [init] = pod.spec.initContainers;
        const [trainer] = pod.spec.containers;
        expect(resolvedEnv(pod, init).MASTER_ADDR).toBe(master);
        expect(resolvedEnv(pod, trainer)).toMatchObject({ MASTER_ADDR: master, PET_MASTER_ADDR: master, NODE_RANK: String(index), PET_NODE_RANK: String(index) });
      });
    });

    test('selects the workers by the pod template’s labels, which the Jobs of every run keep', () => {
      const cronJob = only(objects(), 'CronJob');
      const service = only(objects(), 'Service');
      expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'nightly-ddp', 'app.kubernetes.io/component': 'training' });
      expect(cronJob.spec.jobTemplate.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      expect(cronJob.spec.jobTemplate.spec.template.spec.subdomain).toBe('nightly-ddp');
    });
  });

  test('expands $(VAR) references as the kubelet does', () => {
    const defined = new Map([['A', 'x']]);
    expect(expandReferences('$(A)-$(B)-$$(A)-$A-$(A', defined)).toBe('x-$(B)-$(A)-$A-$(A');
  });

  test('uses no node selection and no GPU for a CPU-only job', () => {
    const pod = only(synth('features', { image: IMAGE, gpus: 0, gpuType: A100 }), 'Job').spec.template.spec;
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.tolerations).toBeUndefined();
    expect(pod.containers[0].resources.limits).toEqual({ cpu: '4', memory: '16Gi', 'ephemeral-storage': '50Gi' });
  });

  test('fails when the id is not a valid job name', () => {
    expect(() => synth('Train_1', { image: IMAGE })).toThrow(
      "GpuTrainingJob Train_1: the id is the job name and must be lowercase letters, digits and '-', starting with a letter, at most 52 characters",
    );
  });

  test('fails when workers is zero', () => {
    expect(() => synth('train', { image: IMAGE, workers: 0 })).toThrow('GpuTrainingJob train: workers must be a whole number >= 1, got 0');
  });

  test('fails when gpus is fractional', () => {
    expect(() => synth('train', { image: IMAGE, gpus: 0.5 })).toThrow('GpuTrainingJob train: gpus must be a whole number >= 0, got 0.5');
  });

  test('fails when a distributed job has no wait image', () => {
    expect(() => synth('train', { image: IMAGE, workers: 2 })).toThrow(
      'GpuTrainingJob train: waitImage is required when workers > 1 (an image with sh and nslookup, such as busybox)',
    );
  });

  test('fails when /dev/shm is larger than memory', () => {
    expect(() => synth('train', { image: IMAGE, memory: '8Gi', shmSize: '16Gi' })).toThrow(
      'GpuTrainingJob train: shmSize 16Gi exceeds memory 8Gi; /dev/shm counts toward memory, so lower shmSize or raise memory',
    );
  });

  test('fails when env sets a variable the platform sets', () => {
    expect(() => synth('train', { image: IMAGE, workers: 2, waitImage: BUSYBOX, env: { WORLD_SIZE: '3' } })).toThrow(
      'GpuTrainingJob train: env WORLD_SIZE is set by the platform; remove it from env',
    );
  });

  describe('object names', () => {
    const scopes = () => {
      const { chart, tenant } = tenantChart();
      return { chart, tenant, jobs: new Construct(chart, 'training-jobs'), services: new Construct(chart, 'model-services') };
    };

    test('fails when the workers Service of a distributed job takes the name of a model service', () => {
      const { tenant, jobs, services } = scopes();
      new ModelService(services, 'detector', { tenant, image: 'registry.example.com/vision/server:1.0.0' });
      expect(() => new GpuTrainingJob(jobs, 'detector', { tenant, image: IMAGE, workers: 2, waitImage: BUSYBOX })).toThrow(
        new Error(
          'TenantNamespace vision: Service "detector" is created twice: by test/model-services/detector/service (ModelService) ' +
            'and by test/training-jobs/detector/workers (GpuTrainingJob); ' +
            'a namespace holds one Service of each name, so one would replace the other: rename one of them (a job or service is named by its construct id), or create it once',
        ),
      );
    });

    test('fails when a one-off and a scheduled job of one name would share a checkpoint volume', () => {
      const { chart, tenant, jobs } = scopes();
      new GpuTrainingJob(jobs, 'resnet', { tenant, image: IMAGE, checkpoint: { size: '100Gi' } });
      expect(() => new GpuTrainingJob(new Construct(chart, 'nightly'), 'resnet', { tenant, image: IMAGE, schedule: '@daily', checkpoint: { size: '100Gi' } })).toThrow(
        new Error(
          'TenantNamespace vision: PersistentVolumeClaim "resnet-checkpoints" is created twice: by test/training-jobs/resnet/checkpoints (GpuTrainingJob) ' +
            'and by test/nightly/resnet/checkpoints (GpuTrainingJob); ' +
            'a namespace holds one PersistentVolumeClaim of each name, so one would replace the other: rename one of them (a job or service is named by its construct id), or create it once',
        ),
      );
    });

    test('shares its name with a model service when their objects are of different kinds', () => {
      const { chart, tenant, jobs, services } = scopes();
      new ModelService(services, 'detector', { tenant, image: 'registry.example.com/vision/server:1.0.0' });
      new GpuTrainingJob(jobs, 'detector', { tenant, image: IMAGE });
      const named = workloadObjects(chart).filter((object) => object.metadata.name === 'detector');
      expect(named.map((object) => `${object.apiVersion} ${object.kind}`).sort()).toEqual([
        'apps/v1 Deployment',
        'autoscaling/v2 HorizontalPodAutoscaler',
        'batch/v1 Job',
        'policy/v1 PodDisruptionBudget',
        'v1 Service',
      ]);
    });
  });
});

describe('GpuTrainingJob local disk, failure policy and starting deadline', () => {
  const podSpec = (objects: any[]) => {
    const job = objects.find((object) => object.kind === 'Job');
    return job ? job.spec.template.spec : only(objects, 'CronJob').spec.jobTemplate.spec.template.spec;
  };

  test('bounds the trainer and the init step by ephemeral-storage, equal request and limit, and /tmp by the trainer’s amount', () => {
    const pod = podSpec(synth('ddp', { image: IMAGE, gpus: 8, workers: 2, gpuType: A100, waitImage: BUSYBOX, ephemeralStorage: '120Gi' }));
    expect(pod.containers[0].resources.requests['ephemeral-storage']).toBe('120Gi');
    expect(pod.containers[0].resources.limits['ephemeral-storage']).toBe('120Gi');
    expect(pod.initContainers[0].resources.requests['ephemeral-storage']).toBe('64Mi');
    expect(pod.initContainers[0].resources.limits['ephemeral-storage']).toBe('64Mi');
    expect(pod.volumes).toEqual([
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } },
      { name: 'tmp', emptyDir: { sizeLimit: '120Gi' } },
    ]);
  });

  test('gives each worker 50Gi of local disk by default', () => {
    const pod = podSpec(synth('train', { image: IMAGE }));
    expect(pod.containers[0].resources.limits['ephemeral-storage']).toBe('50Gi');
    expect(pod.volumes.find((volume: any) => volume.name === 'tmp').emptyDir).toEqual({ sizeLimit: '50Gi' });
  });

  test('ignores pods the cluster disrupts, and retries every exit code by default', () => {
    const job = only(synth('train', { image: IMAGE }), 'Job');
    expect(job.spec.podFailurePolicy).toEqual({ rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] });
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  test('fails the job at once on a non-retryable exit code of the trainer, codes in ascending order, after the disruption rule', () => {
    const job = only(synth('train', { image: IMAGE, nonRetryableExitCodes: [42, 3] }), 'Job');
    expect(job.spec.podFailurePolicy.rules).toEqual([
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'trainer', operator: 'In', values: [3, 42] } },
    ]);
  });

  test('gives the Jobs of a CronJob the same failure policy, and a starting deadline of an hour', () => {
    const cronJob = only(synth('nightly', { image: IMAGE, schedule: '0 2 * * *', nonRetryableExitCodes: [2] }), 'CronJob');
    expect(cronJob.spec.startingDeadlineSeconds).toBe(3600);
    expect(cronJob.spec.jobTemplate.spec.podFailurePolicy.rules).toHaveLength(2);
    expect(cronJob.spec.jobTemplate.spec.podFailurePolicy.rules[1].onExitCodes.values).toEqual([2]);
  });

  test('takes the starting deadline given', () => {
    const cronJob = only(synth('nightly', { image: IMAGE, schedule: '0 2 * * *', startingDeadline: Duration.minutes(30) }), 'CronJob');
    expect(cronJob.spec.startingDeadlineSeconds).toBe(1800);
  });

  test('fails when a starting deadline is given without a schedule', () => {
    expect(() => synth('train', { image: IMAGE, startingDeadline: Duration.minutes(30) })).toThrow(
      'GpuTrainingJob train: startingDeadline is set but the job has no schedule; remove it, or add a schedule',
    );
  });

  test('fails when the starting deadline is under a minute', () => {
    expect(() => synth('nightly', { image: IMAGE, schedule: '@daily', startingDeadline: Duration.seconds(30) })).toThrow(
      'GpuTrainingJob nightly: startingDeadline must be at least 60 s, got 30 s; a shorter deadline skips runs that start a little late',
    );
  });

  test('fails when a non-retryable exit code is not one from 1 to 255, or is listed twice', () => {
    expect(() => synth('train', { image: IMAGE, nonRetryableExitCodes: [0] })).toThrow(
      'GpuTrainingJob train: nonRetryableExitCodes[0] must be an exit code from 1 to 255, got 0',
    );
    expect(() => synth('train', { image: IMAGE, nonRetryableExitCodes: [1, 256] })).toThrow(
      'GpuTrainingJob train: nonRetryableExitCodes[1] must be an exit code from 1 to 255, got 256',
    );
    expect(() => synth('train', { image: IMAGE, nonRetryableExitCodes: [3, 3] })).toThrow('GpuTrainingJob train: nonRetryableExitCodes[1]: 3 is listed twice; list it once');
  });

  test('fails when the local disk cannot hold the container’s logs', () => {
    expect(() => synth('train', { image: IMAGE, ephemeralStorage: '10Mi' })).toThrow(
      'GpuTrainingJob train: ephemeralStorage 10Mi is less than 64Mi, the least a container needs for its logs; raise it',
    );
  });
});
