import { renderDiffMarkdown, renderDiffText } from '../../cli/diff';
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
    canary: [],
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
      canaryChanges: 0,
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

  test('lists canary changes and exposure changes with their flags', () => {
    const nlp: GroupDiff = {
      ...tenant('nlp', 1),
      security: [
        { category: 'public-ingress', change: 'changed', message: 'serves chat.nlp.ml.example.com/ through Gateway gateway-system/ml-gateway instead of the ingress', object: 'HTTPRoute chat' },
        { category: 'plain-http', change: 'removed', message: 'chat.nlp.ml.example.com/ is no longer served over plain HTTP', object: 'Ingress chat' },
      ],
      canary: [
        { category: 'canary-weight', change: 'changed', message: "canary weight of chat: 10% of the route's requests → 25% of the route's requests", object: 'HTTPRoute chat' },
        { category: 'promotion', change: 'changed', message: 'promotes the canary of ocr: the stable track runs r/ocr:2 (was r/ocr:1) and the canary is removed', object: 'Deployment ocr' },
      ],
    };
    const diff = diffOf([nlp]);
    const withTotals = { ...diff, totals: { ...diff.totals, securityChanges: 2, canaryChanges: 2 } };
    const markdown = renderDiffMarkdown(withTotals).split('\n');
    expect(markdown.find((line) => line.startsWith('Tenants: '))).toMatch(/ · ⚠️ \*\*2 security-relevant changes\*\* · 2 canary changes$/);
    expect(markdown.find((line) => line.startsWith('| `nlp`'))).toBe('| `nlp` | +0 −0 ~1 |  | $1.00 | ⚠️ public ingress, plain HTTP, canary weight, promotion |');
    const section = markdown.indexOf('#### Canary releases (model services: started, weight, image, replicas, removed, promoted)');
    expect(section).toBeGreaterThan(0);
    expect(markdown.slice(section + 2, section + 4)).toEqual([
      "- **nlp** · canary weight: canary weight of chat: 10% of the route's requests → 25% of the route's requests (`HTTPRoute chat`)",
      '- **nlp** · promotion: promotes the canary of ocr: the stable track runs r/ocr:2 (was r/ocr:1) and the canary is removed (`Deployment ocr`)',
    ]);
    expect(markdown).toContain('- **nlp** · plain HTTP: chat.nlp.ml.example.com/ is no longer served over plain HTTP (`Ingress chat`)');

    const text = renderDiffText(withTotals).split('\n');
    const textSection = text.indexOf('Canary releases (model services: started, weight, image, replicas, removed, promoted):');
    expect(textSection).toBeGreaterThan(0);
    expect(text.slice(textSection + 1, textSection + 3)).toEqual([
      "  nlp  canary weight  canary weight of chat: 10% of the route's requests → 25% of the route's requests (HTTPRoute chat)",
      '  nlp  promotion      promotes the canary of ocr: the stable track runs r/ocr:2 (was r/ocr:1) and the canary is removed (Deployment ocr)',
    ]);
    expect(text.find((line) => line.startsWith('TOTAL'))).toMatch(/2 security-relevant, 2 canary$/);
  });
});
