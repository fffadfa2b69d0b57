import * as pulumi from '@pulumi/pulumi';
import { PLATFORM_DIR } from '../synth';
import { KubeObject, ObjectGroup } from '../../policy/kube-object';
import { isProtectedTenantObject } from '../protected-objects';
import { isFoundation, registerObjects } from './kube-objects';
import { Platform } from './platform';
import { TENANT_COMPONENT_TYPE } from '../stack-names';

export interface TenantArgs {
  /** The tenant's objects, as the checked pipeline (stacks/pipeline.ts) returns them; `dir` is the tenant name. */
  readonly objects: ObjectGroup;
  /**
   * The platform, when it is deployed by the same stack: the tenant's
   * namespace waits for all of its resources.
   * @default - none: the platform is deployed by another stack, first
   */
  readonly platform?: Platform;
  /**
   * Protect the tenant's Namespace and checkpoint volumes (objects labelled
   * `mlp.io/data: checkpoint`): Pulumi refuses to delete them. False only
   * while the tenant is being decommissioned.
   * @default true
   */
  readonly protect?: boolean;
  /**
   * Annotate every object with `pulumi.com/skipAwait: "true"`.
   * @default false
   */
  readonly skipAwait?: boolean;
}

/**
 * All Kubernetes objects of one tenant, as children of one component so that
 * `pulumi preview` groups their changes by tenant. The component's name is
 * the tenant name; each child is named after its dist/ file, e.g.
 * `vision/job-resnet-ddp`.
 *
 * The tenant's Namespace waits for the platform (PriorityClasses, CRDs), when in the same stack;
 * every other object waits for its Namespace (the tenant's, or a platform
 * namespace such as `monitoring` for dashboards), and custom resources also
 * for the platform's CRDs. Its Jobs, CronJobs, Deployments and other
 * pod-creating objects also wait for its ResourceQuota, LimitRange,
 * NetworkPolicies, RoleBindings and ServiceAccount, so that no pod runs
 * outside its quota or its network policies.
 *
 * Pass the Kubernetes provider with `providers` in the options.
 */
export class Tenant extends pulumi.ComponentResource {
  /** Pulumi type token. */
  public static readonly TYPE = TENANT_COMPONENT_TYPE;

  /** The tenant name. */
  public readonly tenantName: string;
  /** Whether the namespace and checkpoint volumes are protected. */
  public readonly protected: boolean;
  /** The tenant's Namespace. */
  public readonly namespace: pulumi.CustomResource;
  /** Every resource of the tenant, the Namespace first. */
  public readonly resources: readonly pulumi.CustomResource[];

  public constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super(Tenant.TYPE, name, {}, opts);
    const group = args.objects;
    if (group.dir !== name || group.dir === PLATFORM_DIR) {
      throw new Error(`Tenant ${name}: expected the objects of ${name}/, got those of ${group.dir}/`);
    }
    const foundation = group.objects.filter(isFoundation);
    if (foundation.length !== 1 || foundation[0].kind !== 'Namespace' || foundation[0].metadata.name !== name) {
      const found = foundation.map((object) => `${object.kind} ${object.metadata.name}`).join(', ') || 'none';
      throw new Error(`${group.source}: a tenant must have exactly one Namespace and no CRDs, named "${name}"; synthesis produced: ${found}`);
    }
    this.tenantName = name;
    this.protected = args.protect ?? true;
    const isProtected = (object: KubeObject) => this.protected && isProtectedTenantObject(object);
    const registered = registerObjects(group, {
      parent: this,
      after: args.platform?.resources ?? [],
      customResourceDefinitions: args.platform?.customResourceDefinitions ?? [],
      namespaces: args.platform?.namespaces ?? new Map(),
      protect: isProtected,
      skipAwait: args.skipAwait ?? false,
    });
    this.namespace = registered.namespaces.get(name)!;
    this.resources = registered.resources;
    this.registerOutputs({ namespace: name, protected: this.protected });
  }
}
