/**
 * The Pulumi program: synthesizes the platform and every tenant exactly as
 * `mlp synth` does, through the same checked pipeline (stacks/pipeline.ts),
 * and deploys those objects, the platform's first, then one
 * {@link Tenant} component per tenant, all through one explicit Kubernetes
 * provider.
 */
import * as fs from 'fs';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ValidationError } from '../../config/problems';
import { parseAllDocuments } from 'yaml';
import { ConfigSynthesis, policyNotes, synthesize } from '../pipeline';
import { KubeObject, ObjectGroup } from '../../policy/kube-object';
import { establishStuckDefinitions } from './crd-establishment';
import { DeployedTenants, TENANTS_OUTPUT, checkTenantRemovals, readDeployedTenants, removalErrorMessage } from './deployed-tenants';
import { removeProviderKubeconfigCopiesOnExit } from './kubeconfig-copies';
import { Platform } from './platform';
import { StackSettings } from './stack-settings';
import { Tenant } from './tenant';

/** Name of the explicit Kubernetes provider resource; part of every resource's state, never change it. */
export const PROVIDER_NAME = 'kubernetes';

/** The stack outputs. */
export interface ProgramOutputs {
  /**
   * The deployed tenants, read back by the next update to refuse deleting a
   * tenant whose file disappeared. Known only once every resource is deployed.
   */
  readonly [TENANTS_OUTPUT]: pulumi.Output<DeployedTenants>;
}

/**
 * Deploys the platform and every tenant.
 *
 * Before it registers any resource it reads the tenants deployed by the
 * last update, and fails (with `pulumi.RunError`, so without a stack trace)
 * when a tenant file is invalid, an object violates a policy that the
 * tenant did not waive (the checks of `mlp validate`), or a deployed
 * tenant's file is gone without the tenant being decommissioned. Waived
 * violations and unused waivers are logged.
 */
export async function deployPlatform(settings: StackSettings): Promise<ProgramOutputs> {
  removeProviderKubeconfigCopiesOnExit(settings.kubeconfig);
  const { config, groups, ...notes } = synthesizeOrExplain(settings);
  for (const note of policyNotes(notes)) pulumi.log.info(note);
  const [platformGroup, ...tenantObjects] = groups;
  const platformObjects = withCustomResourceDefinitions(platformGroup, settings.crdFiles);

  const report = checkTenantRemovals({
    stack: pulumi.getStack(),
    tenantsDir: settings.tenantsDir,
    deployed: await readDeployedTenants(),
    current: config.tenants.map((tenant) => tenant.name),
    decommission: settings.decommission,
  });
  if (report.errors.length > 0) {
    throw new pulumi.RunError(removalErrorMessage(pulumi.getStack(), settings.tenantsDir, report.errors));
  }
  for (const warning of report.warnings) pulumi.log.warn(warning);
  if (!pulumi.runtime.isDryRun()) await establishDefinitions(settings, platformObjects);

  const provider = new k8s.Provider(PROVIDER_NAME, {
    ...(settings.kubeconfig !== undefined && { kubeconfig: settings.kubeconfig }),
    ...(settings.context !== undefined && { context: settings.context }),
    clusterIdentifier: settings.clusterIdentifier,
    enableServerSideApply: true,
  });
  const platform = new Platform('platform', { objects: platformObjects, skipAwait: settings.skipAwait }, { providers: [provider] });
  const decommission = new Set(settings.decommission);
  const tenants = tenantObjects.map(
    (objects) =>
      new Tenant(
        objects.dir,
        { objects, platform, protect: !decommission.has(objects.dir), skipAwait: settings.skipAwait },
        { providers: [provider] },
      ),
  );

  const deployed: DeployedTenants = Object.fromEntries(tenants.map((tenant) => [tenant.tenantName, { protected: tenant.protected }]));
  const everyResource = [...platform.resources, ...tenants.flatMap((tenant) => tenant.resources)];
  // Resolves once every resource is registered, so a failed update keeps the previous record.
  return { [TENANTS_OUTPUT]: pulumi.all(everyResource.map((resource) => resource.urn)).apply(() => deployed) };
}

/**
 * Before `pulumi up` registers anything: establishes the platform's CRDs
 * that a crash of the API server left `Installing` (crd-establishment.ts),
 * which Pulumi, finding them unchanged, would not touch. Previews change nothing.
 */
async function establishDefinitions(settings: StackSettings, platformObjects: ObjectGroup): Promise<void> {
  const names = platformObjects.objects.filter((object) => object.kind === 'CustomResourceDefinition').map((object) => object.metadata.name);
  let report;
  try {
    report = await establishStuckDefinitions({ kubeconfig: settings.kubeconfig, context: settings.context }, names);
  } catch (error) {
    throw new pulumi.RunError(`mlp: ${(error as Error).message}. Nothing was deployed.`);
  }
  if (report.skipped !== undefined) pulumi.log.warn(`mlp: CRDs not checked for a stuck Established condition: ${report.skipped}`);
  for (const name of report.established) pulumi.log.info(`mlp: CustomResourceDefinition ${name} was stuck Installing after an API server restart; re-queued, now Established`);
}

/**
 * The platform's objects with the CustomResourceDefinitions of `files`
 * first, so that the CRDs are created before any custom resource in the same
 * update (the platform orders CRDs first and custom resources depend on them).
 */
export function withCustomResourceDefinitions(group: ObjectGroup, files: readonly string[]): ObjectGroup {
  const definitions: KubeObject[] = [];
  for (const file of files) {
    let documents: unknown[];
    try {
      documents = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((document) => document.toJS());
    } catch (error) {
      throw new pulumi.RunError(`mlp:crdFiles: cannot read ${file}: ${(error as Error).message}`);
    }
    for (const document of documents.filter((candidate) => candidate !== null)) {
      const object = document as KubeObject;
      if (object.kind !== 'CustomResourceDefinition' || object.apiVersion !== 'apiextensions.k8s.io/v1') {
        throw new pulumi.RunError(`mlp:crdFiles: ${file} holds a ${object.apiVersion}/${object.kind}; only apiextensions.k8s.io/v1 CustomResourceDefinitions are allowed`);
      }
      definitions.push(object);
    }
  }
  return { ...group, objects: [...definitions, ...group.objects] };
}

/**
 * The platform's and tenants' objects, through the same checked pipeline as
 * `mlp validate` and `mlp synth`: an invalid file or a policy violation
 * fails the program before it registers any resource.
 */
function synthesizeOrExplain(settings: StackSettings): ConfigSynthesis {
  try {
    return synthesize({ platformFile: settings.platformFile, tenantsDir: settings.tenantsDir });
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new pulumi.RunError(`mlp: ${error.message}\nNothing was deployed; fix the files (npx mlp validate) and run again.`);
    }
    throw error;
  }
}
