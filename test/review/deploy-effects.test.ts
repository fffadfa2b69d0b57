import * as fs from 'fs';
import * as path from 'path';
import { ChangedObject, DEPLOY_DOCS, deployEffects } from '../../review/deploy-effects';
import { diffObjects } from '../../review/object-diff';
import { KubeObject } from '../../policy/kube-object';

const job = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'train', namespace: 'acme' },
  spec: {
    parallelism: 2,
    completions: 2,
    completionMode: 'Indexed',
    backoffLimit: 2,
    template: { spec: { containers: [{ name: 'trainer', image: 'trainer:1', resources: { limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': 4 } } }] } },
    ...spec,
  },
});
const claim = (storageClassName: string, size: string, checkpoint = true): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'train-checkpoints', namespace: 'acme', labels: checkpoint ? { 'mlp.io/data': 'checkpoint' } : {} },
  spec: { accessModes: ['ReadWriteMany'], storageClassName, resources: { requests: { storage: size } } },
});
const change = (before: KubeObject, after: KubeObject): ChangedObject => ({ before, after, changes: diffObjects(before, after) });

describe('deployEffects', () => {
  test('lets an Indexed Job scale its completions with its parallelism in place, but not its completions alone', () => {
    const before = job({});
    expect(deployEffects('acme', 'changed', [], [change(before, job({ parallelism: 3, completions: 3 }))])).toEqual([]);
    const effects = deployEffects('acme', 'changed', [], [change(before, job({ completions: 3 }))]);
    expect(effects.map((effect) => effect.message)).toEqual([
      'replaces Job acme/train: restarts a running training run (2 workers x 4 GPUs), or runs a finished one again; spec.completions cannot change in place',
    ]);
    expect(effects[0].fields).toEqual(['spec.completions']);
  });

  test('names every immutable field that changed, and not the mutable ones', () => {
    const after = job({ backoffLimit: 5, selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'trainer', image: 'trainer:2' }] } } });
    const [effect] = deployEffects('acme', 'changed', [], [change(job({}), after)]);
    expect(effect.message).toBe(
      'replaces Job acme/train: restarts a running training run (2 workers x 4 GPUs), or runs a finished one again; spec.selector, spec.template cannot change in place',
    );
  });

  test('flags a checkpoint volume change that cannot happen in place as refused, and lets it grow', () => {
    expect(deployEffects('acme', 'changed', [], [change(claim('fast', '100Gi'), claim('fast', '200Gi'))])).toEqual([]);
    expect(deployEffects('acme', 'changed', [], [change(claim('fast', '100Gi'), claim('slow', '100Gi'))])).toEqual([
      {
        category: 'protected',
        object: 'PersistentVolumeClaim train-checkpoints',
        message:
          'replaces protected PersistentVolumeClaim acme/train-checkpoints (spec.storageClassName cannot change in place): pulumi up will refuse to replace it and fail; ' +
          'keep the old value, or copy the data and follow the procedure for removing a checkpoint volume',
        fields: ['spec.storageClassName'],
        see: 'docs/deploy.md#removing-a-jobs-checkpoint-volume',
      },
    ]);
  });

  test('flags a checkpoint volume that shrinks: Kubernetes refuses it, so the update fails', () => {
    expect(deployEffects('acme', 'changed', [], [change(claim('fast', '1Ti'), claim('fast', '500Gi'))])).toEqual([
      {
        category: 'protected',
        object: 'PersistentVolumeClaim train-checkpoints',
        message:
          'shrinks protected PersistentVolumeClaim acme/train-checkpoints from 1Ti to 500Gi: Kubernetes refuses to make a volume smaller, so pulumi up will fail on it; ' +
          'keep the size or grow it, or copy the data and follow the procedure for removing a checkpoint volume',
        fields: ['spec.resources.requests.storage'],
        see: 'docs/deploy.md#removing-a-jobs-checkpoint-volume',
      },
    ]);
    // The same size written another way is no change of size.
    expect(deployEffects('acme', 'changed', [], [change(claim('fast', '1Ti'), claim('fast', '1024Gi'))])).toEqual([]);
  });

  test('does not call objects of the platform or unlabelled volumes protected', () => {
    expect(deployEffects('_platform', 'changed', [claim('fast', '1Gi')], [])).toEqual([]);
    expect(deployEffects('acme', 'changed', [claim('fast', '1Gi', false)], [])).toEqual([]);
    expect(deployEffects('acme', 'changed', [claim('fast', '1Gi')], []).map((effect) => effect.category)).toEqual(['protected']);
  });

  test('flags a removed ClusterQueue: Kueue admits nothing more from it, and its finalizer holds the update while admitted Jobs run', () => {
    const queue: KubeObject = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ClusterQueue', metadata: { name: 'acme' }, spec: { cohortName: 'shared' } };
    const local: KubeObject = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'default', namespace: 'acme' }, spec: { clusterQueue: 'acme' } };
    expect(deployEffects('acme', 'changed', [queue, local], [])).toEqual([
      {
        category: 'deletes-queue',
        object: 'ClusterQueue acme',
        message:
          'deletes ClusterQueue acme: Kueue starts none of its queued Jobs any more (they stay suspended: "ClusterQueue acme is terminating or missing"); ' +
          "Jobs it admitted keep running, and Kueue's finalizer keeps the ClusterQueue until they finish, so pulumi up waits for them and fails after 10 minutes if they still run",
      },
    ]);
    // A ClusterQueue that only changes is updated in place.
    expect(deployEffects('acme', 'changed', [], [change(queue, { ...queue, spec: { cohortName: 'other' } })])).toEqual([]);
  });

  test('flags Kueue labels that appear on or go from a Job updated in place, which Kueue refuses, but not a priority that changes', () => {
    const labelled = (labels: Record<string, string>): KubeObject => {
      const plain = job({});
      return { ...plain, metadata: { ...plain.metadata, labels } };
    };
    const queued = { 'kueue.x-k8s.io/queue-name': 'default', 'kueue.x-k8s.io/priority-class': 'mlp-standard' };
    const message = (labels: string, refused: string) =>
      `changes the Kueue labels of Job acme/train in place (${labels}): where Kueue is installed, its Job webhook refuses ${refused}, so pulumi up will fail on it; ` +
      'delete the Job before deploying, and pulumi up --refresh creates it again (its run starts over)';
    expect(deployEffects('acme', 'changed', [], [change(labelled({}), labelled(queued))])).toEqual([
      {
        category: 'job-queue-labels',
        object: 'Job train',
        message: message(
          'kueue.x-k8s.io/priority-class added, kueue.x-k8s.io/queue-name added',
          'to add kueue.x-k8s.io/priority-class to a Job that is not suspended, and to add kueue.x-k8s.io/queue-name to a Job that is not suspended',
        ),
        fields: ['metadata.labels.kueue.x-k8s.io/priority-class', 'metadata.labels.kueue.x-k8s.io/queue-name'],
      },
    ]);
    expect(deployEffects('acme', 'changed', [], [change(labelled(queued), labelled({}))]).map((effect) => effect.message)).toEqual([
      message(
        'kueue.x-k8s.io/priority-class removed, kueue.x-k8s.io/queue-name removed',
        'to remove kueue.x-k8s.io/priority-class from any Job, suspended or not, and to remove kueue.x-k8s.io/queue-name from a Job that is not suspended',
      ),
    ]);
    // Kueue moves a Job to another priority in place.
    expect(deployEffects('acme', 'changed', [], [change(labelled(queued), labelled({ ...queued, 'kueue.x-k8s.io/priority-class': 'mlp-batch' }))])).toEqual([]);
  });

  test('links to sections that docs/deploy.md has', () => {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'deploy.md'), 'utf8');
    // GitHub's anchors: headings lowercased, punctuation dropped, spaces as '-'.
    const anchors = [...text.matchAll(/^#+ (.+)$/gm)].map((match) => match[1].toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'));
    const links = Object.values(DEPLOY_DOCS);
    expect(links).toHaveLength(2);
    for (const link of links) expect(anchors).toContain(link.replace('docs/deploy.md#', ''));
  });
});
