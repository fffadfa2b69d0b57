/**
 * The order of the fan-out (deploy/fan-out.ts) with stand-in stack runs:
 * platform first and alone, tenants at most `parallel` at a time, a failure
 * stopping only what depends on it.
 */
import { StackResult, fanOut } from '../../deploy/fan-out';

/** A stack run that the test ends by hand, recording what ran when. */
function controlledRuns() {
  const events: string[] = [];
  const pending = new Map<string, (succeeded: boolean) => void>();
  let running = 0;
  let maxRunning = 0;
  const run = (stack: string) =>
    new Promise<boolean>((resolve) => {
      events.push(`start ${stack}`);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      pending.set(stack, (succeeded) => {
        running -= 1;
        events.push(`end ${stack}`);
        pending.delete(stack);
        resolve(succeeded);
      });
    });
  /** Lets the promise callbacks run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const finish = async (stack: string, succeeded = true) => {
    const resolve = pending.get(stack);
    if (resolve === undefined) throw new Error(`${stack} is not running; running: ${[...pending.keys()].join(', ')}`);
    resolve(succeeded);
    await settle();
  };
  return { events, run, finish, settle, running: () => [...pending.keys()].sort(), maxRunning: () => maxRunning };
}

const outcomes = (results: StackResult[]) => results.map((result) => [result.stack, result.outcome, result.reason ?? '']);

describe('fanOut', () => {
  test('runs the platform stack first and alone, then the tenant stacks at most `parallel` at a time, in name order', async () => {
    const runs = controlledRuns();
    const done = fanOut(['tenant-c', 'tenant-a', 'platform', 'tenant-d', 'tenant-b'], 2, runs.run);
    await runs.settle();
    expect(runs.running()).toEqual(['platform']);
    await runs.finish('platform');
    expect(runs.running()).toEqual(['tenant-a', 'tenant-b']);
    await runs.finish('tenant-b');
    expect(runs.running()).toEqual(['tenant-a', 'tenant-c']);
    await runs.finish('tenant-a');
    expect(runs.running()).toEqual(['tenant-c', 'tenant-d']);
    await runs.finish('tenant-d');
    await runs.finish('tenant-c');
    const results = await done;
    expect(outcomes(results)).toEqual([
      ['platform', 'succeeded', ''],
      ['tenant-a', 'succeeded', ''],
      ['tenant-b', 'succeeded', ''],
      ['tenant-c', 'succeeded', ''],
      ['tenant-d', 'succeeded', ''],
    ]);
    expect(runs.maxRunning()).toBe(2);
  });

  test('runs no tenant stack when the platform stack fails, and says why', async () => {
    const runs = controlledRuns();
    const done = fanOut(['platform', 'tenant-a', 'tenant-b'], 2, runs.run);
    await runs.settle();
    await runs.finish('platform', false);
    const results = await done;
    expect(runs.events).toEqual(['start platform', 'end platform']);
    expect(outcomes(results)).toEqual([
      ['platform', 'failed', ''],
      ['tenant-a', 'not run', 'platform failed'],
      ['tenant-b', 'not run', 'platform failed'],
    ]);
    expect(results.slice(1).map((result) => result.durationMs)).toEqual([0, 0]);
  });

  test('goes on with the other tenant stacks when one fails or its run throws', async () => {
    const runs = controlledRuns();
    const run = (stack: string) => (stack === 'tenant-b' ? Promise.reject(new Error('spawn failed')) : runs.run(stack));
    const done = fanOut(['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d'], 1, run);
    await runs.settle();
    await runs.finish('tenant-a', false);
    expect(runs.running()).toEqual(['tenant-c']);
    await runs.finish('tenant-c');
    await runs.finish('tenant-d');
    expect(outcomes(await done)).toEqual([
      ['tenant-a', 'failed', ''],
      ['tenant-b', 'failed', ''],
      ['tenant-c', 'succeeded', ''],
      ['tenant-d', 'succeeded', ''],
    ]);
    expect(runs.maxRunning()).toBe(1);
  });

  test('runs tenant stacks alone when the platform stack is not selected, and each stack once', async () => {
    const runs = controlledRuns();
    const done = fanOut(['tenant-b', 'tenant-a', 'tenant-b'], 4, runs.run);
    await runs.settle();
    expect(runs.running()).toEqual(['tenant-a', 'tenant-b']);
    await runs.finish('tenant-a');
    await runs.finish('tenant-b');
    expect(outcomes(await done)).toEqual([
      ['tenant-a', 'succeeded', ''],
      ['tenant-b', 'succeeded', ''],
    ]);
  });

  test('reports each result and its duration to the listener as it ends', async () => {
    let clock = 1000;
    const seen: string[] = [];
    const results = await fanOut(
      ['platform', 'tenant-a'],
      2,
      async () => {
        clock += 250;
        return true;
      },
      { started: (stack) => seen.push(`started ${stack}`), finished: (result) => seen.push(`${result.stack} ${result.outcome} ${result.durationMs}`) },
      () => clock,
    );
    expect(seen).toEqual(['started platform', 'platform succeeded 250', 'started tenant-a', 'tenant-a succeeded 250']);
    expect(results.map((result) => result.durationMs)).toEqual([250, 250]);
  });

  test('fails when parallel is not a whole number >= 1', async () => {
    await expect(fanOut(['platform'], 0, async () => true)).rejects.toThrow('parallel must be a whole number >= 1, got 0');
  });
});
