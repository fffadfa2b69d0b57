import * as pulumi from '@pulumi/pulumi';
import { PLATFORM_DIR } from '../synth';
import { ObjectGroup } from '../../policy/kube-object';
import { registerObjects } from './kube-objects';
import { PLATFORM_COMPONENT_TYPE } from '../stack-names';

export interface PlatformArgs {
  /** The platform's cluster-scoped objects, as the checked pipeline (stacks/pipeline.ts) returns them. */
  readonly objects: ObjectGroup;
  /**
   * Annotate every object with `pulumi.com/skipAwait: "true"`.
   * @default false
   */
  readonly skipAwait?: boolean;
}

/**
 * The platform's objects that every tenant relies on: PriorityClasses,
 * admission policies, the monitoring namespace and Prometheus, and later
 * CRDs. Its Namespaces and CRDs are created first; namespaced objects wait
 * for their Namespace and custom resources for the CRDs. Tenants' namespaces
 * wait for all of the platform's resources. None is protected.
 *
 * Pass the Kubernetes provider with `providers` in the options.
 */
export class Platform extends pulumi.ComponentResource {
  /** Pulumi type token. */
  public static readonly TYPE = PLATFORM_COMPONENT_TYPE;

  /** Every resource of the platform; tenants' namespaces depend on all of them. */
  public readonly resources: readonly pulumi.CustomResource[];
  /** The CustomResourceDefinitions, which custom resources of tenants also depend on directly. */
  public readonly customResourceDefinitions: readonly pulumi.CustomResource[];
  /** The platform's Namespaces by name, e.g. `monitoring`, which tenant objects in them depend on directly. */
  public readonly namespaces: ReadonlyMap<string, pulumi.CustomResource>;

  public constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super(Platform.TYPE, name, {}, opts);
    if (args.objects.dir !== PLATFORM_DIR) {
      throw new Error(`Platform ${name}: expected the objects of ${PLATFORM_DIR}/, got those of ${args.objects.dir}/`);
    }
    const registered = registerObjects(args.objects, {
      parent: this,
      after: [],
      customResourceDefinitions: [],
      namespaces: new Map(),
      protect: () => false,
      skipAwait: args.skipAwait ?? false,
    });
    this.resources = registered.resources;
    this.customResourceDefinitions = registered.customResourceDefinitions;
    this.namespaces = registered.namespaces;
    this.registerOutputs({});
  }
}
