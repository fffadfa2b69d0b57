/**
 * Security contexts that satisfy the Pod Security `restricted` profile,
 * shared by every workload the platform generates.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
import { k8s } from 'cdk8s-plus-28';

/** User and group the platform's containers run as when the image names none. */
export const WORKLOAD_UID = 1000;

/** Pod-level context: non-root, RuntimeDefault seccomp, a group that owns mounted volumes. */
export function restrictedPodSecurityContext(): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: WORKLOAD_UID,
    runAsGroup: WORKLOAD_UID,
    fsGroup: WORKLOAD_UID,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Container-level context: no privilege escalation, every capability
 * dropped, read-only root file system (workloads write to mounted volumes
 * such as /tmp).
 */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
