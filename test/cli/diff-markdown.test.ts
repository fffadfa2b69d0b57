import { renderDiffMarkdown } from '../../cli/diff';
import { GroupDiff, SemanticDiff } from '../../review/semantic-diff';

function tenant(name: string, fields: number): GroupDiff {
  return {
    name,
    file: `tenants/${name}.yaml`,
    status: 'changed',
    added: [],
    removed: [],
    changed: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'big',
        namespace: name,
        file: `${name}/configmap-big.yaml`,
        changes: Array.from({ length: fields }, (_, index) => ({ path: `data.key${index}`, op: 'changed' as const, before: 'a'.repeat(50), after: 'b'.repeat(50) })),
      },
    ],
    quota: [],
    namespaceQuota: [],
    monthlyCost: { before: 1, after: 1, delta: 0 },
    security: [],
    deploy: [],
    queueing: [],
    labels: [],
  };
}

function diffOf(tenants: GroupDiff[]): SemanticDiff {
  return {
    base: { ref: 'HEAD', commit: '0123456789abcdef0123456789abcdef01234567', hasPlatformFile: true },
    currency: 'USD',
    kueue: false,
    gpuQuotaPrice: { type: 'a100-80gb', hourlyPrice: 2.9 },
    platform: { ...tenant('_platform', 0), changed: [], status: 'unchanged', monthlyCost: null },
    tenants,
    totals: {
      tenants: { added: 0, removed: 0, changed: tenants.length, unchanged: 0 },
      objects: { added: 0, removed: 0, changed: tenants.length },
      monthlyCost: { before: tenants.length, after: tenants.length, delta: 0 },
      securityChanges: 0,
      deployEffects: 0,
      queueingChanges: 0,
    },
  };
}

describe('mlp diff --format markdown', () => {
  test('leaves out the details of tenants past the comment size limit, but keeps every summary row', () => {
    // Each tenant's details take about 400 × 130 = 52,000 characters: the first fits, the other two do not.
    const markdown = renderDiffMarkdown(diffOf([tenant('a', 400), tenant('b', 400), tenant('c', 400)]));
    expect(markdown.length).toBeLessThan(65_536);
    for (const name of ['a', 'b', 'c']) expect(markdown).toContain(`| \`${name}\` | +0 −0 ~1 |`);
    expect(markdown).toContain('<details><summary><b>a</b>');
    expect(markdown).not.toContain('<details><summary><b>b</b>');
    expect(markdown).toContain('_Details of 2 more tenants are left out to fit a comment; run `npx mlp diff --base HEAD` to see them._');
  });

  test('escapes pipes in table cells', () => {
    const changed = { ...tenant('a', 1), quota: [{ resource: 'cpu' as const, before: '1|2', after: '4' }] };
    expect(renderDiffMarkdown(diffOf([changed]))).toContain('| cpu 1\\|2 → 4 |');
  });
});
