import { withOneMorePod } from '../../bench/split-stacks';
import { syntheticTenant } from '../../bench/synthetic-tenants';

describe('the split-stack benchmark', () => {
  test("changes one tenant's quota by one pod and nothing else", () => {
    const before = syntheticTenant(5).split('\n');
    const after = withOneMorePod(syntheticTenant(5)).split('\n');

    expect(after).toHaveLength(before.length);
    const changed = before.map((line, index) => [line, after[index]]).filter(([line, edited]) => line !== edited);
    expect(changed).toEqual([['    pods: 100', '    pods: 101']]);
  });

  test('fails on a tenant file without a pods quota', () => {
    expect(() => withOneMorePod('spec:\n  quota:\n    cpu: "4"\n')).toThrow('the synthetic tenant file has no "    pods: N" quota line');
  });
});
