/**
 * Synthesis: resolved configuration → Kubernetes objects, one group per
 * output folder, each object named for its file `<tenant>/<kind>-<name>.yaml`
 * (synthesis/render.ts writes the YAML). Free of Pulumi: the Pulumi program
 * consumes these same objects.
 *
 * Each tenant gets its own cdk8s App, so synthesis time grows linearly with
 * the number of tenants (one App holding every chart re-walks the whole tree
 * per chart).
 */
import { App } from 'cdk8s';
import { PlatformConfig } from '../config/load';
import { KubeObject, ObjectGroup } from '../policy/kube-object';
import { PlatformFile } from '../config/schema/platform';
import { TenantConfig } from '../config/tenant-config';
import { PlatformChart } from './platform-chart';
import { TenantChart } from './tenant-chart';

/** Folder of the platform's cluster-scoped objects; `_` keeps it apart from tenant names. */
export const PLATFORM_DIR = '_platform';

/** The cluster-scoped objects of the platform. */
export function synthesizePlatform(platform: PlatformFile, source: string): ObjectGroup {
  const chart = new PlatformChart(new App(), 'platform', { platform });
  return { dir: PLATFORM_DIR, source, objects: chart.toJson() as KubeObject[] };
}

/** The objects of one tenant. */
export function synthesizeTenant(platform: PlatformFile, tenant: TenantConfig): ObjectGroup {
  const chart = new TenantChart(new App(), tenant.name, { platform, tenant });
  return { dir: tenant.name, source: tenant.file, objects: chart.toJson() as KubeObject[] };
}

/** The platform's objects, then every tenant's, in name order. */
export function synthesizeAll(config: PlatformConfig): ObjectGroup[] {
  return [synthesizePlatform(config.platform, config.file), ...config.tenants.map((tenant) => synthesizeTenant(config.platform, tenant))];
}

/** File name of an object inside its folder: `<kind>-<name>.yaml`, lowercase kind. */
export function manifestFileName(object: KubeObject): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}
