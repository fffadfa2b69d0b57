/**
 * The Pulumi program: synthesizes the platform and the tenants exactly as
 * `mlp synth` does, through the same checked pipeline (stacks/pipeline.ts),
 * and deploys those objects through one explicit Kubernetes provider. Which
 * objects depends on the stack's part (`mlp:part`): all of them, the
 * platform's first, then one {@link Tenant} component per tenant; the
 * platform's only; or one tenant's only, after checking that the platform
 * stack deployed the same platform (docs/deploy.md#one-stack-per-tenant).
 */
import * as fs from 'fs';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ValidationError } from '../../config/problems';
import { parseAllDocuments } from 'yaml';
import { ConfigSynthesis, GroupSelection, policyNotes, synthesize } from '../pipeline';
import { KubeObject, ObjectGroup } from '../../policy/kube-object';
import { establishStuckDefinitions } from './crd-establishment';
import { DeployedTenants, TENANTS_OUTPUT, checkTenantRemovals, readDeployedTenants, removalErrorMessage } from './deployed-tenants';
import { removeProviderKubeconfigCopiesOnExit } from './kubeconfig-copies';
import { Platform } from './platform';
import { PLATFORM_OUTPUT, PlatformOutput, checkPlatformOutput, platformOutput, readPlatformOutput } from './platform-output';
import { StackSettings } from './stack-settings';
import { Tenant } from './tenant';
import { PLATFORM_COMPONENT_NAME, PROVIDER_NAME } from '../stack-names';

/** The stack outputs. */
export interface ProgramOutputs {
  /**
   * The deployed tenants, read back by the next update to refuse deleting a
   * tenant whose file disappeared. Known only once every resource is
   * deployed. In every stack but the platform's.
   */
  readonly [TENANTS_OUTPUT]?: pulumi.Output<DeployedTenants>;
  /**
   * The platform's digest, Namespaces and CRDs, read by the tenant stacks.
   * Known only once every platform resource is deployed. In the platform's
   * stack only (`mlp:part: platform`).
   */
  readonly [PLATFORM_OUTPUT]?: pulumi.Output<PlatformOutput>;
}

/**
 * Deploys the stack's part (`mlp:part`): the platform and every tenant, the
 * platform, or one tenant.
 *
 * Before it registers any resource it fails (with `pulumi.RunError`, so
 * without a stack trace) when a tenant file is invalid, an object violates a
 * policy that the tenant did not waive (the checks of `mlp validate`), or a
 * deployed tenant's file is gone without the tenant being decommissioned;
 * a tenant stack's `pulumi up` also when the platform stack has not deployed
 * the platform this run synthesized. Waived violations and unused waivers
 * are logged.
 */
export async function deployPlatform(settings: StackSettings): Promise<ProgramOutputs> {
  removeProviderKubeconfigCopiesOnExit(settings.kubeconfig);
  switch (settings.part.kind) {
    case 'all':
      return deployAll(settings);
    case 'platform':
      return deployPlatformStack(settings);
    case 'tenant':
      return deployTenantStack(settings, settings.part.tenant);
  }
}

/** The single stack: the platform and every tenant. */
async function deployAll(settings: StackSettings): Promise<ProgramOutputs> {
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

  const provider = kubernetesProvider(settings);
  const platform = new Platform(PLATFORM_COMPONENT_NAME, { objects: platformObjects, skipAwait: settings.skipAwait }, { providers: [provider] });
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
 * The platform's stack: the platform's objects (and those of mlp:crdFiles),
 * and the `platform` output that the tenant stacks check. Every tenant file
 * is loaded and checked too, so that a platform change that breaks a tenant
 * fails here, before anything is deployed.
 */
async function deployPlatformStack(settings: StackSettings): Promise<ProgramOutputs> {
  const { groups, ...notes } = synthesizeOrExplain(settings, { platform: true, tenants: [] });
  for (const note of policyNotes(notes)) pulumi.log.info(note);
  const platformObjects = withCustomResourceDefinitions(groups[0], settings.crdFiles);
  if (!pulumi.runtime.isDryRun()) await establishDefinitions(settings, platformObjects);

  const provider = kubernetesProvider(settings);
  const platform = new Platform(PLATFORM_COMPONENT_NAME, { objects: platformObjects, skipAwait: settings.skipAwait }, { providers: [provider] });
  const output = platformOutput(platformObjects);
  // Resolves once every resource is registered, so a failed update keeps the previous digest.
  return { [PLATFORM_OUTPUT]: pulumi.all(platform.resources.map((resource) => resource.urn)).apply(() => output) };
}

/**
 * A tenant's stack: the tenant's objects only, under the same removal guard
 * as the single stack, after checking the platform stack's `platform`
 * output against the platform objects of this run. A tenant whose file is
 * gone, listed in mlp:decommission and recorded unprotected registers
 * nothing: Pulumi deletes its objects (step 2 of the decommission).
 */
async function deployTenantStack(settings: StackSettings, tenant: string): Promise<ProgramOutputs> {
  const stack = pulumi.getStack();
  const { config, groups, ...notes } = synthesizeOrExplain(settings, { platform: true, tenants: [tenant] });
  for (const note of policyNotes(notes)) pulumi.log.info(note);
  const own = groups.find((group) => group.dir === tenant);
  const deployed = await readDeployedTenants();

  const others = Object.keys(deployed).filter((name) => name !== tenant);
  if (others.length > 0) {
    throw new pulumi.RunError(
      `refusing to update stack ${stack}: its last update deployed tenant ${others.map((name) => `"${name}"`).join(', ')}, but mlp:part is "tenant:${tenant}"; ` +
        `a tenant stack deploys one tenant, and this update would delete the other: set mlp:part back to "tenant:${others[0]}". Nothing was changed.`,
    );
  }
  const decommission = settings.decommission.filter((name) => name === tenant);
  if (own === undefined && !(tenant in deployed) && decommission.length === 0) {
    const file = config.tenants.find((candidate) => candidate.name === tenant)?.file ?? `${settings.tenantsDir}/${tenant}.yaml`;
    throw new pulumi.RunError(
      `mlp:part: "tenant:${tenant}": ${file} does not exist, and stack ${stack} never deployed tenant "${tenant}"; ` +
        `add the file, or remove the stack (pulumi stack rm --force ${stack}). Nothing was changed.`,
    );
  }
  const report = checkTenantRemovals({
    stack,
    tenantsDir: settings.tenantsDir,
    deployed,
    current: own === undefined ? [] : [tenant],
    decommission,
    tenantStack: true,
  });
  if (report.errors.length > 0) {
    throw new pulumi.RunError(removalErrorMessage(stack, settings.tenantsDir, report.errors, tenant));
  }
  for (const warning of report.warnings) pulumi.log.warn(warning);
  if (own === undefined) return { [TENANTS_OUTPUT]: pulumi.output<DeployedTenants>({}) };

  const problem = checkPlatformOutput({
    stack,
    platformStack: settings.platformStack,
    deployed: await readPlatformOutput(settings.platformStack),
    digest: platformOutput(withCustomResourceDefinitions(groups[0], settings.crdFiles)).digest,
  });
  if (problem !== undefined && !pulumi.runtime.isDryRun()) throw new pulumi.RunError(`mlp: ${problem}. Nothing was changed.`);
  if (problem !== undefined) pulumi.log.warn(`mlp: ${problem}; \`pulumi up\` of this stack is refused until then`);

  const provider = kubernetesProvider(settings);
  const component = new Tenant(tenant, { objects: own, protect: decommission.length === 0, skipAwait: settings.skipAwait }, { providers: [provider] });
  const record: DeployedTenants = { [tenant]: { protected: component.protected } };
  // Resolves once every resource is registered, so a failed update keeps the previous record.
  return { [TENANTS_OUTPUT]: pulumi.all(component.resources.map((resource) => resource.urn)).apply(() => record) };
}

/** The one explicit Kubernetes provider of every stack, named {@link PROVIDER_NAME}. */
function kubernetesProvider(settings: StackSettings): k8s.Provider {
  return new k8s.Provider(PROVIDER_NAME, {
    ...(settings.kubeconfig !== undefined && { kubeconfig: settings.kubeconfig }),
    ...(settings.context !== undefined && { context: settings.context }),
    clusterIdentifier: settings.clusterIdentifier,
    enableServerSideApply: true,
  });
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
 * The platform's and (selected) tenants' objects, through the same checked pipeline as
 * `mlp validate` and `mlp synth`: an invalid file or a policy violation
 * fails the program before it registers any resource.
 */
function synthesizeOrExplain(settings: StackSettings, only?: GroupSelection): ConfigSynthesis {
  try {
    return synthesize({ platformFile: settings.platformFile, tenantsDir: settings.tenantsDir }, only);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new pulumi.RunError(`mlp: ${error.message}\nNothing was deployed; fix the files (npx mlp validate) and run again.`);
    }
    throw error;
  }
}
