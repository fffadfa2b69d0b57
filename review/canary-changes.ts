/**
 * What a change does to the canary releases of model services, as a reviewer
 * weighs it: a canary that starts (its image, its share of the route's
 * requests, its replicas), a canary whose weight, image or replicas change, a
 * canary removed, and a promotion (the canary removed while the stable track
 * takes over its image). Read from the synthesized objects of both versions,
 * like the security-relevant changes, so they describe what the cluster is
 * given:
 *
 * - a canary is a Deployment labelled `mlp.io/track: canary`; its model
 *   service is its pods' `app.kubernetes.io/name`, the stable track the
 *   Deployment named like the service;
 * - its weight is that of the backendRef naming the canary's Service in the
 *   service's HTTPRoute, as a share of the route's weights (a service that is
 *   not public has no route: inside the cluster the split follows the replica
 *   ratio);
 * - its replicas are the bounds of its autoscaler (HorizontalPodAutoscaler,
 *   or KEDA ScaledObject) named like the canary Deployment.
 */
import { GATEWAY_API_GROUP } from '../lib/exposure';
import { TRACK_LABEL } from '../lib/labels';
import { KubeObject } from '../policy/kube-object';
import { compareNames } from '../lib/names';
import { jsonArray as list, jsonObject as record } from '../policy/json';

/** The kinds of canary change. */
export type CanaryCategory = 'canary' | 'canary-weight' | 'canary-removed' | 'promotion';

/** Short names of the categories, for summary tables. */
export const CANARY_CATEGORY_LABELS: Readonly<Record<CanaryCategory, string>> = {
  canary: 'canary',
  'canary-weight': 'canary weight',
  'canary-removed': 'canary removed',
  promotion: 'promotion',
};

/** One change to a canary release. */
export interface CanaryChange {
  readonly category: CanaryCategory;
  readonly change: 'added' | 'removed' | 'changed';
  /** What it is about, as a sentence: `canary weight of chat: 10% → 25% of the route's requests`. */
  readonly message: string;
  /** The object that carries it: `Deployment chat-canary`, `HTTPRoute chat`. */
  readonly object: string;
}

/** A canary as the objects of one version describe it. */
interface Canary {
  /** The model service. */
  readonly service: string;
  /** The canary Deployment's (and Service's) name. */
  readonly name: string;
  readonly image: string;
  /** Percent of the route's requests; undefined without a route. */
  readonly weight?: number;
  /** `1..2`; undefined without an autoscaler. */
  readonly replicas?: string;
}


function isKind(object: KubeObject, kind: string, group?: string): boolean {
  return object.kind === kind && (group === undefined || object.apiVersion.startsWith(`${group}/`));
}

/** The image of a Deployment's first container (the server). */
function deploymentImage(deployment: KubeObject): string {
  const containers = list(record(record(record(record(deployment.spec).template).spec)).containers);
  return String(record(containers[0]).image ?? '(none)');
}

/** Percent of the route's requests that its backendRef to Service `name` gets, rounded to a tenth; undefined when no route names it. */
function routeWeight(objects: readonly KubeObject[], namespace: string | undefined, name: string): number | undefined {
  for (const route of objects) {
    if (!isKind(route, 'HTTPRoute', GATEWAY_API_GROUP) || route.metadata.namespace !== namespace) continue;
    for (const rule of list(record(route.spec).rules)) {
      const refs = list(record(rule).backendRefs).map(record);
      const target = refs.find((ref) => ref.name === name && (ref.kind ?? 'Service') === 'Service');
      if (target === undefined) continue;
      // Gateway API: an absent weight is 1.
      const weight = (ref: Record<string, unknown>) => (typeof ref.weight === 'number' ? ref.weight : 1);
      const total = refs.reduce((sum, ref) => sum + weight(ref), 0);
      return total === 0 ? 0 : Math.round((weight(target) * 1000) / total) / 10;
    }
  }
  return undefined;
}

/** `1..2` of the autoscaler of Deployment `name`: its HorizontalPodAutoscaler or KEDA ScaledObject. */
function replicaBounds(objects: readonly KubeObject[], namespace: string | undefined, name: string): string | undefined {
  for (const object of objects) {
    if (object.metadata.namespace !== namespace || object.metadata.name !== name) continue;
    const spec = record(object.spec);
    if (isKind(object, 'HorizontalPodAutoscaler', 'autoscaling')) return `${String(spec.minReplicas ?? 1)}..${String(spec.maxReplicas)}`;
    if (isKind(object, 'ScaledObject', 'keda.sh')) return `${String(spec.minReplicaCount ?? 0)}..${String(spec.maxReplicaCount ?? 100)}`;
  }
  return undefined;
}

/** The canaries of one version, by `namespace/service`. */
function canaries(objects: readonly KubeObject[]): Map<string, Canary> {
  const found = new Map<string, Canary>();
  for (const object of objects) {
    if (!isKind(object, 'Deployment', 'apps') || record(object.metadata.labels)[TRACK_LABEL] !== 'canary') continue;
    const podLabels = record(record(record(object.spec).template).metadata);
    const service = String(record(podLabels.labels)['app.kubernetes.io/name'] ?? object.metadata.name.replace(/-canary$/, ''));
    const namespace = object.metadata.namespace;
    const weight = routeWeight(objects, namespace, object.metadata.name);
    const replicas = replicaBounds(objects, namespace, object.metadata.name);
    found.set(`${namespace ?? ''}/${service}`, {
      service,
      name: object.metadata.name,
      image: deploymentImage(object),
      ...(weight !== undefined && { weight }),
      ...(replicas !== undefined && { replicas }),
    });
  }
  return found;
}

/** The image of the stable track of `service`: its Deployment named like it; undefined when it has none. */
function stableImage(objects: readonly KubeObject[], namespace: string | undefined, service: string): string | undefined {
  const deployment = objects.find((object) => isKind(object, 'Deployment', 'apps') && object.metadata.namespace === namespace && object.metadata.name === service);
  return deployment === undefined ? undefined : deploymentImage(deployment);
}

function weightText(weight: number | undefined): string {
  return weight === undefined ? 'no route (inside the cluster the split follows the replica ratio)' : `${weight}% of the route's requests`;
}

/** The canary changes from `before` to `after`, sorted by service, then category. */
export function canaryChanges(before: readonly KubeObject[], after: readonly KubeObject[]): CanaryChange[] {
  const was = canaries(before);
  const is = canaries(after);
  const changes: Array<CanaryChange & { readonly key: string }> = [];
  for (const [key, canary] of is) {
    const previous = was.get(key);
    const object = `Deployment ${canary.name}`;
    if (previous === undefined) {
      const replicas = canary.replicas === undefined ? '' : `, replicas ${canary.replicas}`;
      changes.push({ key, category: 'canary', change: 'added', object, message: `starts a canary of ${canary.service}: image ${canary.image}, ${weightText(canary.weight)}${replicas}` });
      continue;
    }
    if (previous.weight !== canary.weight) {
      const route = canary.weight === undefined && previous.weight === undefined ? object : `HTTPRoute ${canary.service}`;
      changes.push({ key, category: 'canary-weight', change: 'changed', object: route, message: `canary weight of ${canary.service}: ${weightText(previous.weight)} → ${weightText(canary.weight)}` });
    }
    if (previous.image !== canary.image) {
      changes.push({ key, category: 'canary', change: 'changed', object, message: `canary image of ${canary.service}: ${previous.image} → ${canary.image}` });
    }
    if (previous.replicas !== canary.replicas) {
      changes.push({ key, category: 'canary', change: 'changed', object, message: `canary replicas of ${canary.service}: ${previous.replicas ?? 'none'} → ${canary.replicas ?? 'none'}` });
    }
  }
  for (const [key, canary] of was) {
    if (is.has(key)) continue;
    const namespace = key.slice(0, key.indexOf('/')) || undefined;
    const stableBefore = stableImage(before, namespace, canary.service);
    const stableAfter = stableImage(after, namespace, canary.service);
    const object = `Deployment ${canary.name}`;
    if (stableAfter === undefined) {
      changes.push({ key, category: 'canary-removed', change: 'removed', object, message: `removes the canary of ${canary.service} (image ${canary.image}) with the service` });
    } else if (stableAfter === canary.image && stableBefore !== canary.image) {
      changes.push({
        key,
        category: 'promotion',
        change: 'changed',
        object: `Deployment ${canary.service}`,
        message: `promotes the canary of ${canary.service}: the stable track runs ${canary.image} (was ${stableBefore ?? 'none'}) and the canary is removed`,
      });
    } else {
      changes.push({
        key,
        category: 'canary-removed',
        change: 'removed',
        object,
        message: `removes the canary of ${canary.service} (image ${canary.image}${canary.weight === undefined ? '' : `, ${weightText(canary.weight)}`}): every request goes to the stable track (image ${stableAfter})`,
      });
    }
  }
  const order = Object.keys(CANARY_CATEGORY_LABELS);
  return changes
    .sort((a, b) => compareNames(a.key, b.key) || order.indexOf(a.category) - order.indexOf(b.category) || compareNames(a.message, b.message))
    .map(({ key: _key, ...change }) => change);
}
