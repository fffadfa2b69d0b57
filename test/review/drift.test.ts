import { PreviewStep, driftedObjects, formatDrift } from '../../review/drift';

/** A step of `pulumi preview --json` for a Kubernetes object of a tenant, as the CLI writes it. */
function step(op: string, name: string, fields: string[] = [], type = 'apps/v1:Deployment'): PreviewStep {
  const parent = name.startsWith('_platform/') ? 'mlp:platform:Platform' : 'mlp:platform:Tenant';
  return {
    op,
    urn: `urn:pulumi:dev::mlp::${parent}$kubernetes:${type}::${name}`,
    detailedDiff: fields.length > 0 ? Object.fromEntries(fields.map((field) => [field, { kind: 'update', inputDiff: false }])) : null,
  };
}

const bookkeeping: PreviewStep[] = [
  { op: 'same', urn: 'urn:pulumi:dev::mlp::pulumi:pulumi:Stack::mlp-dev' },
  { op: 'refresh', urn: 'urn:pulumi:dev::mlp::pulumi:providers:kubernetes::kubernetes' },
  { op: 'read', urn: 'urn:pulumi:dev::mlp::pulumi:pulumi:StackReference::previous-update' },
  { op: 'update', urn: 'urn:pulumi:dev::mlp::pulumi:providers:kubernetes::kubernetes', detailedDiff: { kubeconfig: {} } },
];

describe('drift', () => {
  test('is what only the refreshed preview changes: fields, and objects gone from the cluster', () => {
    const plain = { steps: [...bookkeeping, step('same', 'nlp/deployment-chat'), step('same', 'nlp/service-embeddings', [], 'core/v1:Service')] };
    const refreshed = {
      steps: [
        ...bookkeeping,
        step('refresh', 'nlp/deployment-chat'),
        step('update', 'nlp/deployment-chat', ['spec.template.spec.containers[0].image', 'metadata.labels["mlp.io/cost-center"]']),
        step('create', 'nlp/service-embeddings', [], 'core/v1:Service'),
        step('update', '_platform/priorityclass-mlp-batch', ['value'], 'scheduling.k8s.io/v1:PriorityClass'),
      ],
    };
    const drifted = driftedObjects(plain, refreshed);
    expect(drifted).toEqual([
      { name: '_platform/priorityclass-mlp-batch', drift: 'changed', fields: ['value'] },
      { name: 'nlp/deployment-chat', drift: 'changed', fields: ['metadata.labels["mlp.io/cost-center"]', 'spec.template.spec.containers[0].image'] },
      { name: 'nlp/service-embeddings', drift: 'deleted', fields: [] },
    ]);
    expect(formatDrift(drifted)).toBe(
      [
        'drift in 3 objects of _platform, nlp; the next pulumi up puts them back:',
        '_platform:',
        '  _platform/priorityclass-mlp-batch: changed value',
        'nlp:',
        '  nlp/deployment-chat: changed metadata.labels["mlp.io/cost-center"], spec.template.spec.containers[0].image',
        '  nlp/service-embeddings: deleted from the cluster',
        '',
      ].join('\n'),
    );
  });

  test('leaves out the changes of the files: new and removed objects, and fields the files change', () => {
    const plain = {
      steps: [
        step('update', 'nlp/horizontalpodautoscaler-chat', ['spec.maxReplicas'], 'autoscaling/v2:HorizontalPodAutoscaler'),
        step('create', 'nlp/deployment-summarize'),
        step('delete', 'nlp/deployment-old'),
      ],
    };
    const refreshed = {
      steps: [
        step('update', 'nlp/horizontalpodautoscaler-chat', ['spec.maxReplicas', 'spec.minReplicas'], 'autoscaling/v2:HorizontalPodAutoscaler'),
        step('create', 'nlp/deployment-summarize'),
        step('delete', 'nlp/deployment-old'),
      ],
    };
    expect(driftedObjects(plain, refreshed)).toEqual([{ name: 'nlp/horizontalpodautoscaler-chat', drift: 'changed', fields: ['spec.minReplicas'] }]);
    expect(driftedObjects(plain, plain)).toEqual([]);
  });

  test('says so when there is none', () => {
    expect(formatDrift([])).toBe('no drift: the cluster matches the last update\n');
    expect(formatDrift([{ name: 'vision/service-resnet-ddp', drift: 'deleted', fields: [] }])).toBe(
      'drift in 1 object of vision; the next pulumi up puts them back:\nvision:\n  vision/service-resnet-ddp: deleted from the cluster\n',
    );
  });
});
