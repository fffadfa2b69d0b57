/**
 * The order of a fan-out over stacks: the platform stack first, alone; when
 * it fails, no tenant stack runs. Then the tenant stacks, at most `parallel`
 * at a time, in name order; one failing does not stop the others.
 */
import { PLATFORM_STACK, sortStackNames } from '../stacks/stack-names';

/** How one stack's run ended. */
export type StackOutcome = 'succeeded' | 'failed' | 'not run';

/** The result of one stack. */
export interface StackResult {
  readonly stack: string;
  readonly outcome: StackOutcome;
  /** Milliseconds from its start to its end; 0 when it did not run. */
  readonly durationMs: number;
  /** Why it did not run, e.g. `platform failed`. */
  readonly reason?: string;
}

/** What the fan-out is told when a stack starts and ends. */
export interface FanOutListener {
  started?(stack: string): void;
  finished?(result: StackResult): void;
}

/**
 * Runs `run` for every stack in deploy order and returns the results in that
 * order. `run` resolves to whether the stack succeeded; a rejection counts as
 * a failure of that stack (`run` reports its own errors, e.g. in the stack's log).
 */
export async function fanOut(
  stacks: Iterable<string>,
  parallel: number,
  run: (stack: string) => Promise<boolean>,
  listener: FanOutListener = {},
  now: () => number = Date.now,
): Promise<StackResult[]> {
  if (!(Number.isInteger(parallel) && parallel >= 1)) throw new Error(`parallel must be a whole number >= 1, got ${parallel}`);
  const ordered = sortStackNames(stacks);
  const results = new Map<string, StackResult>();
  const runOne = async (stack: string): Promise<StackResult> => {
    listener.started?.(stack);
    const start = now();
    let succeeded: boolean;
    try {
      succeeded = await run(stack);
    } catch {
      succeeded = false;
    }
    const result: StackResult = { stack, outcome: succeeded ? 'succeeded' : 'failed', durationMs: now() - start };
    results.set(stack, result);
    listener.finished?.(result);
    return result;
  };

  const tenants = ordered.filter((stack) => stack !== PLATFORM_STACK);
  if (ordered[0] === PLATFORM_STACK && (await runOne(PLATFORM_STACK)).outcome === 'failed') {
    for (const stack of tenants) results.set(stack, { stack, outcome: 'not run', durationMs: 0, reason: `${PLATFORM_STACK} failed` });
  } else {
    let next = 0;
    const worker = async () => {
      while (next < tenants.length) await runOne(tenants[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(parallel, tenants.length) }, worker));
  }
  return ordered.map((stack) => results.get(stack)!);
}
