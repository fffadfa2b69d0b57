/**
 * The Kubernetes provider (4.25.0, pkg/provider/provider.go `Configure`)
 * writes the kubeconfig it is given, path or contents alike, to a new file
 * `kubeconfig<digits>` in the temp directory (`writeKubeconfigToFile` in
 * pkg/provider/util.go, `os.CreateTemp("", "kubeconfig")`), for Helm, and
 * never removes it: one copy of the cluster credentials per configured
 * provider, per preview and update. Without a kubeconfig it writes none, but
 * the SDK passes `$KUBECONFIG` when the program gives none, so every
 * deployment has one. This module removes those copies when the program
 * exits, successful or not.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { parse } from 'yaml';

/** Name of the provider's copies: `os.CreateTemp("", "kubeconfig")` appends digits. */
const COPY_NAME = /^kubeconfig\d+$/;

/** The parts of a kubeconfig that make it the same credentials: clusters, users and contexts by name. */
function identity(text: string): unknown {
  const config = parse(text) as Record<string, unknown> | null;
  if (config === null || typeof config !== 'object') return undefined;
  const byName = (key: string) =>
    Object.fromEntries(
      ((config[key] ?? []) as { name?: string }[]).map((entry) => [entry.name, entry]).sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  return { clusters: byName('clusters'), users: byName('users'), contexts: byName('contexts') };
}

/**
 * The kubeconfig the provider is given: `mlp:kubeconfig` (a path), else
 * what the SDK passes, `$KUBECONFIG` (a path or the contents).
 */
export function providerKubeconfigText(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = kubeconfig ?? env.KUBECONFIG;
  if (given === undefined || given === '') return undefined;
  try {
    return fs.readFileSync(given, 'utf8');
  } catch {
    return /\bclusters\s*:/.test(given) ? given : undefined;
  }
}

/**
 * Removes the provider's copies of `kubeconfigText` from `dir`: the regular
 * files of this user named `kubeconfig<digits>` that hold the same clusters,
 * users and contexts. Any other file is left alone. Returns the removed paths.
 */
export function removeProviderKubeconfigCopies(kubeconfigText: string, dir: string = os.tmpdir()): string[] {
  let wanted: unknown;
  try {
    wanted = identity(kubeconfigText);
  } catch {
    return [];
  }
  if (wanted === undefined) return [];
  const uid = process.getuid?.();
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => COPY_NAME.test(name));
  } catch {
    return [];
  }
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const stat = fs.lstatSync(file);
      if (!stat.isFile() || (uid !== undefined && stat.uid !== uid)) continue;
      if (!isDeepStrictEqual(identity(fs.readFileSync(file, 'utf8')), wanted)) continue;
      fs.rmSync(file);
      removed.push(file);
    } catch {
      // gone meanwhile, unreadable or not YAML: not one of ours
    }
  }
  return removed;
}

/**
 * Removes the provider's copies of the kubeconfig when this process exits,
 * however the program ends (a thrown error included; a SIGKILL leaves them to
 * the next run, which removes them too).
 */
export function removeProviderKubeconfigCopiesOnExit(kubeconfig: string | undefined): void {
  const text = providerKubeconfigText(kubeconfig);
  if (text === undefined) return;
  process.once('exit', () => removeProviderKubeconfigCopies(text));
}
