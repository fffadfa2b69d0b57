/**
 * The order in which a canary gets traffic: a Gateway API HTTPRoute that
 * names a canary Service among its backends is applied only after the
 * Deployments behind its backends are ready, so that the gateway never sends
 * the canary's share of requests to pods that cannot answer them (the trap
 * of kserve#5983). The program's Kubernetes provider waits for a Deployment
 * until its `Available` condition is true and its new ReplicaSet is ready
 * (provider 4.25.0, pkg/await/deployment.go), so a dependency on the canary
 * Deployment is a dependency on its readiness; {@link isCanaryDeployment}
 * keeps that wait even with `mlp:skipAwait`.
 *
 * Removing a canary needs no dependency: the route's update (back to one
 * backend) is registered by the program, the canary's objects are not, and
 * Pulumi deletes resources that the program no longer registers only after
 * every registration has completed (docs/deploy.md#what-the-program-guarantees).
 */
import { GATEWAY_API_GROUP } from '../../lib/exposure';
import { TRACK_LABEL, Track } from '../../lib/labels';
import { KubeObject } from '../../policy/kube-object';

/** The value of {@link TRACK_LABEL} on a canary's objects. */
const CANARY_TRACK: Track = 'canary';

/** One entry of an HTTPRoute rule's `backendRefs`, as far as the ordering reads it. */
interface BackendRef {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
}

function labelsOf(metadata: unknown): Readonly<Record<string, string>> {
  return ((metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}) as Readonly<Record<string, string>>;
}

function isCanary(object: KubeObject): boolean {
  return labelsOf(object.metadata)[TRACK_LABEL] === CANARY_TRACK;
}

/** True for an `apps` Deployment labelled `mlp.io/track: canary`. */
export function isCanaryDeployment(object: KubeObject): boolean {
  return object.apiVersion.startsWith('apps/') && object.kind === 'Deployment' && isCanary(object);
}

/** True for a Gateway API HTTPRoute, whatever its version. */
export function isHttpRoute(object: KubeObject): boolean {
  return object.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`) && object.kind === 'HTTPRoute';
}

/** The Service backends of every rule of a route (group `''` and kind `Service` are the Gateway API defaults), once each. */
function serviceBackends(route: KubeObject): { readonly name: string; readonly namespace: string | undefined }[] {
  const rules = ((route.spec as { rules?: { backendRefs?: BackendRef[] }[] } | undefined)?.rules ?? []).flatMap((rule) => rule.backendRefs ?? []);
  const services = rules.filter((ref) => (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service');
  const keys = new Map(services.map((ref) => [`${ref.namespace ?? route.metadata.namespace}/${ref.name}`, { name: ref.name, namespace: ref.namespace ?? route.metadata.namespace }]));
  return [...keys.values()];
}

/** True when every label of a non-empty selector is among the labels. */
function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/**
 * What a route must wait for: when one of its backends is a Service
 * labelled `mlp.io/track: canary`, every backend Service and the Deployments
 * whose pod template that Service's selector matches (the canary's and the
 * stable track's), among `objects` (the route's group); otherwise nothing.
 *
 * @throws Error when a backend of such a route is not among the objects or
 * no Deployment matches its selector: the route would then not wait for the
 * pods it sends traffic to.
 */
export function routeBackendObjects(route: KubeObject, objects: readonly KubeObject[], source: string): KubeObject[] {
  if (!isHttpRoute(route)) return [];
  const where = `HTTPRoute ${route.metadata.namespace}/${route.metadata.name}`;
  const backends = serviceBackends(route).map((backend) => ({
    ...backend,
    service: objects.find((object) => object.apiVersion === 'v1' && object.kind === 'Service' && object.metadata.name === backend.name && object.metadata.namespace === backend.namespace),
  }));
  if (!backends.some((backend) => backend.service !== undefined && isCanary(backend.service))) return [];
  return backends.flatMap(({ name, namespace, service }) => {
    if (service === undefined) {
      throw new Error(`${source}: ${where} sends traffic to a canary, but its backend Service ${namespace}/${name} is not among the objects of ${source}; synthesis must emit every Service a canary route names`);
    }
    const selector = ((service.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {}) as Readonly<Record<string, string>>;
    const deployments = objects.filter(
      (object) =>
        object.apiVersion.startsWith('apps/') &&
        object.kind === 'Deployment' &&
        object.metadata.namespace === namespace &&
        selects(selector, labelsOf((object.spec as { template?: { metadata?: unknown } } | undefined)?.template?.metadata)),
    );
    if (deployments.length === 0) {
      throw new Error(
        `${source}: ${where} sends traffic to a canary, but no Deployment of ${source} in ${namespace} has pods that its backend Service ${name} selects ` +
          `(${JSON.stringify(selector)}); the route would not wait for the pods it sends traffic to`,
      );
    }
    return [service, ...deployments];
  });
}
