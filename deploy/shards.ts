/**
 * Groups stacks into shards for a CI matrix (`mlp affected --shards N`):
 * GitHub runs at most 256 jobs per matrix, and every job pays its own
 * install, so a change that affects every stack (the program's own changes)
 * must not give one job per stack. Each shard runs `mlp preview` on its
 * stacks, a few at a time.
 */
import { PLATFORM_STACK, sortStackNames } from '../stacks/stack-names';

/** One shard: its number from 1, and its stacks in deploy order. */
export interface Shard {
  readonly index: number;
  readonly stacks: readonly string[];
}

/**
 * At most `count` shards of `stacks`, none empty. The platform stack is
 * alone in the first shard when there are two or more (its change makes
 * every tenant preview warn, so its own preview is the one to read first);
 * the tenant stacks follow in name order, in consecutive runs whose sizes
 * differ by at most one.
 */
export function shardStacks(stacks: Iterable<string>, count: number): Shard[] {
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`count must be a whole number >= 1, got ${count}`);
  const ordered = sortStackNames(stacks);
  if (ordered.length === 0) return [];
  const groups: string[][] = [];
  let tenants = ordered;
  let left = count;
  if (ordered[0] === PLATFORM_STACK && count >= 2 && ordered.length > 1) {
    groups.push([PLATFORM_STACK]);
    tenants = ordered.slice(1);
    left -= 1;
  }
  const shards = Math.min(left, tenants.length);
  let start = 0;
  for (let shard = 0; shard < shards; shard++) {
    const size = Math.floor(tenants.length / shards) + (shard < tenants.length % shards ? 1 : 0);
    groups.push(tenants.slice(start, start + size));
    start += size;
  }
  return groups.map((group, index) => ({ index: index + 1, stacks: group }));
}
