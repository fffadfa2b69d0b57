import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  COST_CENTER_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  TENANT_LABEL,
  TIER_LABEL,
  TIERS,
  Tier,
  isReservedLabel,
  priorityClassName,
} from './labels';
import { NON_PUBLIC_IPV4, NON_PUBLIC_IPV6, internetExceptions, parseCidr } from './cidr';
import { ACME_HTTP01_SOLVER } from './exposure';
import { DNS1123_LABEL } from './names';
import { isQuantity } from './quantity';

/** An RBAC subject: a user or a group as the cluster authenticates it. */
export type Subject = { readonly user: string } | { readonly group: string };

/** Aggregate limits of the tenant namespace. */
export interface TenantQuota {
  /** Total CPU cores of all pods, for requests and limits, e.g. `64`. */
  readonly cpu: string;
  /** Total memory of all pods, for requests and limits, e.g. `256Gi`. */
  readonly memory: string;
  /** Total GPUs of all pods. */
  readonly gpu: number;
  /** Total requested persistent storage, e.g. `2Ti`. */
  readonly storage: string;
  /** Most pods at once. */
  readonly pods: number;
  /**
   * Total local disk of all containers, for requests and limits of `ephemeral-storage`
   * (writable layers, logs and disk-backed emptyDir volumes such as /tmp), e.g. `500Gi`.
   * @default - {@link EPHEMERAL_STORAGE_DEFAULTS}.quota
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage
   */
  readonly ephemeralStorage?: string;
}

/** CPU, memory and local disk of one container. */
export interface ContainerAmounts {
  /** CPU cores, e.g. `500m`. */
  readonly cpu: string;
  /** Memory, e.g. `1Gi`. */
  readonly memory: string;
  /**
   * Local disk (`ephemeral-storage`), e.g. `10Gi`.
   * @default - {@link EPHEMERAL_STORAGE_DEFAULTS}.limits of the same kind (defaultRequest, default or max)
   */
  readonly ephemeralStorage?: string;
}

/** LimitRange of containers in the tenant namespace. */
export interface TenantLimits {
  /** Requests of containers that set none. */
  readonly defaultRequest: ContainerAmounts;
  /** Limits of containers that set none. */
  readonly default: ContainerAmounts;
  /** Largest limits one container may have. */
  readonly max: ContainerAmounts;
}

/** Where the cluster's DNS server runs. */
export interface DnsEndpoint {
  /** Namespace of the DNS pods. */
  readonly namespace: string;
  /** Labels of the DNS pods. */
  readonly podLabels: Readonly<Record<string, string>>;
}

export interface TenantNamespaceProps {
  /**
   * Tenant name; becomes the namespace name and the `mlp.io/tenant` label.
   * A DNS-1123 label of at most 63 characters.
   */
  readonly name: string;
  /** Cost center; becomes the `mlp.io/cost-center` label of every object. */
  readonly costCenter: string;
  /** Subjects bound to the built-in `admin` ClusterRole in the namespace. At least one. */
  readonly owners: readonly Subject[];
  /**
   * Subjects bound to the built-in `edit` ClusterRole in the namespace.
   * @default - none
   */
  readonly members?: readonly Subject[];
  /**
   * Subjects bound to the built-in `view` ClusterRole in the namespace.
   * @default - none
   */
  readonly viewers?: readonly Subject[];
  /**
   * Scheduling tier; pods use the platform PriorityClass of the tier.
   * @default 'standard'
   */
  readonly tier?: Tier;
  /**
   * Aggregate quota of the namespace.
   * @see https://kubernetes.io/docs/concepts/policy/resource-quotas/
   */
  readonly quota: TenantQuota;
  /**
   * Container defaults and maxima.
   * @see https://kubernetes.io/docs/concepts/policy/limit-range/
   */
  readonly limits: TenantLimits;
  /**
   * Namespaces whose pods may connect to the tenant's pods.
   * @default - none besides the monitoring namespace
   */
  readonly allowFrom?: readonly string[];
  /**
   * Address blocks the tenant's pods may connect to.
   * @default - none
   */
  readonly egressCidrs?: readonly string[];
  /**
   * Allow connections to public addresses. Private ranges and link-local
   * addresses (cloud metadata) stay blocked.
   * @default false
   */
  readonly allowInternet?: boolean;
  /**
   * The cluster's own address ranges (pods, Services), which `allowInternet`
   * never opens either; ranges inside the private ones add nothing.
   * @default - none beyond the private and link-local ranges
   */
  readonly clusterCidrs?: readonly string[];
  /**
   * Namespace of the platform's monitoring, which may scrape every pod.
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
  /**
   * The cluster DNS, the one egress destination outside the namespace that is always allowed.
   * @default - namespace kube-system, pods labelled k8s-app=kube-dns
   */
  readonly dns?: DnsEndpoint;
  /**
   * Extended resource names of GPUs, each limited by `quota.gpu`.
   * @default ['nvidia.com/gpu']
   */
  readonly gpuResourceNames?: readonly string[];
  /**
   * GPUs of the ResourceQuota per extended resource name, for names whose limit differs from
   * `quota.gpu` (with Kueue on: each name's own guarantee, borrowing and serving reserve).
   * @default - `quota.gpu` for every name of gpuResourceNames
   */
  readonly gpuQuotas?: Readonly<Record<string, number>>;
  /**
   * Extra labels on every object of the tenant. Keys under platform-owned
   * prefixes (`mlp.io/`, `kubernetes.io/`, ...) are refused.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Local disk (`ephemeral-storage`) of a tenant where its props set none: the one source of
 * these defaults, which the platform file schema imports. The quota holds a distributed job
 * of four workers at the training job default (4 x 50Gi); the LimitRange gives containers the
 * platform did not write (a `kubectl run`, a debug pod) 1Gi requested and 4Gi at most, and caps
 * one container at 500Gi, room for a worker that stages a large model or dataset shard.
 */
export const EPHEMERAL_STORAGE_DEFAULTS = {
  quota: '200Gi',
  limits: { defaultRequest: '1Gi', default: '4Gi', max: '500Gi' },
} as const;

/** The `ephemeral-storage` resource name of Kubernetes. */
export const EPHEMERAL_STORAGE = 'ephemeral-storage';

/** The extended resource name of GPUs when a GPU type names none (NVIDIA's device plugin). */
export const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';

/**
 * The least local disk of one container: its logs alone take up to 50Mi under the kubelet's
 * default log rotation (containerLogMaxSize 10Mi x containerLogMaxFiles 5), and a container
 * over its limit is evicted.
 */
export const MIN_EPHEMERAL_STORAGE = '64Mi';

/** Address ranges that `allowInternet` never opens; defined with the egress checks of tenant files. */
export { NON_PUBLIC_IPV4, NON_PUBLIC_IPV6 };

/** Names of the objects a TenantNamespace emits; part of its API. */
export const TENANT_OBJECT_NAMES = {
  serviceAccount: 'workloads',
  quota: 'tenant-quota',
  limits: 'tenant-limits',
  defaultDeny: 'default-deny',
  allowSameNamespace: 'allow-same-namespace',
  allowDns: 'allow-dns',
  allowMonitoring: 'allow-monitoring',
  allowEgressCidrs: 'allow-egress-cidrs',
  allowInternet: 'allow-internet',
} as const;

/** An object created in a tenant namespace, and what created it, e.g. `allowFrom('ingress')`. */
interface NameClaim {
  readonly object: ApiObject;
  readonly how: string;
}

/**
 * An isolated, quota-bounded namespace for one tenant: the Namespace with
 * Pod Security `restricted` enforced, a ResourceQuota (GPU included), a
 * LimitRange, RoleBindings of the tenant's people to the built-in roles,
 * default-deny NetworkPolicies with the few allowances every workload needs,
 * and a ServiceAccount for workloads that mounts no token.
 *
 * Workload constructs take the TenantNamespace and place their objects in it
 * with {@link objectMetadata}, so every object carries the tenant labels, and
 * register each of them with {@link claimName}, so that no two objects of one
 * kind share a name in the namespace.
 */
export class TenantNamespace extends Construct {
  /** The namespace name. */
  public readonly name: string;
  /** The scheduling tier. */
  public readonly tier: Tier;
  /** PriorityClass of the tenant's pods. */
  public readonly priorityClassName: string;
  /** ServiceAccount of the tenant's workloads; it mounts no API token. */
  public readonly serviceAccountName: string = TENANT_OBJECT_NAMES.serviceAccount;
  /** Labels on every object of the tenant: tenant, cost center, tier, managed-by and the extra labels. */
  public readonly labels: Readonly<Record<string, string>>;
  /** The quota, as given. */
  public readonly quota: TenantQuota;
  /** Extended resource names of GPUs. */
  public readonly gpuResourceNames: readonly string[];
  /** GPUs of the ResourceQuota per resource name, where they differ from quota.gpu. */
  public readonly gpuQuotas: Readonly<Record<string, number>>;
  /** The monitoring namespace allowed to scrape the tenant. */
  public readonly monitoringNamespace: string;

  private readonly allowedNamespaces = new Set<string>();
  /** The policy of {@link allowAcmeHttp01Solvers}, once created. */
  private acmeSolvers?: { readonly namespace: string; readonly policy: k8s.KubeNetworkPolicy };
  /** The objects created in the namespace, by API group, kind and name. */
  private readonly claims = new Map<string, NameClaim>();

  public constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, id);
    validateProps(props);

    this.name = props.name;
    this.tier = props.tier ?? 'standard';
    this.priorityClassName = priorityClassName(this.tier);
    this.quota = props.quota;
    this.gpuResourceNames = props.gpuResourceNames ?? [DEFAULT_GPU_RESOURCE];
    this.gpuQuotas = props.gpuQuotas ?? {};
    this.monitoringNamespace = props.monitoringNamespace ?? 'monitoring';
    const dns = props.dns ?? { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };
    this.labels = {
      ...props.labels,
      [TENANT_LABEL]: props.name,
      [COST_CENTER_LABEL]: props.costCenter,
      [TIER_LABEL]: this.tier,
      [MANAGED_BY_LABEL]: MANAGED_BY,
    };

    new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: this.name,
        labels: {
          ...this.labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'latest',
        },
      },
    });

    const serviceAccount = new kplus.ServiceAccount(this, 'workloads', {
      metadata: this.objectMetadata(this.serviceAccountName),
      automountToken: false,
    });
    this.ownObject(ApiObject.of(serviceAccount));

    this.addQuota(props.quota);
    this.addLimits(props.limits);
    this.addRoleBinding('owners', 'admin', props.owners);
    this.addRoleBinding('members', 'edit', props.members ?? []);
    this.addRoleBinding('viewers', 'view', props.viewers ?? []);
    this.addBaselineNetworkPolicies(dns);
    for (const namespace of props.allowFrom ?? []) {
      this.allowFrom(namespace);
    }
    this.addEgress(props.egressCidrs ?? [], props.allowInternet ?? false, props.clusterCidrs ?? []);
  }

  /**
   * Metadata for an object of this tenant: its name, the tenant namespace and
   * the tenant labels plus `labels`.
   */
  public objectMetadata(name: string, labels: Readonly<Record<string, string>> = {}): ApiObjectMetadata {
    return { name, namespace: this.name, labels: { ...this.labels, ...labels } };
  }

  /**
   * Registers `object`, created in this namespace by `how` (e.g. `allowFrom('ingress')`), and
   * refuses a second object of the same kind and name. Kubernetes keeps names unique per kind
   * within its API group in a namespace: a Service and a Deployment may share a name, two
   * NetworkPolicies may not, and the second would replace the first when deployed. Every
   * construct that creates objects in the namespace registers each of them, right after creating it.
   *
   * @throws Error naming both creators by construct path, when the namespace already has an
   * object of that kind and name, or when `object` is in another namespace
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
   */
  public claimName(object: ApiObject, how: string): void {
    const what = `${object.kind} "${object.name}"`;
    if (object.metadata.namespace !== this.name) {
      throw new Error(
        `TenantNamespace ${this.name}: ${what} of ${object.node.path} (${how}) is in namespace "${object.metadata.namespace ?? ''}", not "${this.name}"; ` +
          'create it with metadata from tenant.objectMetadata(name)',
      );
    }
    const key = JSON.stringify([object.apiGroup, object.kind, object.name]);
    const first = this.claims.get(key);
    if (first !== undefined) {
      throw new Error(
        `TenantNamespace ${this.name}: ${what} is created twice: by ${first.object.node.path} (${first.how}) and by ${object.node.path} (${how}); ` +
          `a namespace holds one ${object.kind} of each name, so one would replace the other: ` +
          'rename one of them (a job or service is named by its construct id), or create it once',
      );
    }
    this.claims.set(key, { object, how });
  }

  /**
   * Lets every pod of `namespace` connect to every pod of the tenant.
   *
   * @returns the NetworkPolicy `allow-from-<namespace>`
   */
  public allowFrom(namespace: string): k8s.KubeNetworkPolicy {
    if (!DNS1123_LABEL.test(namespace) || namespace.length > 63) {
      throw new Error(`TenantNamespace ${this.name}: allowFrom: "${namespace}" is not a namespace name (a DNS-1123 label)`);
    }
    if (this.allowedNamespaces.has(namespace)) {
      throw new Error(`TenantNamespace ${this.name}: allowFrom: namespace "${namespace}" is already allowed; list it once`);
    }
    this.allowedNamespaces.add(namespace);
    const policy = new k8s.KubeNetworkPolicy(this, `allow-from-${namespace}`, {
      metadata: this.objectMetadata(`allow-from-${namespace}`),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [namespacePeer(namespace)] }],
      },
    });
    this.claimName(policy, `allowFrom('${namespace}')`);
    return policy;
  }

  /**
   * Lets the Ingress controller's namespace reach cert-manager's HTTP-01 solver pods (those
   * labelled `acme.cert-manager.io/http01-solver: "true"`, TCP 8089), which cert-manager starts
   * in this namespace for the certificates its issuer annotation asks for: default deny would
   * otherwise block the ACME server's challenge request and no certificate would be issued.
   * Called by every service that asks for one; the policy is created once.
   *
   * @returns the NetworkPolicy `allow-acme-http01-solvers` (a name no other object of the
   * namespace takes: the tenant's own policies are `allow-<fixed>` and `allow-from-<namespace>`,
   * a service's `<service>-from-<ingress|gateway>`)
   * @throws Error when called again with another controller namespace
   */
  public allowAcmeHttp01Solvers(controllerNamespace: string): k8s.KubeNetworkPolicy {
    const where = `TenantNamespace ${this.name}: allowAcmeHttp01Solvers`;
    if (!DNS1123_LABEL.test(controllerNamespace) || controllerNamespace.length > 63) {
      throw new Error(`${where}: "${controllerNamespace}" is not a namespace name (a DNS-1123 label)`);
    }
    if (this.acmeSolvers !== undefined) {
      if (this.acmeSolvers.namespace !== controllerNamespace) {
        throw new Error(`${where}: the solvers are already open to namespace "${this.acmeSolvers.namespace}", not "${controllerNamespace}"; expose every service through one Ingress controller`);
      }
      return this.acmeSolvers.policy;
    }
    const policy = new k8s.KubeNetworkPolicy(this, 'allow-acme-http01-solvers', {
      metadata: this.objectMetadata('allow-acme-http01-solvers'),
      spec: {
        podSelector: { matchLabels: { [ACME_HTTP01_SOLVER.label]: 'true' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [namespacePeer(controllerNamespace)], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(ACME_HTTP01_SOLVER.port) }] }],
      },
    });
    this.claimName(policy, `allowAcmeHttp01Solvers('${controllerNamespace}')`);
    this.acmeSolvers = { namespace: controllerNamespace, policy };
    return policy;
  }

  /** Registers one of the namespace's own objects. */
  private ownObject(object: ApiObject): void {
    this.claimName(object, 'TenantNamespace');
  }

  private addQuota(quota: TenantQuota): void {
    const ephemeralStorage = quota.ephemeralStorage ?? EPHEMERAL_STORAGE_DEFAULTS.quota;
    const hard: Record<string, k8s.IntOrString> = {
      'requests.cpu': k8s.IntOrString.fromString(quota.cpu),
      'limits.cpu': k8s.IntOrString.fromString(quota.cpu),
      'requests.memory': k8s.IntOrString.fromString(quota.memory),
      'limits.memory': k8s.IntOrString.fromString(quota.memory),
      [`requests.${EPHEMERAL_STORAGE}`]: k8s.IntOrString.fromString(ephemeralStorage),
      [`limits.${EPHEMERAL_STORAGE}`]: k8s.IntOrString.fromString(ephemeralStorage),
      'requests.storage': k8s.IntOrString.fromString(quota.storage),
      pods: k8s.IntOrString.fromString(String(quota.pods)),
      // Tenants never open node ports or cloud load balancers; traffic enters through the platform ingress.
      'services.loadbalancers': k8s.IntOrString.fromString('0'),
      'services.nodeports': k8s.IntOrString.fromString('0'),
    };
    for (const resource of this.gpuResourceNames) {
      hard[`requests.${resource}`] = k8s.IntOrString.fromString(String(this.gpuQuotas[resource] ?? quota.gpu));
    }
    this.ownObject(new k8s.KubeResourceQuota(this, 'quota', {
      metadata: this.objectMetadata(TENANT_OBJECT_NAMES.quota),
      spec: { hard },
    }));
  }

  private addLimits(limits: TenantLimits): void {
    const amounts = (value: ContainerAmounts, kind: keyof TenantLimits) => ({
      cpu: k8s.Quantity.fromString(value.cpu),
      memory: k8s.Quantity.fromString(value.memory),
      [EPHEMERAL_STORAGE]: k8s.Quantity.fromString(value.ephemeralStorage ?? EPHEMERAL_STORAGE_DEFAULTS.limits[kind]),
    });
    this.ownObject(new k8s.KubeLimitRange(this, 'limits', {
      metadata: this.objectMetadata(TENANT_OBJECT_NAMES.limits),
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: amounts(limits.defaultRequest, 'defaultRequest'),
            default: amounts(limits.default, 'default'),
            max: amounts(limits.max, 'max'),
          },
        ],
      },
    }));
  }

  private addRoleBinding(group: 'owners' | 'members' | 'viewers', clusterRole: string, subjects: readonly Subject[]): void {
    if (subjects.length === 0) return;
    this.ownObject(new k8s.KubeRoleBinding(this, group, {
      metadata: this.objectMetadata(`tenant-${group}`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: subjects.map((subject) =>
        'user' in subject
          ? { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: subject.user }
          : { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: subject.group },
      ),
    }));
  }

  private addBaselineNetworkPolicies(dns: DnsEndpoint): void {
    this.ownObject(new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: this.objectMetadata(TENANT_OBJECT_NAMES.defaultDeny),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    }));
    this.ownObject(new k8s.KubeNetworkPolicy(this, 'allow-same-namespace', {
      metadata: this.objectMetadata(TENANT_OBJECT_NAMES.allowSameNamespace),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      },
    }));
    this.ownObject(new k8s.KubeNetworkPolicy(this, 'allow-dns', {
      metadata: this.objectMetadata(TENANT_OBJECT_NAMES.allowDns),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ...namespacePeer(dns.namespace), podSelector: { matchLabels: { ...dns.podLabels } } }],
            ports: [
              { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    }));
    this.ownObject(new k8s.KubeNetworkPolicy(this, 'allow-monitoring', {
      metadata: this.objectMetadata(TENANT_OBJECT_NAMES.allowMonitoring),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [namespacePeer(this.monitoringNamespace)] }],
      },
    }));
  }

  private addEgress(cidrs: readonly string[], allowInternet: boolean, clusterCidrs: readonly string[]): void {
    if (cidrs.length > 0) {
      this.ownObject(new k8s.KubeNetworkPolicy(this, 'allow-egress-cidrs', {
        metadata: this.objectMetadata(TENANT_OBJECT_NAMES.allowEgressCidrs),
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })) }],
        },
      }));
    }
    if (allowInternet) {
      this.ownObject(new k8s.KubeNetworkPolicy(this, 'allow-internet', {
        metadata: this.objectMetadata(TENANT_OBJECT_NAMES.allowInternet),
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [
                { ipBlock: { cidr: '0.0.0.0/0', except: internetExceptions(4, clusterCidrs) } },
                { ipBlock: { cidr: '::/0', except: internetExceptions(6, clusterCidrs) } },
              ],
            },
          ],
        },
      }));
    }
  }
}

/** A NetworkPolicy peer selecting every pod of one namespace by its immutable name label. */
function namespacePeer(namespace: string): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } };
}

function validateProps(props: TenantNamespaceProps): void {
  const where = `TenantNamespace ${props.name}`;
  if (!DNS1123_LABEL.test(props.name) || props.name.length > 63) {
    throw new Error(`TenantNamespace: name "${props.name}" is not a DNS-1123 label: use lowercase letters, digits and '-', at most 63 characters`);
  }
  if (props.owners.length === 0) {
    throw new Error(`${where}: owners is empty: a tenant needs at least one owner ({user: NAME} or {group: NAME})`);
  }
  if (props.tier !== undefined && !TIERS.includes(props.tier)) {
    throw new Error(`${where}: tier "${props.tier}" is not one of ${TIERS.join(', ')}`);
  }
  (props.clusterCidrs ?? []).forEach((range, index) => {
    if (!parseCidr(range)) throw new Error(`${where}: clusterCidrs[${index}]: "${range}" is not a CIDR block; write it like 10.244.0.0/16 or fd00:10::/56`);
  });
  for (const [field, value] of [
    ['quota.cpu', props.quota.cpu],
    ['quota.memory', props.quota.memory],
    ['quota.storage', props.quota.storage],
    ['quota.ephemeralStorage', props.quota.ephemeralStorage],
    ...(['defaultRequest', 'default', 'max'] as const).map((kind) => [`limits.${kind}.ephemeralStorage`, props.limits[kind].ephemeralStorage] as const),
  ] as const) {
    if (value !== undefined && !isQuantity(value)) {
      throw new Error(`${where}: ${field} "${value}" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)`);
    }
  }
  for (const [name, count] of Object.entries(props.gpuQuotas ?? {})) {
    if (!Number.isInteger(count) || count < 0) throw new Error(`${where}: gpuQuotas["${name}"] must be a whole number >= 0, got ${count}`);
  }
  for (const field of ['gpu', 'pods'] as const) {
    const value = props.quota[field];
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`${where}: quota.${field} must be a whole number >= 0, got ${value}`);
    }
  }
  for (const key of Object.keys(props.labels ?? {})) {
    if (isReservedLabel(key)) {
      throw new Error(`${where}: label "${key}" uses a platform-owned prefix; choose a key outside mlp.io/, kubernetes.io/ and k8s.io/`);
    }
  }
}
