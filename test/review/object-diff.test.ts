import { diffObjects, formatChange, formatValue } from '../../review/object-diff';

describe('diffObjects', () => {
  test('reports changed, added and removed fields with keys written as they are', () => {
    const before = { spec: { hard: { 'requests.nvidia.com/gpu': '8', pods: '50' } }, metadata: { labels: { a: '1' } } };
    const after = { spec: { hard: { 'requests.nvidia.com/gpu': '16', 'requests.storage': '1Ti' } }, metadata: { labels: { a: '1' } } };
    expect(diffObjects(before, after).map((change) => formatChange(change))).toEqual([
      '- spec.hard.pods: 50',
      '~ spec.hard.requests.nvidia.com/gpu: 8 → 16',
      '+ spec.hard.requests.storage: 1Ti',
    ]);
  });

  test('matches list items by name, so an inserted container or variable is one addition', () => {
    const container = (env: Array<{ name: string; value: string }>) => ({ name: 'server', image: 'r/x:1', env });
    const before = { containers: [container([{ name: 'A', value: '1' }, { name: 'B', value: '2' }])] };
    const after = { containers: [{ name: 'init', image: 'r/y:1' }, container([{ name: 'NEW', value: '0' }, { name: 'A', value: '1' }, { name: 'B', value: '3' }])] };
    expect(diffObjects(before, after)).toEqual([
      { path: 'containers[init]', op: 'added', after: { name: 'init', image: 'r/y:1' } },
      { path: 'containers[server].env[NEW]', op: 'added', after: { name: 'NEW', value: '0' } },
      { path: 'containers[server].env[B].value', op: 'changed', before: '2', after: '3' },
    ]);
  });

  test('compares lists of scalars whole and other lists by index', () => {
    expect(diffObjects({ args: ['--a', '--b'] }, { args: ['--a', '--c'] })).toEqual([{ path: 'args', op: 'changed', before: ['--a', '--b'], after: ['--a', '--c'] }]);
    expect(diffObjects({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] }, { egress: [{ to: [{ ipBlock: { cidr: '10.1.0.0/16' } }] }, { to: [] }] })).toEqual([
      { path: 'egress[0].to[0].ipBlock.cidr', op: 'changed', before: '10.0.0.0/8', after: '10.1.0.0/16' },
      { path: 'egress[1]', op: 'added', after: { to: [] } },
    ]);
  });

  test('finds nothing between equal objects', () => {
    expect(diffObjects({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });

  test('formats values for one line: strings bare, the empty string quoted, structures as JSON, long values shortened', () => {
    expect(formatValue('16Gi')).toBe('16Gi');
    expect(formatValue('')).toBe('""');
    expect(formatValue(16)).toBe('16');
    expect(formatValue({ a: [1] })).toBe('{"a":[1]}');
    expect(formatValue('x'.repeat(200), 10)).toBe('xxxxxxxxx…');
  });
});
