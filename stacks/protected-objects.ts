/**
 * Which objects the Pulumi program protects, free of Pulumi so that the
 * review tools (`mlp diff`) can say what a deployment will refuse.
 */
import { DATA_LABEL } from '../lib/labels';
import { KubeObject } from '../policy/kube-object';

/** True for checkpoint volumes (objects labelled `mlp.io/data: checkpoint`). */
export function isCheckpointVolume(object: KubeObject): boolean {
  const labels = object.metadata.labels as Readonly<Record<string, string>> | undefined;
  return labels?.[DATA_LABEL] === 'checkpoint';
}

/**
 * True for the objects of a tenant that Pulumi refuses to delete or replace
 * unless the tenant is being decommissioned: its Namespace (deleting it
 * would delete everything in it) and its checkpoint volumes.
 */
export function isProtectedTenantObject(object: KubeObject): boolean {
  return (object.apiVersion === 'v1' && object.kind === 'Namespace') || isCheckpointVolume(object);
}
