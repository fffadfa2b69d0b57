/**
 * What a set of objects grants, as reviewers weigh it: who holds which role,
 * where pods may connect to and be reached from, the Pod Security level,
 * and what is exposed outside the cluster. Comparing the posture of two
 * versions of a tenant's objects gives the security-relevant changes of a
 * pull request ("this PR lets tenant nlp reach the internet").
 *
 * The baseline NetworkPolicies every tenant gets (default deny, same
 * namespace, DNS, monitoring) are left out: they never differ between two
 * versions synthesized by the same library.
 */
import { TENANT_OBJECT_NAMES } from '../lib/tenant-namespace';
import { KubeObject } from '../policy/kube-object';
import { compareNames } from '../lib/names';
import { jsonArray as list, jsonObject as record } from '../policy/json';

/** The kinds of security-relevant change. */
export type SecurityCategory = 'rbac' | 'egress' | 'ingress-from' | 'pod-security' | 'public-ingress' | 'plain-http' | 'service-exposure';

/** Short names of the categories, for summary tables. */
export const SECURITY_CATEGORY_LABELS: Readonly<Record<SecurityCategory, string>> = {
  rbac: 'RBAC',
  egress: 'egress',
  'ingress-from': 'allowFrom',
  'pod-security': 'Pod Security',
  'public-ingress': 'public ingress',
  'plain-http': 'plain HTTP',
  'service-exposure': 'exposed Service',
};

/** One security-relevant change. */
export interface SecurityChange {
  readonly category: SecurityCategory;
  readonly change: 'added' | 'removed' | 'changed';
  /** What it is about, as a sentence: `grants ClusterRole edit to Group nlp-engineers`. */
  readonly message: string;
  /** The object that carries it: `RoleBinding tenant-members`. */
  readonly object: string;
}

/** One thing the objects grant. */
interface PostureItem {
  readonly category: SecurityCategory;
  /** The item's value where it can change in place (a Pod Security level); otherwise ''. */
  readonly value: string;
  readonly object: string;
  /** The sentence for when the item appears, disappears or changes. */
  readonly describe: (change: 'added' | 'removed' | 'changed', before?: string) => string;
}

const BASELINE_POLICIES: readonly string[] = [
  TENANT_OBJECT_NAMES.defaultDeny,
  TENANT_OBJECT_NAMES.allowSameNamespace,
  TENANT_OBJECT_NAMES.allowDns,
  TENANT_OBJECT_NAMES.allowMonitoring,
];

/** `a=b,c=d`, or '' for an empty selector. */
function describeSelector(selector: unknown): string {
  const labels = Object.entries(record(record(selector).matchLabels)).map(([key, value]) => `${key}=${String(value)}`);
  const expressions = list(record(selector).matchExpressions).map((expression) => {
    const { key, operator, values } = record(expression);
    return `${String(key)} ${String(operator)}${Array.isArray(values) ? ` (${values.join(', ')})` : ''}`;
  });
  return [...labels, ...expressions].join(',');
}

/** A NetworkPolicy peer as words: `namespace web-frontend`, `CIDR 10.40.0.0/16`, `the public internet`. */
function describePeer(peer: unknown): string {
  const { ipBlock, namespaceSelector, podSelector } = record(peer);
  if (ipBlock !== undefined) {
    const cidr = String(record(ipBlock).cidr);
    const except = list(record(ipBlock).except);
    if (cidr.endsWith('/0')) return 'the public internet';
    return except.length > 0 ? `CIDR ${cidr} except ${except.join(', ')}` : `CIDR ${cidr}`;
  }
  const namespaceName = record(record(namespaceSelector).matchLabels)['kubernetes.io/metadata.name'];
  const namespace =
    namespaceSelector === undefined
      ? 'this namespace'
      : namespaceName !== undefined && Object.keys(record(namespaceSelector)).length === 1 && Object.keys(record(record(namespaceSelector).matchLabels)).length === 1
        ? `namespace ${String(namespaceName)}`
        : describeSelector(namespaceSelector)
          ? `namespaces ${describeSelector(namespaceSelector)}`
          : 'every namespace';
  const pods = podSelector !== undefined && describeSelector(podSelector) ? `, pods ${describeSelector(podSelector)}` : '';
  return `${namespace}${pods}`;
}

function describePorts(ports: unknown): string {
  const items = list(ports).map((port) => `${String(record(port).protocol ?? 'TCP')}/${String(record(port).port ?? 'any')}`);
  return items.length > 0 ? ` on ${items.join(', ')}` : '';
}

function addNetworkPolicy(object: KubeObject, items: Map<string, PostureItem>): void {
  if (BASELINE_POLICIES.includes(object.metadata.name)) return;
  const spec = record(object.spec);
  const source = `NetworkPolicy ${object.metadata.name}`;
  const targets = describeSelector(spec.podSelector);
  const which = targets ? `pods ${targets}` : 'pods';
  for (const rule of list(spec.egress)) {
    const peers = list(record(rule).to);
    const destinations = peers.length > 0 ? [...new Set(peers.map(describePeer))] : ['every destination'];
    for (const destination of destinations) {
      const what = `${destination}${describePorts(record(rule).ports)}`;
      items.set(`egress:${targets}:${what}`, {
        category: 'egress',
        value: '',
        object: source,
        describe: (change) => `${which} may ${change === 'removed' ? 'no longer' : 'now'} connect to ${what}`,
      });
    }
  }
  for (const rule of list(spec.ingress)) {
    const peers = list(record(rule).from);
    const origins = peers.length > 0 ? [...new Set(peers.map(describePeer))] : ['anywhere'];
    for (const origin of origins) {
      const what = `${origin}${describePorts(record(rule).ports)}`;
      items.set(`ingress-from:${targets}:${what}`, {
        category: 'ingress-from',
        value: '',
        object: source,
        describe: (change) => `${which} ${change === 'removed' ? 'no longer accept' : 'now accept'} connections from ${what}`,
      });
    }
  }
}

function addBinding(object: KubeObject, items: Map<string, PostureItem>): void {
  const roleRef = record(object.roleRef);
  const role = `${String(roleRef.kind)} ${String(roleRef.name)}`;
  const scope = object.kind === 'ClusterRoleBinding' ? 'cluster-wide' : `in namespace ${object.metadata.namespace ?? '(none)'}`;
  for (const subject of list(object.subjects)) {
    const who = `${String(record(subject).kind)} ${String(record(subject).name)}`;
    items.set(`rbac:${object.kind}:${object.metadata.namespace ?? ''}:${role}:${who}`, {
      category: 'rbac',
      value: '',
      object: `${object.kind} ${object.metadata.name}`,
      describe: (change) => (change === 'removed' ? `revokes ${role} from ${who} ${scope}` : `grants ${role} to ${who} ${scope}`),
    });
  }
}

function addRole(object: KubeObject, items: Map<string, PostureItem>): void {
  const rules = JSON.stringify(object.rules ?? []);
  items.set(`rbac-role:${object.kind}:${object.metadata.namespace ?? ''}:${object.metadata.name}`, {
    category: 'rbac',
    value: rules,
    object: `${object.kind} ${object.metadata.name}`,
    describe: (change) =>
      change === 'added'
        ? `defines ${object.kind} ${object.metadata.name} with ${list(object.rules).length} rules`
        : change === 'removed'
          ? `removes ${object.kind} ${object.metadata.name}`
          : `changes the rules of ${object.kind} ${object.metadata.name}`,
  });
}

function addNamespace(object: KubeObject, items: Map<string, PostureItem>): void {
  const labels = record(object.metadata.labels);
  const level = String(labels['pod-security.kubernetes.io/enforce'] ?? 'unset (privileged)');
  const namespace = object.metadata.name;
  items.set(`pod-security:${namespace}`, {
    category: 'pod-security',
    value: level,
    object: `Namespace ${namespace}`,
    describe: (change, before) =>
      change === 'changed' ? `Pod Security level enforced in namespace ${namespace}: ${before} → ${level}` : `namespace ${namespace} enforces Pod Security level ${level}`,
  });
}

/** A public host and path, served through `via` (`the ingress`, `Gateway gateway-system/ml-gateway`): one item whichever object serves it, so that a move from an Ingress to an HTTPRoute is one change. */
function addPublicPath(items: Map<string, PostureItem>, host: string, path: string, via: string, object: string): void {
  items.set(`public-ingress:${host}${path}`, {
    category: 'public-ingress',
    value: via,
    object,
    describe: (change, before) =>
      change === 'removed'
        ? `no longer serves ${host}${path} through ${via}`
        : change === 'changed'
          ? `serves ${host}${path} through ${via} instead of ${before}`
          : `serves ${host}${path} publicly through ${via}`,
  });
}

/** A public host and path that answers plain HTTP, not only HTTPS. */
function addPlainHttp(items: Map<string, PostureItem>, host: string, path: string, how: string, object: string): void {
  items.set(`plain-http:${host}${path}`, {
    category: 'plain-http',
    value: '',
    object,
    describe: (change) => (change === 'removed' ? `${host}${path} is no longer served over plain HTTP` : `${host}${path} is served over plain HTTP too (${how})`),
  });
}

function addIngress(object: KubeObject, items: Map<string, PostureItem>): void {
  const spec = record(object.spec);
  const source = `Ingress ${object.metadata.name}`;
  const tlsHosts = new Set(list(spec.tls).flatMap((entry) => list(record(entry).hosts).map(String)));
  for (const rule of list(spec.rules)) {
    const host = String(record(rule).host ?? '*');
    const paths = list(record(record(rule).http).paths).map((entry) => String(record(entry).path ?? '/'));
    for (const path of paths.length > 0 ? paths : ['/']) {
      addPublicPath(items, host, path, 'the ingress', source);
      if (!tlsHosts.has(host)) addPlainHttp(items, host, path, 'the Ingress has no TLS for the host', source);
    }
  }
  if (spec.defaultBackend !== undefined) {
    items.set(`public-ingress:${object.metadata.namespace ?? ''}:${object.metadata.name}:default`, {
      category: 'public-ingress',
      value: '',
      object: source,
      describe: (change) => (change === 'removed' ? 'no longer has a default backend for every host' : 'adds a default backend that answers for every host'),
    });
  }
}

/**
 * The public paths of an HTTPRoute, through its parent Gateway. The platform
 * attaches a route to the Gateway's HTTPS listener first, and to its plain
 * HTTP listener after it only where the platform file allows plain HTTP
 * (lib/model-service.ts); so every further listener of the same Gateway is
 * plain HTTP.
 */
function addHttpRoute(object: KubeObject, items: Map<string, PostureItem>): void {
  const spec = record(object.spec);
  const source = `HTTPRoute ${object.metadata.name}`;
  const parents = list(spec.parentRefs).map(record).filter((parent) => (parent.kind ?? 'Gateway') === 'Gateway');
  const gateway = (parent: Record<string, unknown>) => `Gateway ${String(parent.namespace ?? object.metadata.namespace ?? '')}/${String(parent.name)}`;
  const hosts = list(spec.hostnames).map(String);
  const paths = list(spec.rules).flatMap((rule) => {
    const matches = list(record(rule).matches).map((match) => String(record(record(match).path).value ?? '/'));
    return matches.length > 0 ? matches : ['/'];
  });
  for (const [index, parent] of parents.entries()) {
    const first = parents.findIndex((candidate) => gateway(candidate) === gateway(parent));
    for (const host of hosts.length > 0 ? hosts : ['*']) {
      for (const path of [...new Set(paths)]) {
        if (first === index) addPublicPath(items, host, path, gateway(parent), source);
        else addPlainHttp(items, host, path, `listener ${String(parent.sectionName ?? '(all)')} of ${gateway(parent)}`, source);
      }
    }
  }
}

function addService(object: KubeObject, items: Map<string, PostureItem>): void {
  const type = String(record(object.spec).type ?? 'ClusterIP');
  if (type !== 'LoadBalancer' && type !== 'NodePort') return;
  items.set(`service-exposure:${object.metadata.namespace ?? ''}:${object.metadata.name}`, {
    category: 'service-exposure',
    value: type,
    object: `Service ${object.metadata.name}`,
    describe: (change, before) =>
      change === 'changed'
        ? `Service ${object.metadata.name} changes from ${before} to ${type}`
        : change === 'added'
          ? `Service ${object.metadata.name} is reachable from outside the cluster (type ${type})`
          : `Service ${object.metadata.name} is no longer of type ${type}`,
  });
}

/** What the objects grant, by a key that is equal for the same grant in two versions. */
function posture(objects: readonly KubeObject[]): Map<string, PostureItem> {
  const items = new Map<string, PostureItem>();
  for (const object of objects) {
    switch (object.kind) {
      case 'NetworkPolicy':
        addNetworkPolicy(object, items);
        break;
      case 'RoleBinding':
      case 'ClusterRoleBinding':
        addBinding(object, items);
        break;
      case 'Role':
      case 'ClusterRole':
        addRole(object, items);
        break;
      case 'Namespace':
        addNamespace(object, items);
        break;
      case 'Ingress':
        addIngress(object, items);
        break;
      case 'HTTPRoute':
        if (object.apiVersion.startsWith('gateway.networking.k8s.io/')) addHttpRoute(object, items);
        break;
      case 'Service':
        addService(object, items);
        break;
      default:
        break;
    }
  }
  return items;
}

/** The security-relevant changes from `before` to `after`, sorted by category and message. */
export function securityChanges(before: readonly KubeObject[], after: readonly KubeObject[]): SecurityChange[] {
  const was = posture(before);
  const is = posture(after);
  const changes: SecurityChange[] = [];
  for (const [key, item] of is) {
    const previous = was.get(key);
    if (!previous) changes.push({ category: item.category, change: 'added', message: item.describe('added'), object: item.object });
    else if (previous.value !== item.value) changes.push({ category: item.category, change: 'changed', message: item.describe('changed', previous.value), object: item.object });
  }
  for (const [key, item] of was) {
    // A namespace that goes away loosens nothing: its Pod Security level goes with it. A public path that
    // goes away is one change; that it no longer answers plain HTTP goes without saying.
    const pathGone = item.category === 'plain-http' && !is.has(key.replace(/^plain-http:/, 'public-ingress:'));
    if (!is.has(key) && item.category !== 'pod-security' && !pathGone) changes.push({ category: item.category, change: 'removed', message: item.describe('removed'), object: item.object });
  }
  const order = Object.keys(SECURITY_CATEGORY_LABELS);
  return changes.sort(
    (a, b) => order.indexOf(a.category) - order.indexOf(b.category) || compareNames(a.message, b.message),
  );
}
