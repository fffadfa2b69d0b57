/**
 * What the platform stack tells the tenant stacks (docs/deploy.md#one-stack-per-tenant):
 * its `platform` output records a digest of the platform's objects, and each
 * tenant stack reads it through a StackReference and compares it with the
 * platform objects it synthesized itself, so that no tenant is deployed
 * against a platform that is not (yet) in the cluster.
 */
import { createHash } from 'crypto';
import * as pulumi from '@pulumi/pulumi';
import { compareNames } from '../../lib/names';
import { KubeObject, ObjectGroup } from '../../policy/kube-object';
import { PLATFORM_STACK } from '../stack-names';
import { qualifiedStackName } from './deployed-tenants';
import { isCustomResourceDefinition, resourceName } from './kube-objects';

/** Name of the platform stack's output that the tenant stacks read. */
export const PLATFORM_OUTPUT = 'platform';

/** Name of the StackReference resource through which a tenant stack reads the platform stack. */
export const PLATFORM_REFERENCE = 'platform';

/** The platform stack's `platform` output. */
export interface PlatformOutput {
  /** sha256 (hex) of the platform's objects, CRD files included, serialized canonically ({@link platformDigest}). */
  readonly digest: string;
  /** The platform's Namespaces, sorted. */
  readonly namespaces: readonly string[];
  /** The platform's CustomResourceDefinitions (those of mlp:crdFiles included), sorted. */
  readonly customResourceDefinitions: readonly string[];
}

/**
 * JSON with the keys of every object sorted by {@link compareNames} and no
 * whitespace: the same value gives the same text whatever order its keys
 * were built in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return `{${entries
      .sort(([a], [b]) => compareNames(a, b))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 (hex) of the platform's objects as synthesized (before the
 * provider's annotations), ordered by resource name, each serialized with
 * {@link canonicalJson}: the same objects give the same digest in every stack.
 */
export function platformDigest(group: ObjectGroup): string {
  const objects = [...group.objects].map((object) => [resourceName(group, object), object] as const).sort(([a], [b]) => compareNames(a, b));
  return createHash('sha256')
    .update(canonicalJson(objects.map(([, object]) => object)))
    .digest('hex');
}

/** The `platform` output of the platform's objects (CRD files included). */
export function platformOutput(group: ObjectGroup): PlatformOutput {
  const names = (select: (object: KubeObject) => boolean) =>
    group.objects
      .filter(select)
      .map((object) => object.metadata.name)
      .sort(compareNames);
  return {
    digest: platformDigest(group),
    namespaces: names((object) => object.apiVersion === 'v1' && object.kind === 'Namespace'),
    customResourceDefinitions: names(isCustomResourceDefinition),
  };
}

/**
 * Checks a value read from the platform stack.
 *
 * @returns undefined for a stack without the output (never deployed)
 * @throws pulumi.RunError when the value is not a {@link PlatformOutput}.
 */
export function parsePlatformOutput(stack: string, value: unknown): PlatformOutput | undefined {
  if (value === undefined || value === null) return undefined;
  const record = value as Partial<Record<keyof PlatformOutput, unknown>>;
  const isNames = (names: unknown) => Array.isArray(names) && names.every((name) => typeof name === 'string');
  const valid =
    typeof value === 'object' &&
    typeof record.digest === 'string' &&
    /^[0-9a-f]{64}$/.test(record.digest) &&
    isNames(record.namespaces) &&
    isNames(record.customResourceDefinitions);
  if (!valid) {
    throw new pulumi.RunError(
      `the output "${PLATFORM_OUTPUT}" of stack ${stack} is not { digest, namespaces, customResourceDefinitions }: ${JSON.stringify(value)}; ` +
        `deploy stack ${PLATFORM_STACK} again (npx mlp deploy --stack ${PLATFORM_STACK}). Nothing was changed.`,
    );
  }
  return value as PlatformOutput;
}

/** What {@link checkPlatformOutput} compares. */
export interface PlatformComparison {
  /** The running stack, for messages. */
  readonly stack: string;
  /** The platform stack as `mlp:platformStack` names it. */
  readonly platformStack: string;
  /** The output the platform stack's last update recorded; undefined when it has none. */
  readonly deployed: PlatformOutput | undefined;
  /** The digest of the platform objects this run synthesized. */
  readonly digest: string;
}

/**
 * The problem with deploying a tenant against the platform stack's last
 * update, or undefined when it deployed exactly the platform objects this
 * run synthesized. `pulumi up` refuses it; a preview warns (a pull request
 * that changes the platform and a tenant previews both before either is
 * deployed).
 */
export function checkPlatformOutput(input: PlatformComparison): string | undefined {
  const platformStack = input.platformStack.split('/').pop()!;
  const fix = `deploy stack ${platformStack} first (npx mlp deploy --stack ${platformStack})`;
  if (input.deployed === undefined) {
    return `stack ${input.stack} needs the platform of stack ${input.platformStack}, which has no "${PLATFORM_OUTPUT}" output (never deployed); ${fix}`;
  }
  if (input.deployed.digest !== input.digest) {
    return (
      `the platform objects of this run (digest ${input.digest.slice(0, 12)}) differ from those stack ${input.platformStack} deployed ` +
      `(digest ${input.deployed.digest.slice(0, 12)}); ${fix}, then stack ${input.stack}`
    );
  }
  return undefined;
}

/**
 * Reads the platform stack's `platform` output through a StackReference
 * named {@link PLATFORM_REFERENCE}. A stack that does not exist fails the
 * read in the engine, which stops the update with its own error (`unknown
 * stack "<organization>/<project>/<stack>"`) before the program can explain.
 *
 * @throws pulumi.RunError when the output is malformed.
 */
export async function readPlatformOutput(platformStack: string): Promise<PlatformOutput | undefined> {
  const reference = new pulumi.StackReference(PLATFORM_REFERENCE, { name: qualifiedStackName(platformStack) });
  const details = await reference.getOutputDetails(PLATFORM_OUTPUT);
  return parsePlatformOutput(platformStack, details.value ?? details.secretValue);
}
