/**
 * Plain Kubernetes objects from synthesis → Pulumi resources of the typed
 * `@pulumi/kubernetes` classes, with stable names and no other change to the
 * objects than two annotations of the Kubernetes provider: `pulumi.com/patchForce`
 * on every object, `pulumi.com/waitFor` on CRDs (Established),
 * `pulumi.com/skipAwait` and `pulumi.com/deletionPropagationPolicy: background` on
 * Jobs, and `pulumi.com/skipAwait` on every object but a canary's Deployment
 * with `mlp:skipAwait`.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { GATEWAY_API_GROUP } from '../../lib/exposure';
import { manifestFileName } from '../synth';
import { KubeObject, ObjectGroup } from '../../policy/kube-object';
import { isCanaryDeployment, routeBackendObjects } from './traffic-order';

/**
 * A typed `@pulumi/kubernetes` resource class, e.g. `k8s.core.v1.Namespace`.
 * Each class takes its own args type (with literal `apiVersion` and `kind`),
 * so the table below erases it; {@link kubeResource} passes an object only
 * to the class registered for its `apiVersion/kind`.
 */
type KubeResourceClass = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * The Pulumi class of every built-in kind that synthesis emits, by
 * `apiVersion/kind`. A built-in kind missing here is refused (see
 * {@link kubeResourceClass}); objects of other API groups are custom
 * resources and become `k8s.apiextensions.CustomResource`.
 */
export const KUBE_RESOURCE_CLASSES: Readonly<Record<string, KubeResourceClass>> = {
  'v1/Namespace': k8s.core.v1.Namespace,
  'v1/ServiceAccount': k8s.core.v1.ServiceAccount,
  'v1/ResourceQuota': k8s.core.v1.ResourceQuota,
  'v1/LimitRange': k8s.core.v1.LimitRange,
  'v1/Service': k8s.core.v1.Service,
  'v1/PersistentVolumeClaim': k8s.core.v1.PersistentVolumeClaim,
  'v1/ConfigMap': k8s.core.v1.ConfigMap,
  'v1/Secret': k8s.core.v1.Secret,
  'apps/v1/Deployment': k8s.apps.v1.Deployment,
  'apps/v1/StatefulSet': k8s.apps.v1.StatefulSet,
  'apps/v1/DaemonSet': k8s.apps.v1.DaemonSet,
  'batch/v1/Job': k8s.batch.v1.Job,
  'batch/v1/CronJob': k8s.batch.v1.CronJob,
  'autoscaling/v2/HorizontalPodAutoscaler': k8s.autoscaling.v2.HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': k8s.policy.v1.PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': k8s.networking.v1.NetworkPolicy,
  'networking.k8s.io/v1/Ingress': k8s.networking.v1.Ingress,
  'rbac.authorization.k8s.io/v1/Role': k8s.rbac.v1.Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': k8s.rbac.v1.RoleBinding,
  'rbac.authorization.k8s.io/v1/ClusterRole': k8s.rbac.v1.ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': k8s.rbac.v1.ClusterRoleBinding,
  'scheduling.k8s.io/v1/PriorityClass': k8s.scheduling.v1.PriorityClass,
  'storage.k8s.io/v1/StorageClass': k8s.storage.v1.StorageClass,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': k8s.admissionregistration.v1.ValidatingAdmissionPolicy,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': k8s.apiextensions.v1.CustomResourceDefinition,
};

/** Annotation that tells the Kubernetes provider not to wait for an object to become ready. */
export const SKIP_AWAIT_ANNOTATION = 'pulumi.com/skipAwait';

/**
 * Annotation that makes the Kubernetes provider's server-side apply force
 * conflicts: fields another field manager took (`kubectl set image`,
 * `kubectl label --overwrite`, `kubectl patch`) go back to the platform
 * instead of failing the update with a conflict. The provider reads it from
 * the inputs (`patchForce` in pkg/await/await.go of provider 4.25.0) and
 * applies it with the object, so it is on the live object too.
 *
 * @see https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/managing-resources-with-server-side-apply/
 */
export const PATCH_FORCE_ANNOTATION = 'pulumi.com/patchForce';

/**
 * The Pulumi resource name of an object: its dist/ path without `.yaml`,
 * e.g. `vision/job-resnet-ddp` or `_platform/priorityclass-mlp-batch`. Part
 * of every URN: changing it makes Pulumi delete and recreate the object.
 */
export function resourceName(group: ObjectGroup, object: KubeObject): string {
  return `${group.dir}/${manifestFileName(object).replace(/\.yaml$/, '')}`;
}

/** True for objects that others need first: Namespaces and CustomResourceDefinitions. */
export function isFoundation(object: KubeObject): boolean {
  return (
    (object.apiVersion === 'v1' && object.kind === 'Namespace') ||
    (object.apiVersion.startsWith('apiextensions.k8s.io/') && object.kind === 'CustomResourceDefinition')
  );
}

/** The API group of an object: `''` for the core group, `apps`, `networking.k8s.io`, ... */
function apiGroup(object: KubeObject): string {
  const slash = object.apiVersion.indexOf('/');
  return slash < 0 ? '' : object.apiVersion.slice(0, slash);
}

/**
 * Kinds that bound or guard the pods of their namespace, by `group/kind`:
 * quota and limits (admission counts and defaults only pods created after
 * them), NetworkPolicies (default deny), RBAC and the workloads'
 * ServiceAccount.
 */
export const FENCE_KINDS: readonly string[] = [
  '/ResourceQuota',
  '/LimitRange',
  '/ServiceAccount',
  'networking.k8s.io/NetworkPolicy',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
];

/** Kinds that create pods (or are pods), by `group/kind`. */
export const POD_CREATING_KINDS: readonly string[] = [
  '/Pod',
  '/ReplicationController',
  'apps/Deployment',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'apps/ReplicaSet',
  'batch/Job',
  'batch/CronJob',
];

/** True for the objects that fence a namespace's pods (see {@link FENCE_KINDS}). */
export function isFence(object: KubeObject): boolean {
  return FENCE_KINDS.includes(`${apiGroup(object)}/${object.kind}`);
}

/** True for objects that create pods (see {@link POD_CREATING_KINDS}). */
export function createsPods(object: KubeObject): boolean {
  return POD_CREATING_KINDS.includes(`${apiGroup(object)}/${object.kind}`);
}

/**
 * API groups under `k8s.io` that are not built into the API server: the
 * Kubernetes project ships them as CRDs (Gateway API: its HTTPRoutes are
 * custom resources, created after the Gateway API CRDs of mlp:crdFiles).
 */
export const CRD_GROUPS_UNDER_K8S_IO: readonly string[] = [GATEWAY_API_GROUP];

/**
 * True when the object is of a built-in Kubernetes API group (the core
 * group, a group without a dot, or one under `k8s.io` but those of
 * {@link CRD_GROUPS_UNDER_K8S_IO}); other groups belong to CRDs.
 */
export function isBuiltInKind(object: KubeObject): boolean {
  const group = apiGroup(object);
  if (CRD_GROUPS_UNDER_K8S_IO.includes(group)) return false;
  return !group.includes('.') || group === 'k8s.io' || group.endsWith('.k8s.io');
}

/**
 * The Pulumi class for an object.
 *
 * @throws Error for a built-in kind missing from {@link KUBE_RESOURCE_CLASSES}.
 */
export function kubeResourceClass(object: KubeObject): KubeResourceClass {
  const key = `${object.apiVersion}/${object.kind}`;
  const known = KUBE_RESOURCE_CLASSES[key];
  if (known) return known;
  if (isBuiltInKind(object)) {
    throw new Error(
      `no Pulumi resource class for the built-in kind ${key} (object ${object.metadata.name}); ` +
        `add its @pulumi/kubernetes class to KUBE_RESOURCE_CLASSES in stacks/pulumi/kube-objects.ts`,
    );
  }
  return k8s.apiextensions.CustomResource;
}

/**
 * True for a `batch/v1` Job. Pulumi's own await for a Job waits for it to
 * complete, which for a training run takes hours or days, and a refresh
 * reports a running Job as unhealthy (an update to make), so
 * {@link withDeployAnnotations} gives every Job `pulumi.com/skipAwait`. For
 * a Job that also skips the wait for its deletion (provider 4.25.0,
 * `allowsSkipAwaitWithDelete`), and with the default foreground deletion the
 * old Job stays until its pods are gone: replacing a Job (a new image) then
 * applied the new one onto the terminating old one, which the API server
 * refused (`spec.template: field is immutable`). So Jobs are also deleted
 * with `pulumi.com/deletionPropagationPolicy: background`: the API server removes
 * the Job at once (a Job has no finalizers of its own) and the garbage
 * collector its pods after, so the replacement is a new Job. A CronJob is not
 * waited for, and Pulumi manages none of the Jobs it creates: its
 * `jobTemplate` gets nothing.
 *
 * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job/
 */
export function isJob(object: KubeObject): boolean {
  return object.apiVersion === 'batch/v1' && object.kind === 'Job';
}

/**
 * Annotation that tells the Kubernetes provider what to wait for; a
 * CustomResourceDefinition waits for `condition=Established`, so that no
 * custom resource is applied before its API is served.
 */
export const WAIT_FOR_ANNOTATION = 'pulumi.com/waitFor';

/** Annotation that tells the Kubernetes provider how to delete an object (foreground by default); see {@link isJob}. */
export const DELETION_PROPAGATION_ANNOTATION = 'pulumi.com/deletionPropagationPolicy';

/** True for an `apiextensions.k8s.io` CustomResourceDefinition. */
export function isCustomResourceDefinition(object: KubeObject): boolean {
  return object.apiVersion.startsWith('apiextensions.k8s.io/') && object.kind === 'CustomResourceDefinition';
}

/**
 * A copy of the object as the program deploys it: annotated with
 * `pulumi.com/patchForce: "true"` ({@link PATCH_FORCE_ANNOTATION}); a CRD
 * with `pulumi.com/waitFor: condition=Established` (never skipped: the API
 * server itself establishes it, with or without nodes); a Job with
 * `pulumi.com/skipAwait: "true"` and `pulumi.com/deletionPropagationPolicy:
 * background` (see {@link isJob}); any other object but a canary's
 * Deployment ({@link isCanaryDeployment}: the route that gives the canary
 * traffic waits for its readiness, stacks/pulumi/traffic-order.ts) with
 * `pulumi.com/skipAwait: "true"` when `skipAwait` is set.
 */
export function withDeployAnnotations(object: KubeObject, options: { readonly skipAwait: boolean }): KubeObject {
  const annotations = (object.metadata.annotations as Readonly<Record<string, string>> | undefined) ?? {};
  const awaitAnnotation = isCustomResourceDefinition(object)
    ? { [WAIT_FOR_ANNOTATION]: 'condition=Established' }
    : isJob(object)
      ? { [SKIP_AWAIT_ANNOTATION]: 'true', [DELETION_PROPAGATION_ANNOTATION]: 'background' }
      : options.skipAwait && !isCanaryDeployment(object)
        ? { [SKIP_AWAIT_ANNOTATION]: 'true' }
        : {};
  return { ...object, metadata: { ...object.metadata, annotations: { ...annotations, [PATCH_FORCE_ANNOTATION]: 'true', ...awaitAnnotation } } };
}

/**
 * The Pulumi resource of one object, named by {@link resourceName}.
 *
 * @throws Error when the object has no metadata.name (Pulumi would auto-name it).
 */
export function kubeResource(group: ObjectGroup, object: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  if (typeof object.metadata?.name !== 'string' || object.metadata.name === '') {
    throw new Error(`${group.source}: a ${object.kind} in ${group.dir}/ has no metadata.name; synthesis must name every object`);
  }
  const ResourceClass = kubeResourceClass(object);
  // The class was chosen by the object's apiVersion/kind, so the object is of its args type.
  return new ResourceClass(resourceName(group, object), object as never, opts);
}

/** How {@link registerObjects} creates the resources of a group. */
export interface RegisterObjectsOptions {
  /** The component the resources belong to. */
  readonly parent: pulumi.Resource;
  /**
   * Resources outside the group that its Namespaces and CRDs wait for, and so
   * everything in them; objects that are in neither wait for them directly.
   */
  readonly after: readonly pulumi.Resource[];
  /** CRDs outside the group that its custom resources wait for. */
  readonly customResourceDefinitions: readonly pulumi.Resource[];
  /** Namespaces outside the group, by name, that objects of the group may live in. */
  readonly namespaces: ReadonlyMap<string, pulumi.Resource>;
  /** Whether Pulumi refuses to delete the resource of an object. */
  readonly protect: (object: KubeObject) => boolean;
  /** Annotate every object but CRDs, Jobs and canary Deployments with `pulumi.com/skipAwait: "true"` (see {@link withDeployAnnotations}). */
  readonly skipAwait: boolean;
}

/** The resources of one group. */
export interface RegisteredObjects {
  /** The Namespaces of the group, by name. */
  readonly namespaces: ReadonlyMap<string, pulumi.CustomResource>;
  /** The CRDs of the group. */
  readonly customResourceDefinitions: readonly pulumi.CustomResource[];
  /** Every resource: Namespaces and CRDs first, then the fences, then the others in the group's order, HTTPRoutes to canaries last. */
  readonly resources: readonly pulumi.CustomResource[];
}

/**
 * Creates one resource per object of the group, in three steps. First its
 * Namespaces and CRDs, which wait for `after`. Then every other object, with
 * explicit dependencies: on its Namespace (the group's or one of
 * `namespaces`), and, for a custom resource, on the CRDs of the group and
 * `customResourceDefinitions`. An object with neither (a cluster-scoped
 * built-in such as a PriorityClass) waits for `after`. Objects that create
 * pods (Jobs, CronJobs, Deployments, ...; {@link createsPods}) also wait for
 * every fence of the group in their namespace (ResourceQuota, LimitRange,
 * NetworkPolicies, RBAC, ServiceAccount; {@link isFence}), so that no pod is
 * created before the quota that counts it or the policies that confine it,
 * on the first deployment and on every update, and deletions run the other
 * way round. An HTTPRoute that sends traffic to a canary also waits for its
 * backend Services and the Deployments behind them (stacks/pulumi/traffic-order.ts),
 * so that no request goes to a canary before it is ready.
 */
export function registerObjects(group: ObjectGroup, options: RegisterObjectsOptions): RegisteredObjects {
  const create = (object: KubeObject, dependsOn: readonly pulumi.Resource[]) =>
    kubeResource(group, withDeployAnnotations(object, { skipAwait: options.skipAwait }), {
      parent: options.parent,
      dependsOn: [...dependsOn],
      protect: options.protect(object),
    });
  const namespaces = new Map<string, pulumi.CustomResource>();
  const customResourceDefinitions: pulumi.CustomResource[] = [];
  for (const object of group.objects.filter(isFoundation)) {
    const resource = create(object, options.after);
    if (object.kind === 'Namespace') namespaces.set(object.metadata.name, resource);
    else customResourceDefinitions.push(resource);
  }
  const fences = new Map<string, pulumi.CustomResource[]>();
  const registered = new Map<KubeObject, pulumi.CustomResource>();
  const register = (object: KubeObject, backends: readonly KubeObject[] = []) => {
    const name = object.metadata.namespace;
    const namespace = name !== undefined ? (namespaces.get(name) ?? options.namespaces.get(name)) : undefined;
    const dependsOn = [
      ...(namespace !== undefined ? [namespace] : []),
      ...(isBuiltInKind(object) ? [] : [...customResourceDefinitions, ...options.customResourceDefinitions]),
      ...(createsPods(object) && name !== undefined ? (fences.get(name) ?? []) : []),
      ...backends.map((backend) => registered.get(backend)!),
    ];
    const resource = create(object, dependsOn.length > 0 ? dependsOn : options.after);
    registered.set(object, resource);
    return resource;
  };
  const others = group.objects.filter((object) => !isFoundation(object));
  const fenceResources = others.filter(isFence).map((object) => {
    const resource = register(object);
    const name = object.metadata.namespace;
    if (name !== undefined) fences.set(name, [...(fences.get(name) ?? []), resource]);
    return resource;
  });
  // Routes to canaries after the Services and Deployments they wait for (never fences, Namespaces or CRDs).
  const rest = others.filter((object) => !isFence(object)).map((object) => ({ object, backends: routeBackendObjects(object, group.objects, group.source) }));
  const direct = rest.filter(({ backends }) => backends.length === 0).map(({ object }) => register(object));
  const routed = rest.filter(({ backends }) => backends.length > 0).map(({ object, backends }) => register(object, backends));
  return {
    namespaces,
    customResourceDefinitions,
    resources: [...namespaces.values(), ...customResourceDefinitions, ...fenceResources, ...direct, ...routed],
  };
}
