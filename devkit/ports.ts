/**
 * Where the end-to-end suite's servers take their ports on 127.0.0.1:
 * scripts/control-plane.sh (MLP_CP_PORTS) and the prometheus-operator
 * (devkit/prometheus-operator.ts). 20000-32767 lies below Linux's ephemeral
 * range, so no outgoing connection takes a picked port before its server
 * binds it. jest runs test files in several workers at once; each worker
 * gets its own part of the range, so two control planes starting at the
 * same moment never pick the same port.
 */

/** The whole range, as scripts/control-plane.sh's default. */
export const PORT_RANGE = { first: 20000, last: 32767 } as const;

/** How many parts the range is cut into: workers beyond that share parts (jest numbers them from 1). */
export const PORT_RANGE_PARTS = 4;

/** The part of {@link PORT_RANGE} of jest worker `workerId` (JEST_WORKER_ID); the whole range outside jest. */
export function portRange(workerId: string | undefined = process.env.JEST_WORKER_ID): { readonly first: number; readonly last: number } {
  const id = Number(workerId);
  if (!Number.isInteger(id) || id < 1) return PORT_RANGE;
  const size = Math.floor((PORT_RANGE.last - PORT_RANGE.first + 1) / PORT_RANGE_PARTS);
  const first = PORT_RANGE.first + ((id - 1) % PORT_RANGE_PARTS) * size;
  return { first, last: first + size - 1 };
}

/** {@link portRange} as scripts/control-plane.sh's MLP_CP_PORTS takes it. */
export function portRangeVariable(workerId?: string): string {
  const { first, last } = portRange(workerId);
  return `${first}-${last}`;
}
