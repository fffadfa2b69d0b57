import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import type { IValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import { MANAGED_BY, MANAGED_BY_LABEL, TENANT_LABEL, TIERS, TIER_LABEL } from './labels';
import { PRIORITY_CLASS_LABEL, workloadPriorityClassName } from './queueing';

export interface TenantGuardrailsProps {
  /**
   * Groups whose members deploy the platform (the identity `pulumi up` runs
   * as); members of `system:masters` are always deployers.
   * @default ['mlp:deployers']
   */
  readonly deployerGroups?: readonly string[];
}

/** Names of the admission policies; part of the construct's API. */
export const GUARDRAIL_POLICY_NAMES = {
  platformObjects: 'mlp-platform-owned-objects',
  managedObjects: 'mlp-platform-managed-objects',
  roleBindings: 'mlp-tenant-role-bindings',
  priority: 'mlp-tenant-priority',
  jobPriority: 'mlp-tenant-job-priority',
} as const;

/**
 * The resources, by API group, of every kind the platform writes into tenant
 * namespaces besides the quotas, limits, network policies and role bindings
 * (which other policies cover): what `mlp synth` writes to `dist/<tenant>/`.
 * Plural resource names, as admission rules name them; subresources
 * (`status`, `scale`) are not included, so controllers keep writing status
 * and the autoscaler the replica count.
 */
export const PLATFORM_MANAGED_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  '': ['configmaps', 'persistentvolumeclaims', 'serviceaccounts', 'services'],
  apps: ['deployments'],
  autoscaling: ['horizontalpodautoscalers'],
  batch: ['cronjobs', 'jobs'],
  'monitoring.coreos.com': ['podmonitors', 'prometheusrules', 'servicemonitors'],
  'gateway.networking.k8s.io': ['httproutes'],
  'keda.sh': ['scaledobjects'],
  'kueue.x-k8s.io': ['localqueues'],
  'networking.k8s.io': ['ingresses'],
  policy: ['poddisruptionbudgets'],
};

/**
 * CEL: the Kueue priority-class label of a Job, or of the Jobs a CronJob makes (its
 * jobTemplate's), in `object` (`object` or `oldObject`); "" when it has none.
 */
function jobPriorityExpression(object: string): string {
  const labelOf = (metadata: string) =>
    `has(${metadata}.labels) && "${PRIORITY_CLASS_LABEL}" in ${metadata}.labels ? ${metadata}.labels["${PRIORITY_CLASS_LABEL}"] : ""`;
  return (
    `request.kind.kind == "CronJob" ? ` +
    `(has(${object}.spec.jobTemplate.metadata) ? (${labelOf(`${object}.spec.jobTemplate.metadata`)}) : "") : ` +
    `(${labelOf(`${object}.metadata`)})`
  );
}

/** CEL: the WorkloadPriorityClasses each tier may use, its own and those below it. */
function allowedPrioritiesExpression(): string {
  const entries = TIERS.map((tier, index) => `"${tier}": [${TIERS.slice(index).map((lower) => `"${workloadPriorityClassName(lower)}"`).join(', ')}]`);
  return `{${entries.join(', ')}}`;
}

/**
 * What the KEDA operator itself writes on a ScaledObject, besides its status: the label
 * `scaledobject.keda.sh/name: <name>` (`ensureScaledObjectLabel`) and the finalizer
 * `finalizer.keda.sh` (`ensureFinalizer`, removed again on deletion), both with a plain update
 * (controllers/keda in KEDA v2.21.0). Its service account depends on the installation, so the
 * update is recognised by its shape instead.
 */
export const KEDA_BOOKKEEPING = { label: 'scaledobject.keda.sh/name', finalizer: 'finalizer.keda.sh' } as const;

/**
 * CEL: an UPDATE of a KEDA object that only adds KEDA's bookkeeping (its label, with the object's
 * name, and its finalizer) or drops finalizers: spec, annotations and every other label unchanged.
 */
function kedaBookkeepingExpression(): string {
  const labels = (object: string) => `${object}.metadata.labels`;
  const same = (field: string) =>
    `has(object.metadata.${field}) == has(oldObject.metadata.${field}) && (!has(object.metadata.${field}) || object.metadata.${field} == oldObject.metadata.${field})`;
  return (
    `request.operation == "UPDATE" && request.resource.group == "keda.sh" && ` +
    `has(object.spec) == has(oldObject.spec) && (!has(object.spec) || object.spec == oldObject.spec) && ${same('annotations')} && ` +
    `has(${labels('object')}) && ` +
    `${labels('oldObject')}.all(k, k in ${labels('object')} && ${labels('object')}[k] == ${labels('oldObject')}[k]) && ` +
    `${labels('object')}.all(k, k in ${labels('oldObject')} || (k == "${KEDA_BOOKKEEPING.label}" && ${labels('object')}[k] == object.metadata.name)) && ` +
    `(!has(object.metadata.finalizers) || object.metadata.finalizers.all(f, f == "${KEDA_BOOKKEEPING.finalizer}" || ` +
    `(has(oldObject.metadata.finalizers) && f in oldObject.metadata.finalizers)))`
  );
}

/** CEL: the request comes from someone other than the platform's deployers and Kubernetes' own controllers. */
function notPlatformExpression(deployerGroups: readonly string[]): string {
  const groups = ['system:masters', ...deployerGroups].map((group) => JSON.stringify(group)).join(', ');
  return (
    `!request.userInfo.groups.exists(g, g in [${groups}]) && ` +
    // The namespace controller deletes everything in a namespace being deleted; the quota controller reconciles.
    `!request.userInfo.username.startsWith("system:serviceaccount:kube-system:") && ` +
    `request.userInfo.username != "system:kube-controller-manager"`
  );
}

/**
 * Admission policies that hold the tenant boundary on the API server, where
 * the built-in `admin` and `edit` roles are too broad for a shared cluster:
 *
 * - ResourceQuotas, LimitRanges and NetworkPolicies in tenant namespaces
 *   belong to the platform: tenants can neither change the platform's nor add
 *   their own (NetworkPolicies are additive, so one more would open the
 *   default deny).
 * - Everything else the platform writes into tenant namespaces (workloads,
 *   services, autoscalers, disruption budgets, service accounts, monitors,
 *   volumes, ...; {@link PLATFORM_MANAGED_RESOURCES}) is changed only through
 *   the tenant file (but for the label and finalizer the KEDA operator puts on
 *   a ScaledObject, {@link KEDA_BOOKKEEPING}): tenants can neither update (labels included) nor delete
 *   an object labelled `app.kubernetes.io/managed-by: mlp`, nor put that label
 *   on objects of their own. Objects that controllers make from the
 *   platform's (a CronJob's Jobs, a Deployment's ReplicaSets and pods) carry
 *   owner references and stay the tenant's, as do the scale and status
 *   subresources.
 * - Tenants may grant only the `admin`, `edit` and `view` ClusterRoles or
 *   Roles of their namespace, never to `system:` subjects or to service
 *   accounts of other namespaces, and cannot touch the platform's bindings.
 * - Pods run at their tenant's tier: no tenant can claim a higher priority.
 * - Jobs and CronJobs carry a Kueue priority (`kueue.x-k8s.io/priority-class`) no higher than
 *   their tenant's tier, so that no tenant's job preempts another's by claiming a higher
 *   priority. The queue-name label needs no check: a LocalQueue name resolves only in the
 *   Job's own namespace, and each tenant's ClusterQueue admits only its own namespace.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
export class TenantGuardrails extends Construct {
  public constructor(scope: Construct, id: string, props: TenantGuardrailsProps = {}) {
    super(scope, id);
    const deployerGroups = props.deployerGroups ?? ['mlp:deployers'];
    for (const group of deployerGroups) {
      if (group.length === 0 || group.startsWith('system:')) {
        throw new Error(`TenantGuardrails: deployerGroups: "${group}" is not a deployer group; use a group of your own such as mlp:deployers`);
      }
    }
    const tenantNamespaces = { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] };
    const notPlatform = [{ name: 'not-the-platform', expression: notPlatformExpression(deployerGroups) }];
    const managedByPlatform = (object: string) =>
      `has(${object}.metadata.labels) && "${MANAGED_BY_LABEL}" in ${object}.metadata.labels && ${object}.metadata.labels["${MANAGED_BY_LABEL}"] == "${MANAGED_BY}"`;

    this.addPolicy(GUARDRAIL_POLICY_NAMES.platformObjects, {
      failurePolicy: 'Fail',
      matchConstraints: {
        namespaceSelector: tenantNamespaces,
        resourceRules: [
          { apiGroups: [''], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['resourcequotas', 'limitranges'] },
          { apiGroups: ['networking.k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['networkpolicies'] },
        ],
      },
      matchConditions: notPlatform,
      validations: [
        {
          expression: 'false',
          messageExpression:
            `"ResourceQuotas, LimitRanges and NetworkPolicies in tenant namespaces belong to the platform: change tenants/" + request.namespace + ".yaml and let the platform deploy it"`,
          reason: 'Forbidden',
        },
      ],
    });

    // CREATE has no oldObject and DELETE no object (both null): every expression checks the operation first.
    const requestObject = '(request.operation == "CREATE" ? object : oldObject)';
    this.addPolicy(GUARDRAIL_POLICY_NAMES.managedObjects, {
      failurePolicy: 'Fail',
      matchConstraints: {
        namespaceSelector: tenantNamespaces,
        resourceRules: Object.entries(PLATFORM_MANAGED_RESOURCES).map(([group, resources]) => ({
          apiGroups: [group],
          apiVersions: ['*'],
          operations: ['CREATE', 'UPDATE', 'DELETE'],
          resources: [...resources],
        })),
      },
      matchConditions: [
        ...notPlatform,
        {
          name: 'not-made-by-a-controller',
          expression: `!has(${requestObject}.metadata.ownerReferences) || size(${requestObject}.metadata.ownerReferences) == 0`,
        },
      ],
      validations: [
        {
          // KEDA's own label and finalizer on a ScaledObject are the operator's to write.
          expression: `request.operation == "CREATE" || !(${managedByPlatform('oldObject')}) || (${kedaBookkeepingExpression()})`,
          messageExpression:
            `request.kind.kind + " " + request.name + " is managed by the platform (${MANAGED_BY_LABEL}=${MANAGED_BY}): ` +
            `change tenants/" + request.namespace + ".yaml and let the platform deploy it"`,
          reason: 'Forbidden',
        },
        {
          expression: `request.operation == "DELETE" || (request.operation == "UPDATE" && ${managedByPlatform('oldObject')}) || !(${managedByPlatform('object')})`,
          message: `the label ${MANAGED_BY_LABEL}=${MANAGED_BY} marks the platform's own objects; tenants may not use it`,
          reason: 'Forbidden',
        },
      ],
    });

    this.addPolicy(GUARDRAIL_POLICY_NAMES.roleBindings, {
      failurePolicy: 'Fail',
      matchConstraints: {
        namespaceSelector: tenantNamespaces,
        resourceRules: [
          { apiGroups: ['rbac.authorization.k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['rolebindings'] },
        ],
      },
      matchConditions: notPlatform,
      validations: [
        {
          expression: `request.operation == "CREATE" || !(${managedByPlatform('oldObject')})`,
          message: 'this RoleBinding belongs to the platform: change owners, members or viewers in the tenant file',
          reason: 'Forbidden',
        },
        {
          expression: `request.operation == "DELETE" || object.roleRef.kind == "Role" || object.roleRef.name in ["admin", "edit", "view"]`,
          message: 'tenants may bind only the admin, edit and view ClusterRoles, or Roles of their own namespace',
          reason: 'Forbidden',
        },
        {
          expression:
            `request.operation == "DELETE" || !has(object.subjects) || object.subjects.all(s, !s.name.startsWith("system:") && ` +
            `(s.kind != "ServiceAccount" || !has(s.namespace) || s.namespace == request.namespace))`,
          message: 'tenants may not grant roles to system: users or groups, or to service accounts of other namespaces',
          reason: 'Forbidden',
        },
        {
          expression: `request.operation == "DELETE" || !(${managedByPlatform('object')})`,
          message: `the label ${MANAGED_BY_LABEL}=${MANAGED_BY} marks the platform's own objects; tenants may not use it`,
          reason: 'Forbidden',
        },
      ],
    });

    this.addPolicy(GUARDRAIL_POLICY_NAMES.priority, {
      failurePolicy: 'Fail',
      matchConstraints: {
        namespaceSelector: tenantNamespaces,
        resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
      },
      validations: [
        {
          expression:
            `!has(object.spec.priorityClassName) || object.spec.priorityClassName == "" || ` +
            `object.spec.priorityClassName == "mlp-" + namespaceObject.metadata.labels["${TIER_LABEL}"]`,
          messageExpression: `"pods of this tenant run at priority class mlp-" + namespaceObject.metadata.labels["${TIER_LABEL}"] + ", the tier of the tenant file"`,
          reason: 'Forbidden',
        },
      ],
    });

    this.addJobPriorityPolicy(notPlatform);
  }

  private addJobPriorityPolicy(notPlatform: ReadonlyArray<{ name: string; expression: string }>): void {
    const tier = `namespaceObject.metadata.labels["${TIER_LABEL}"]`;
    const allowed = allowedPrioritiesExpression();
    this.addPolicy(GUARDRAIL_POLICY_NAMES.jobPriority, {
      failurePolicy: 'Fail',
      matchConstraints: {
        namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] },
        resourceRules: [{ apiGroups: ['batch'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['jobs', 'cronjobs'] }],
      },
      matchConditions: [...notPlatform],
      variables: [
        { name: 'priority', expression: jobPriorityExpression('object') },
        // An update that leaves the label alone passes: Kueue itself updates admitted Jobs.
        { name: 'oldPriority', expression: `request.operation == "UPDATE" ? (${jobPriorityExpression('oldObject')}) : ""` },
      ],
      validations: [
        {
          expression:
            `variables.priority == "" || (request.operation == "UPDATE" && variables.priority == variables.oldPriority) || ` +
            `(has(namespaceObject.metadata.labels) && "${TIER_LABEL}" in namespaceObject.metadata.labels && ${tier} in ${allowed} && variables.priority in ${allowed}[${tier}])`,
          messageExpression:
            `"${PRIORITY_CLASS_LABEL} " + variables.priority + " is above the tier of this tenant (" + ` +
            `(has(namespaceObject.metadata.labels) && "${TIER_LABEL}" in namespaceObject.metadata.labels ? ${tier} : "none") + ` +
            `"): use mlp-<tier> of the tenant's tier or a lower one"`,
          reason: 'Forbidden',
        },
      ],
    });
  }

  private addPolicy(name: string, spec: IValidatingAdmissionPolicy['spec']): void {
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY };
    const policy: Omit<IValidatingAdmissionPolicy, 'metadata'> = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      spec,
    };
    new ApiObject(this, name, { ...policy, metadata: { name, labels } });
    const binding: Omit<IValidatingAdmissionPolicyBinding, 'metadata'> = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      spec: { policyName: name, validationActions: ['Deny'] },
    };
    new ApiObject(this, `${name}-binding`, { ...binding, metadata: { name, labels } });
  }
}
