/**
 * Invariants of synthesized objects that the OpenAPI schema does not express:
 * where objects live, how their pods run, and whether a pod spec is one the
 * API server accepts. Each check returns its violations as messages, empty
 * when the objects hold, so that a failing property says what is wrong.
 */
import { parseQuantity } from '../../lib/quantity';
import { PlatformFile } from '../../config/schema/platform';
import { KubeObject } from '../../policy/kube-object';

/** Objects are plain JSON of many kinds; the checks read them loosely. */
type Json = any;

/** Cluster-scoped kinds (kubectl api-resources --namespaced=false), Kubernetes 1.28-1.31. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ComponentStatus', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass',
  'StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'CustomResourceDefinition', 'APIService',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'IngressClass',
  'RuntimeClass', 'CertificateSigningRequest', 'FlowSchema', 'PriorityLevelConfiguration', 'IPAddress', 'ServiceCIDR',
  'TokenReview', 'SelfSubjectReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview',
  'ResourceSlice', 'DeviceClass', 'ClusterTrustBundle', 'VolumeAttributesClass', 'PodSecurityPolicy',
]);

/** Namespaced kinds a tenant chart may emit. A kind in neither list fails the scope check until it is classified. */
export const NAMESPACED_KINDS: ReadonlySet<string> = new Set([
  'ConfigMap', 'Secret', 'Service', 'ServiceAccount', 'Endpoints', 'EndpointSlice', 'Pod', 'PodTemplate',
  'ReplicationController', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision', 'Job',
  'CronJob', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Ingress', 'NetworkPolicy', 'ResourceQuota',
  'LimitRange', 'PersistentVolumeClaim', 'Role', 'RoleBinding', 'Lease', 'Event', 'CSIStorageCapacity',
  'ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Probe', 'ScrapeConfig', 'AlertmanagerConfig', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'Gateway',
  // KEDA (keda.sh/v1alpha1): model services that scale on requests.
  'ScaledObject',
]);

/** The object's place in messages: `Job/train`. */
function where(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

/**
 * Objects of a tenant chart must be in the tenant namespace: the only
 * cluster-scoped object is the tenant's own Namespace, and the only object
 * elsewhere is the Grafana dashboard ConfigMap `dashboard-<tenant>` in the
 * platform's monitoring namespace.
 */
export function scopeViolations(objects: readonly KubeObject[], tenant: string, monitoringNamespace: string): string[] {
  const violations: string[] = [];
  let namespaces = 0;
  for (const object of objects) {
    const { kind, metadata } = object;
    if (kind === 'Namespace') {
      namespaces++;
      if (metadata.name !== tenant) violations.push(`${where(object)}: a tenant chart may only emit its own Namespace "${tenant}"`);
    } else if (CLUSTER_SCOPED_KINDS.has(kind)) {
      violations.push(`${where(object)}: cluster-scoped kind in a tenant chart`);
    } else if (!NAMESPACED_KINDS.has(kind)) {
      violations.push(`${where(object)}: kind ${kind} is not classified as namespaced or cluster-scoped; add it to test/property/kube-invariants.ts`);
    } else if (kind === 'ConfigMap' && metadata.name === `dashboard-${tenant}`) {
      if (metadata.namespace !== monitoringNamespace) {
        violations.push(`${where(object)}: the dashboard belongs in the monitoring namespace ${monitoringNamespace}, found ${String(metadata.namespace)}`);
      }
    } else if (metadata.namespace !== tenant) {
      violations.push(`${where(object)}: namespace ${String(metadata.namespace)}, expected ${tenant}`);
    }
  }
  if (namespaces !== 1) violations.push(`expected exactly one Namespace, found ${namespaces}`);
  return violations;
}

/** The pod specs of an object, with where they are. */
export function podSpecs(object: KubeObject): Array<{ where: string; spec: Json; metadata: Json }> {
  const o = object as Json;
  switch (object.kind) {
    case 'Pod':
      return [{ where: where(object), spec: o.spec, metadata: o.metadata }];
    case 'PodTemplate':
      return [{ where: where(object), spec: o.template?.spec, metadata: o.template?.metadata }];
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicationController':
    case 'Job':
      return [{ where: where(object), spec: o.spec?.template?.spec, metadata: o.spec?.template?.metadata }];
    case 'CronJob':
      return [{ where: where(object), spec: o.spec?.jobTemplate?.spec?.template?.spec, metadata: o.spec?.jobTemplate?.spec?.template?.metadata }];
    default:
      return [];
  }
}

/** All containers of a pod spec, with their kind. */
function containersOf(spec: Json): Array<{ kind: string; container: Json }> {
  return (['initContainers', 'containers', 'ephemeralContainers'] as const).flatMap((kind) =>
    ((spec?.[kind] as Json[] | undefined) ?? []).map((container) => ({ kind, container })),
  );
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  if (String(a) === String(b)) return true;
  try {
    return parseQuantity(String(a)) === parseQuantity(String(b));
  } catch {
    return false;
  }
}

/**
 * Pod Security `restricted` and the platform's resource rule, for every pod
 * template: non-root, no privilege escalation, every capability dropped,
 * RuntimeDefault seccomp, no host namespaces or host paths, no API token,
 * and requests equal to limits for CPU and memory (and extended resources).
 */
export function restrictedViolations(object: KubeObject): string[] {
  const violations: string[] = [];
  for (const { where: at, spec } of podSpecs(object)) {
    if (!spec) {
      violations.push(`${at}: no pod spec`);
      continue;
    }
    for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
      if (spec[field] === true) violations.push(`${at}: ${field}: true`);
    }
    for (const volume of (spec.volumes as Json[] | undefined) ?? []) {
      if (volume.hostPath !== undefined) violations.push(`${at}: volume ${volume.name} is a hostPath`);
    }
    if (spec.automountServiceAccountToken !== false) violations.push(`${at}: automountServiceAccountToken is ${String(spec.automountServiceAccountToken)}, expected false`);
    const pod = spec.securityContext ?? {};
    const containers = containersOf(spec);
    if (containers.length === 0) violations.push(`${at}: no containers`);
    for (const { kind, container } of containers) {
      const name = `${at} ${kind}/${container.name}`;
      const sc = container.securityContext ?? {};
      if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) violations.push(`${name}: runAsNonRoot is not true`);
      if ((sc.runAsUser ?? pod.runAsUser) === 0) violations.push(`${name}: runs as user 0`);
      if (sc.allowPrivilegeEscalation !== false) violations.push(`${name}: allowPrivilegeEscalation is ${String(sc.allowPrivilegeEscalation)}, expected false`);
      if (sc.privileged === true) violations.push(`${name}: privileged`);
      const drop: unknown[] = sc.capabilities?.drop ?? [];
      if (!drop.includes('ALL')) violations.push(`${name}: capabilities.drop does not include ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) violations.push(`${name}: adds capabilities ${JSON.stringify(sc.capabilities.add)}`);
      const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault') violations.push(`${name}: seccompProfile ${String(seccomp)}, expected RuntimeDefault`);
      for (const port of (container.ports as Json[] | undefined) ?? []) {
        if (port.hostPort !== undefined) violations.push(`${name}: hostPort ${port.hostPort}`);
      }
      const requests = container.resources?.requests ?? {};
      const limits = container.resources?.limits ?? {};
      for (const resource of ['cpu', 'memory']) {
        if (!sameQuantity(requests[resource], limits[resource])) {
          violations.push(`${name}: ${resource} request ${String(requests[resource])} differs from limit ${String(limits[resource])}`);
        }
      }
      for (const resource of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
        if (resource.includes('/') && !sameQuantity(requests[resource], limits[resource])) {
          violations.push(`${name}: ${resource} request ${String(requests[resource])} differs from limit ${String(limits[resource])}`);
        }
      }
    }
  }
  return violations;
}

/**
 * Local disk is bounded everywhere: every container requests and is limited to
 * `ephemeral-storage` (equal amounts), and every disk-backed `emptyDir` has a
 * `sizeLimit` no larger than the pod's ephemeral-storage limit, so that no pod
 * can fill a node's disk.
 */
export function localDiskViolations(object: KubeObject): string[] {
  const violations: string[] = [];
  for (const { where: at, spec } of podSpecs(object)) {
    if (!spec) continue;
    let podLimit = 0;
    for (const { kind, container } of containersOf(spec)) {
      const name = `${at} ${kind}/${container.name}`;
      const request = container.resources?.requests?.['ephemeral-storage'];
      const limit = container.resources?.limits?.['ephemeral-storage'];
      if (limit === undefined) violations.push(`${name}: no ephemeral-storage limit`);
      else if (!sameQuantity(request, limit)) violations.push(`${name}: ephemeral-storage request ${String(request)} differs from limit ${String(limit)}`);
      if (kind === 'containers' && limit !== undefined) podLimit += parseQuantity(String(limit));
    }
    for (const volume of (spec.volumes as Json[] | undefined) ?? []) {
      if (volume.emptyDir === undefined) continue;
      const sizeLimit = volume.emptyDir.sizeLimit;
      if (sizeLimit === undefined) violations.push(`${at}: emptyDir ${volume.name} has no sizeLimit`);
      else if (volume.emptyDir.medium !== 'Memory' && parseQuantity(String(sizeLimit)) > podLimit) {
        violations.push(`${at}: emptyDir ${volume.name} sizeLimit ${String(sizeLimit)} exceeds the containers' ephemeral-storage limits`);
      }
    }
  }
  return violations;
}

function duplicates(values: readonly unknown[]): unknown[] {
  return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  return Object.keys(a).length === Object.keys(b).length && isSubset(a, b);
}

function isSubset(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/**
 * Rules the API server enforces on pod specs (and the objects that point at
 * pods) beyond the OpenAPI schema: unique container, volume, mount path,
 * port and environment names; mounts of existing volumes; GPU pods placed on
 * a GPU type of the platform; positive whole deadlines; selectors that
 * select the workload's pods.
 */
export function podConsistencyViolations(objects: readonly KubeObject[], platform: PlatformFile): string[] {
  const violations: string[] = [];
  const gpuTypes = Object.values(platform.spec.gpuTypes);
  const gpuResources = new Set(gpuTypes.map((type) => type.resourceName));
  const templates = objects.flatMap((object) => podSpecs(object));
  for (const object of objects) {
    const o = object as Json;
    for (const { where: at, spec } of podSpecs(object)) {
      if (!spec) continue;
      const containers = containersOf(spec);
      const volumes: Json[] = spec.volumes ?? [];
      const volumeNames = volumes.map((volume) => volume.name);
      for (const name of duplicates(containers.map(({ container }) => container.name))) violations.push(`${at}: container name ${String(name)} is used twice`);
      for (const name of duplicates(volumeNames)) violations.push(`${at}: volume name ${String(name)} is used twice`);
      let gpus = false;
      for (const { kind, container } of containers) {
        const name = `${at} ${kind}/${container.name}`;
        const mounts: Json[] = container.volumeMounts ?? [];
        for (const mountPath of duplicates(mounts.map((mount) => mount.mountPath))) violations.push(`${name}: mountPath ${String(mountPath)} is mounted twice`);
        for (const mount of mounts) {
          if (!volumeNames.includes(mount.name)) violations.push(`${name}: mounts volume ${String(mount.name)}, which the pod does not have`);
        }
        for (const portName of duplicates(((container.ports as Json[] | undefined) ?? []).map((port) => port.name).filter((portName) => portName !== undefined))) {
          violations.push(`${name}: port name ${String(portName)} is used twice`);
        }
        for (const envName of duplicates(((container.env as Json[] | undefined) ?? []).map((variable) => variable.name))) {
          violations.push(`${name}: environment variable ${String(envName)} is set twice`);
        }
        const requests = container.resources?.requests ?? {};
        if ([...gpuResources].some((resource) => requests[resource] !== undefined && Number(requests[resource]) > 0)) gpus = true;
      }
      if (gpus) {
        const placement = gpuTypes.find((type) => sameLabels(type.nodeSelector, spec.nodeSelector ?? {}));
        if (!placement) {
          violations.push(`${at}: requests GPUs but its nodeSelector ${JSON.stringify(spec.nodeSelector)} selects none of the platform's GPU types`);
        } else {
          for (const toleration of placement.tolerations) {
            const tolerations: Json[] = spec.tolerations ?? [];
            if (!tolerations.some((candidate) => candidate.key === toleration.key && candidate.effect === toleration.effect)) {
              violations.push(`${at}: requests GPUs but does not tolerate ${JSON.stringify(toleration)}`);
            }
          }
        }
      }
    }
    const jobSpec = object.kind === 'Job' ? o.spec : object.kind === 'CronJob' ? o.spec?.jobTemplate?.spec : undefined;
    if (jobSpec && jobSpec.activeDeadlineSeconds !== undefined) {
      const deadline = jobSpec.activeDeadlineSeconds;
      if (!Number.isSafeInteger(deadline) || deadline < 1) violations.push(`${where(object)}: activeDeadlineSeconds ${String(deadline)} is not a positive whole number`);
    }
    if (object.kind === 'Deployment' && !isSubset(o.spec?.selector?.matchLabels, o.spec?.template?.metadata?.labels)) {
      violations.push(`${where(object)}: selector does not match the pod template labels`);
    }
    if (object.kind === 'Service' && o.spec?.selector !== undefined && !templates.some((template) => isSubset(o.spec.selector, template.metadata?.labels))) {
      violations.push(`${where(object)}: selector ${JSON.stringify(o.spec.selector)} selects none of the tenant's pods`);
    }
  }
  return violations;
}
