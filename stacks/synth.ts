/**
 * Synthesis: resolved configuration → Kubernetes objects → YAML files, one
 * object per file, `<tenant>/<kind>-<name>.yaml`. Free of Pulumi: the
 * Pulumi program consumes these same objects.
 *
 * Each tenant gets its own cdk8s App, so synthesis time grows linearly with
 * the number of tenants (one App holding every chart re-walks the whole tree
 * per chart).
 */
import { App } from 'cdk8s';
import { PlatformConfig } from '../lib/load';
import { PlatformFile } from '../lib/schema/platform';
import { TenantConfig } from '../lib/tenant-config';
import { manifestYaml } from './manifest-yaml';
import { GENERATED_HEADER } from './output-tree';
import { PlatformChart } from './platform-chart';
import { TenantChart } from './tenant-chart';

/** Folder of the platform's cluster-scoped objects; `_` keeps it apart from tenant names. */
export const PLATFORM_DIR = '_platform';

/** A Kubernetes object as plain JSON. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** The objects of one output folder and the input file they come from. */
export interface ObjectGroup {
  /** Folder under the output directory: the tenant name, or {@link PLATFORM_DIR}. */
  readonly dir: string;
  /** The input file, for the header of every output file. */
  readonly source: string;
  readonly objects: readonly KubeObject[];
}

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

/** One object as a YAML document with a header naming its source. */
export function renderObject(object: KubeObject, source: string): string {
  return `${GENERATED_HEADER}${source}. Edit that file, not this one.\n${manifestYaml(object)}`;
}

/**
 * The files of the groups, by path relative to the output directory, in
 * path order.
 *
 * @throws Error when two objects would share a file (a bug in a construct).
 */
export function renderGroups(groups: readonly ObjectGroup[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const group of groups) {
    for (const object of group.objects) {
      const file = `${group.dir}/${manifestFileName(object)}`;
      if (files.has(file)) {
        throw new Error(`two objects of ${group.source} would both be written to ${file}; object kinds and names must be unique per tenant`);
      }
      files.set(file, renderObject(object, group.source));
    }
  }
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
