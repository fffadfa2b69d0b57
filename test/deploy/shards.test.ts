import { shardStacks } from '../../deploy/shards';

const tenants = (count: number) => Array.from({ length: count }, (_, index) => `tenant-t${String(index).padStart(3, '0')}`);

describe('shardStacks', () => {
  test('puts the platform stack alone first and the tenant stacks in consecutive runs of near-equal size', () => {
    const shards = shardStacks(['tenant-c', 'platform', 'tenant-a', 'tenant-e', 'tenant-b', 'tenant-d'], 3);
    expect(shards).toEqual([
      { index: 1, stacks: ['platform'] },
      { index: 2, stacks: ['tenant-a', 'tenant-b', 'tenant-c'] },
      { index: 3, stacks: ['tenant-d', 'tenant-e'] },
    ]);
  });

  test('a change of the program at 300 tenants: 8 shards, well under the 256 jobs of a matrix, every stack once', () => {
    const stacks = ['platform', ...tenants(300)];
    const shards = shardStacks(stacks, 8);
    expect(shards.map((shard) => shard.stacks.length)).toEqual([1, 43, 43, 43, 43, 43, 43, 42]);
    expect(shards[0].stacks).toEqual(['platform']);
    expect(shards.flatMap((shard) => shard.stacks)).toEqual(stacks);
  });

  test('uses every shard for tenant stacks when the platform is not affected, and no empty shard for few stacks', () => {
    expect(shardStacks(tenants(16), 8).map((shard) => shard.stacks.length)).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
    expect(shardStacks(['tenant-b', 'tenant-a'], 8)).toEqual([
      { index: 1, stacks: ['tenant-a'] },
      { index: 2, stacks: ['tenant-b'] },
    ]);
    expect(shardStacks(['platform'], 8)).toEqual([{ index: 1, stacks: ['platform'] }]);
    expect(shardStacks([], 8)).toEqual([]);
  });

  test('one shard holds everything, platform first (mlp preview runs it first)', () => {
    expect(shardStacks(['tenant-a', 'platform'], 1)).toEqual([{ index: 1, stacks: ['platform', 'tenant-a'] }]);
  });

  test('refuses a count that is not a whole number >= 1', () => {
    expect(() => shardStacks(['platform'], 0)).toThrow('count must be a whole number >= 1, got 0');
  });
});
