/**
 * The plain Kubernetes objects that synthesis emits, grouped by output
 * folder: what the policies check, synthesis writes to dist/, the Pulumi
 * program deploys and the review tools compare. Defined here, in the lowest
 * folder that needs them, and imported everywhere else.
 */

/** A Kubernetes object as plain JSON. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** The objects of one output folder (one tenant, or the platform) and the input file they come from. */
export interface ObjectGroup {
  /** Folder under the output directory: the tenant name, or the platform's folder (`_platform`). */
  readonly dir: string;
  /** The input file, for the header of every output file and for problems. */
  readonly source: string;
  readonly objects: readonly KubeObject[];
}
