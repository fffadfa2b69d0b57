/**
 * CustomResourceDefinitions that stay `Established=False, reason Installing`.
 *
 * In kube-apiserver 1.34 (k8s.io/apiextensions-apiserver v0.34.12) the
 * naming controller sets `NamesAccepted=True` and `Established=False,
 * Installing` (pkg/controller/status/naming_controller.go), and the
 * establishing controller sets `Established=True`; it is queued only by the
 * CRD handler's informer *update* event (`updateCustomResourceDefinition` in
 * pkg/apiserver/customresource_handler.go). When the API server dies between
 * the two writes, the restarted server lists the CRD (an add event, which
 * queues nothing) and nothing writes it again, so it serves no endpoint: every
 * custom resource of it fails with `no matches for kind`. Any write to the
 * CRD is an update event and establishes it. The informer's 5-minute resync
 * also delivers one, but a `pulumi up` gives up on the custom resources
 * after about 70 s.
 *
 * {@link establishStuckDefinitions} runs in `pulumi up` before any resource
 * is registered: it writes the status of each stuck CRD (the message of its
 * Established condition, which the establishing controller then replaces)
 * and waits until it is Established.
 */
import { spawnSync } from 'child_process';

/** How to reach the cluster: the provider's kubeconfig and context. */
export interface ClusterAccess {
  /** @default - $KUBECONFIG, else ~/.kube/config (as the provider) */
  readonly kubeconfig?: string;
  /** @default - the kubeconfig's current context */
  readonly context?: string;
}

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
}

interface Definition {
  readonly metadata: { readonly name: string };
  readonly status?: { readonly conditions?: readonly Condition[] };
}

/** The message the status write puts on the Established condition; the establishing controller replaces it. */
export const REQUEUE_MESSAGE = 'mlp: re-queued for establishing after it stayed Installing';

/** True for a CRD whose names are accepted but that is not Established (reason Installing). */
export function isStuck(definition: Definition): boolean {
  const condition = (type: string) => definition.status?.conditions?.find((candidate) => candidate.type === type);
  return condition('NamesAccepted')?.status === 'True' && condition('Established')?.status !== 'True';
}

/** Runs kubectl against the cluster; throws with its output when it fails. */
function kubectl(access: ClusterAccess, args: readonly string[]): string {
  const result = spawnSync(
    'kubectl',
    [...(access.kubeconfig !== undefined ? ['--kubeconfig', access.kubeconfig] : []), ...(access.context !== undefined ? ['--context', access.context] : []), ...args],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr.trim()}`);
  return result.stdout;
}

/**
 * The named CRDs that exist in the cluster, with their conditions only (a
 * whole CRD with its schema is megabytes).
 */
function definitions(access: ClusterAccess, names: readonly string[]): Definition[] {
  const lines = kubectl(access, ['get', 'customresourcedefinitions.apiextensions.k8s.io', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.status.conditions}{"\\n"}{end}']);
  return lines
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [name, conditions] = line.split('\t');
      return { metadata: { name }, status: { conditions: conditions ? (JSON.parse(conditions) as Condition[]) : [] } };
    })
    .filter((definition) => names.includes(definition.metadata.name));
}

/** What {@link establishStuckDefinitions} did. */
export interface EstablishReport {
  /** The CRDs it found stuck and established, by name. */
  readonly established: readonly string[];
  /** Set when kubectl could not be run: nothing was checked. */
  readonly skipped?: string;
}

/**
 * Finds the named CRDs that are stuck (see {@link isStuck}), writes their
 * status so that the establishing controller runs, and waits up to
 * `timeoutMs` until each is Established.
 *
 * @throws Error naming the CRDs that are still not Established.
 */
export async function establishStuckDefinitions(access: ClusterAccess, names: readonly string[], timeoutMs = 60_000): Promise<EstablishReport> {
  if (names.length === 0) return { established: [] };
  let stuck: Definition[];
  try {
    stuck = definitions(access, names).filter(isStuck);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { established: [], skipped: 'kubectl is not on PATH' };
    throw error;
  }
  for (const definition of stuck) {
    const index = definition.status!.conditions!.findIndex((condition) => condition.type === 'Established');
    const patch =
      index < 0
        ? [{ op: 'add', path: '/status/conditions/-', value: { type: 'Established', status: 'False', reason: 'Installing', message: REQUEUE_MESSAGE } }]
        : [
            { op: 'test', path: `/status/conditions/${index}/type`, value: 'Established' },
            { op: 'replace', path: `/status/conditions/${index}/message`, value: REQUEUE_MESSAGE },
          ];
    kubectl(access, ['patch', 'customresourcedefinitions.apiextensions.k8s.io', definition.metadata.name, '--subresource=status', '--type=json', '-p', JSON.stringify(patch)]);
  }
  const stuckNames = stuck.map((definition) => definition.metadata.name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = stuckNames.length === 0 ? [] : definitions(access, stuckNames).filter(isStuck);
    if (pending.length === 0) return { established: stuckNames };
    if (Date.now() > deadline) {
      throw new Error(
        `CustomResourceDefinitions ${pending.map((definition) => definition.metadata.name).join(', ')} are still not Established ` +
          `${timeoutMs / 1000} s after their status was written; see \`kubectl get crd NAME -o yaml\` and the kube-apiserver log`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
