/**
 * The policies `mlp validate` and `mlp synth` enforce on synthesized
 * objects: what each one demands and how to fix a violation. The ids
 * themselves are in config/policy-ids.ts, where the tenant file schema
 * lists them.
 */
import { PolicyId } from '../config/policy-ids';

/** What a policy demands, for messages and documentation. */
export interface PolicyDescription {
  /** One line: what the policy demands. */
  readonly title: string;
  /** Why it matters. */
  readonly rationale: string;
  /** How to fix a violation. */
  readonly fix: string;
}

/** The policies by id. */
export const POLICIES: Readonly<Record<PolicyId, PolicyDescription>> = {
  MLP001: {
    title: 'no privileged containers',
    rationale: 'a privileged container, or one that may escalate privileges, can take over its node and every tenant on it',
    fix: 'remove securityContext.privileged and allowPrivilegeEscalation (the platform constructs set both to false)',
  },
  MLP002: {
    title: 'no host namespaces or host paths',
    rationale: 'hostNetwork, hostPID, hostIPC, hostPort and hostPath volumes reach outside the pod into the node',
    fix: 'remove hostNetwork, hostPID, hostIPC, hostPort and hostPath volumes; use a PersistentVolumeClaim or an emptyDir for data',
  },
  MLP003: {
    title: 'images pinned by tag or digest, never latest',
    rationale: 'a mutable tag makes a rollout or a retry run different code than the one reviewed',
    fix: 'pin a version tag (name:1.2.3) or a digest (name@sha256:...)',
  },
  MLP004: {
    title: 'requests and limits on every container',
    rationale: 'a container without requests escapes scheduling and quota; one without limits can starve its neighbours',
    fix: 'set resources.requests and resources.limits for cpu and memory on every container and init container',
  },
  MLP005: {
    title: 'GPU jobs have a deadline',
    rationale: 'a hung GPU job holds expensive GPUs until someone notices',
    fix: 'set spec.activeDeadlineSeconds of the Job (maxRuntime in the tenant file)',
  },
  MLP006: {
    title: 'every long-running workload has a PodDisruptionBudget',
    rationale: 'without a PodDisruptionBudget a node drain can take every replica down at once',
    fix: 'add a PodDisruptionBudget whose selector matches the pods (model services get one), or run the work as a Job',
  },
  MLP007: {
    title: 'no LoadBalancer or NodePort Services in tenant namespaces',
    rationale: 'tenant traffic enters through the platform Gateway or ingress controller, the one entry point whose hosts the platform checks (MLP008), which terminates TLS, and whose namespace the tenant network policies admit; a node port or cloud load balancer bypasses it',
    fix: 'use a ClusterIP Service and expose it with expose: {type: ingress}',
  },
  MLP008: {
    title: 'public hosts under the platform domain',
    rationale: 'a host outside the platform domain (or a route or rule without a host) can capture another team\'s or another product\'s traffic at the shared Gateway or ingress controller',
    fix: 'use a host under the platform domain (spec.exposure.domain), e.g. <service>.<tenant>.<domain>',
  },
};
