/**
 * The checks behind each policy of the catalog, on plain Kubernetes objects
 * (the JSON that synthesis emits). Each check returns what it found wrong,
 * one message per finding, naming the container, field and value.
 */
import { PolicyId } from '../config/policy-ids';
import { KubeObject } from './kube-object';
import { Json, asJsonObject, jsonArray } from './json';

/** What a check may look at besides the object. */
export interface PolicyContext {
  /** Every object of the same tenant (or of the platform), the object included. */
  readonly objects: readonly KubeObject[];
  /** The platform domain of public hosts (spec.exposure.domain), e.g. `ml.example.com`. */
  readonly ingressDomain: string;
  /** Extended resource names of GPUs, e.g. `nvidia.com/gpu`. */
  readonly gpuResourceNames: readonly string[];
  /** True when the objects belong to a tenant (not to the platform). */
  readonly isTenant: boolean;
}

/** A check: the findings of one policy on one object. */
export type PolicyCheck = (object: KubeObject, context: PolicyContext) => string[];

/** The value at a path of plain objects, or undefined. */
function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    current = asJsonObject(current)?.[key];
    if (current === undefined) return undefined;
  }
  return current;
}

/** Kinds whose objects hold a pod template, and where. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The pod spec of an object that runs pods, or undefined. */
export function podSpecOf(object: KubeObject): Json | undefined {
  const path = POD_SPEC_PATHS[object.kind];
  return path ? asJsonObject(at(object, ...path)) : undefined;
}

/** Labels of the pods of an object that runs pods. */
function podLabelsOf(object: KubeObject): Record<string, string> {
  const path = POD_SPEC_PATHS[object.kind];
  if (!path) return {};
  const metadata = object.kind === 'Pod' ? object.metadata : at(object, ...path.slice(0, -1), 'metadata');
  return (asJsonObject(at(metadata, 'labels')) as Record<string, string> | undefined) ?? {};
}

interface NamedContainer {
  /** `container "server"` or `init container "wait"`. */
  readonly label: string;
  readonly spec: Json;
}

function containersOf(podSpec: Json): NamedContainer[] {
  const list = (field: string, what: string) =>
    jsonArray(podSpec[field])
      .map(asJsonObject)
      .filter((container): container is Json => container !== undefined)
      .map((container) => ({ label: `${what} "${String(container.name)}"`, spec: container }));
  return [...list('initContainers', 'init container'), ...list('containers', 'container'), ...list('ephemeralContainers', 'ephemeral container')];
}

/** Why an image reference is not pinned, or undefined when it has a digest or a tag other than `latest`. */
export function imagePinProblem(image: string): string | undefined {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon < 0 ? undefined : image.slice(colon + 1);
  if (tag === undefined || tag === '') return `uses image "${image}", which has no tag or digest (it means latest)`;
  if (tag === 'latest') return `uses image "${image}", whose tag "latest" is mutable`;
  return undefined;
}

/** True when every matchLabels and matchExpressions term of a label selector holds for `labels`. */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const matchLabels = (asJsonObject(at(selector, 'matchLabels')) ?? {}) as Record<string, unknown>;
  const expressions = jsonArray(at(selector, 'matchExpressions')).map(asJsonObject);
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false; // an empty selector is refused here: it says nothing about intent
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const expression of expressions) {
    const key = String(expression?.key);
    const values = jsonArray(expression?.values).map(String);
    const present = key in labels;
    switch (expression?.operator) {
      case 'In':
        if (!present || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function gpuRequests(podSpec: Json, resourceNames: readonly string[]): number {
  let total = 0;
  for (const container of containersOf(podSpec)) {
    for (const kind of ['requests', 'limits']) {
      const amounts = asJsonObject(at(container.spec, 'resources', kind)) ?? {};
      for (const [name, value] of Object.entries(amounts)) {
        if (resourceNames.includes(name) || name.endsWith('/gpu')) total = Math.max(total, Number(value) || 0);
      }
    }
  }
  return total;
}

const privileged: PolicyCheck = (object) => {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  const findings: string[] = [];
  for (const container of containersOf(podSpec)) {
    if (at(container.spec, 'securityContext', 'privileged') === true) findings.push(`${container.label} is privileged (securityContext.privileged: true)`);
    if (at(container.spec, 'securityContext', 'allowPrivilegeEscalation') === true) {
      findings.push(`${container.label} may escalate privileges (securityContext.allowPrivilegeEscalation: true)`);
    }
  }
  return findings;
};

const hostAccess: PolicyCheck = (object) => {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  const findings: string[] = [];
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (podSpec[field] === true) findings.push(`the pod sets ${field}: true`);
  }
  for (const volume of jsonArray(podSpec.volumes).map(asJsonObject)) {
    const hostPath = at(volume, 'hostPath', 'path');
    if (volume && volume.hostPath !== undefined) findings.push(`volume "${String(volume.name)}" mounts the host path ${String(hostPath ?? '')}`.trimEnd());
  }
  for (const container of containersOf(podSpec)) {
    for (const port of jsonArray(container.spec.ports).map(asJsonObject)) {
      if (port?.hostPort !== undefined) findings.push(`${container.label} binds host port ${String(port.hostPort)}`);
    }
  }
  return findings;
};

const pinnedImages: PolicyCheck = (object) => {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  return containersOf(podSpec).flatMap((container) => {
    const problem = imagePinProblem(String(container.spec.image ?? ''));
    return problem ? [`${container.label} ${problem}`] : [];
  });
};

const resourcesSet: PolicyCheck = (object) => {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  return containersOf(podSpec).flatMap((container) => {
    const missing = ['requests', 'limits'].flatMap((kind) =>
      ['cpu', 'memory'].filter((resource) => at(container.spec, 'resources', kind, resource) === undefined).map((resource) => `${kind}.${resource}`),
    );
    return missing.length > 0 ? [`${container.label} sets no ${missing.join(', ')}`] : [];
  });
};

const gpuJobDeadline: PolicyCheck = (object, context) => {
  if (object.kind !== 'Job' && object.kind !== 'CronJob') return [];
  const podSpec = podSpecOf(object);
  if (!podSpec || gpuRequests(podSpec, context.gpuResourceNames) === 0) return [];
  const jobSpec = object.kind === 'Job' ? at(object, 'spec') : at(object, 'spec', 'jobTemplate', 'spec');
  const deadline = at(jobSpec, 'activeDeadlineSeconds');
  if (typeof deadline === 'number' && deadline > 0) return [];
  const field = object.kind === 'Job' ? 'spec.activeDeadlineSeconds' : 'spec.jobTemplate.spec.activeDeadlineSeconds';
  return [`the ${object.kind} uses GPUs but sets no ${field}, so a hung run holds its GPUs forever`];
};

/** Long-running workloads that need a PodDisruptionBudget; DaemonSets are drained differently and Jobs finish. */
const DISRUPTABLE_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'];

const disruptionBudget: PolicyCheck = (object, context) => {
  if (!DISRUPTABLE_KINDS.includes(object.kind)) return [];
  const labels = podLabelsOf(object);
  const covered = context.objects.some(
    (candidate) =>
      candidate.kind === 'PodDisruptionBudget' &&
      candidate.metadata.namespace === object.metadata.namespace &&
      selectorMatches(at(candidate, 'spec', 'selector'), labels),
  );
  return covered ? [] : [`no PodDisruptionBudget in namespace ${object.metadata.namespace ?? '(none)'} selects the pods of the ${object.kind}`];
};

const exposedServices: PolicyCheck = (object, context) => {
  if (!context.isTenant || object.kind !== 'Service') return [];
  const type = at(object, 'spec', 'type');
  return type === 'LoadBalancer' || type === 'NodePort' ? [`the Service is of type ${type}`] : [];
};

const ingressHosts: PolicyCheck = (object, context) => {
  if (object.kind === 'HTTPRoute' && object.apiVersion.startsWith('gateway.networking.k8s.io/')) return routeHosts(object, context.ingressDomain);
  if (object.kind !== 'Ingress') return [];
  const domain = context.ingressDomain;
  const findings: string[] = [];
  jsonArray(at(object, 'spec', 'rules')).forEach((rule, index) => {
    const host = at(rule, 'host');
    if (host === undefined || host === '') {
      findings.push(`rule ${index} has no host, so it would answer for every host name`);
    } else if (!String(host).endsWith(`.${domain}`)) {
      findings.push(`host "${String(host)}" is not under the platform domain ${domain}`);
    }
  });
  for (const tls of jsonArray(at(object, 'spec', 'tls'))) {
    for (const host of jsonArray(at(tls, 'hosts')).map(String)) {
      if (!host.endsWith(`.${domain}`)) findings.push(`TLS host "${host}" is not under the platform domain ${domain}`);
    }
  }
  if (at(object, 'spec', 'defaultBackend') !== undefined) findings.push('it sets spec.defaultBackend, which answers for every host name');
  return findings;
};

/** MLP008 for a Gateway API HTTPRoute: a route without hostnames answers for every host of its listener. */
function routeHosts(object: KubeObject, domain: string): string[] {
  const hostnames = jsonArray(at(object, 'spec', 'hostnames')).map(String);
  if (hostnames.length === 0) return ['it has no spec.hostnames, so it would answer for every host name of the Gateway listener'];
  return hostnames.filter((host) => !host.endsWith(`.${domain}`)).map((host) => `host "${host}" is not under the platform domain ${domain}`);
}

/** The check of each policy. */
export const POLICY_CHECKS: Readonly<Record<PolicyId, PolicyCheck>> = {
  MLP001: privileged,
  MLP002: hostAccess,
  MLP003: pinnedImages,
  MLP004: resourcesSet,
  MLP005: gpuJobDeadline,
  MLP006: disruptionBudget,
  MLP007: exposedServices,
  MLP008: ingressHosts,
};
