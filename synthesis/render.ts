/**
 * The YAML files of synthesized objects: one object per file,
 * `<tenant>/<kind>-<name>.yaml`, each with a header naming its input file.
 */
import { manifestFileName } from '../stacks/synth';
import { KubeObject, ObjectGroup } from '../policy/kube-object';
import { manifestYaml } from './manifest-yaml';
import { GENERATED_HEADER } from './output-tree';
import { compareNames } from '../lib/names';

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
  return new Map([...files.entries()].sort(([a], [b]) => compareNames(a, b)));
}
