/**
 * Runs the Pulumi program against Pulumi's mock monitor and records the
 * resource graph: what the mocks receive (type, name, inputs, provider) and,
 * through a stack transformation, the options the program passed (parent,
 * protect, dependsOn). No Pulumi CLI, no engine, no cluster.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { runMlp } from '../../support/cli';
import { FIXTURE_PLATFORM_FILE, FIXTURE_TENANTS_DIR } from '../../support/fixtures';
import { readManifests } from '../../../synthesis/output-tree';
import { KubeObject } from '../../../policy/kube-object';

/** The platform file and tenants the program deploys in these tests: the suite's fixtures, never the repository's examples. */
export const PLATFORM_FILE = FIXTURE_PLATFORM_FILE;
export const TENANTS_DIR = FIXTURE_TENANTS_DIR;

export const PROJECT = 'mlp';
export const STACK = 'dev';
export const ORGANIZATION = 'organization';

/** One resource as the program created it. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  /** Inputs as the mock monitor received them (serialized and deserialized, as the engine would see them). */
  readonly inputs: Record<string, unknown>;
  /** The provider reference (`<urn>::<id>`) the monitor received; undefined for components and default providers. */
  readonly provider?: string;
  /** Name of the parent resource (the root stack is `mlp-dev`); undefined for the root stack itself. */
  readonly parent?: string;
  /** The protect option as the program passed it. */
  readonly protect?: boolean;
  /** Names of the resources in the dependsOn option. */
  readonly dependsOn: readonly string[];
}

/** What the program did. */
export interface ProgramRun {
  /** Every resource the mock monitor received, by name, in registration order. */
  readonly resources: ReadonlyMap<string, Registration>;
  /** The stack outputs. */
  readonly outputs: Record<string, unknown>;
  /** The stack names StackReferences asked for. */
  readonly stackReferences: readonly string[];
}

export interface RunOptions {
  /** The program's entry point, run inside the root stack. */
  readonly program: () => Promise<Record<string, unknown>>;
  /** The `tenants` output the last update recorded; absent for a stack never deployed. */
  readonly previousTenants?: unknown;
  /** Stack configuration, e.g. `{ 'mlp:skipAwait': 'true' }`. */
  readonly config?: Record<string, string>;
  /** Run as `pulumi preview` rather than `pulumi up`. */
  readonly preview?: boolean;
  /** The stack the program runs in. @default STACK */
  readonly stack?: string;
  /**
   * Outputs of the other stacks that StackReferences read, by qualified name
   * (`organization/mlp/platform`); a stack not listed exists without outputs.
   */
  readonly otherStacks?: Readonly<Record<string, Record<string, unknown>>>;
}

/**
 * Runs the program with mocks and returns the graph it built. Rejects with
 * the program's error. On rejection, `recorded` (when given) still receives
 * what the monitor saw, to check that nothing was registered.
 */
export async function runWithMocks(options: RunOptions, recorded?: Map<string, Registration>): Promise<ProgramRun> {
  const monitored = new Map<string, { type: string; name: string; inputs: Record<string, unknown>; provider?: string }>();
  const stackReferences: string[] = [];
  const stack = options.stack ?? STACK;
  const self = `${ORGANIZATION}/${PROJECT}/${stack}`;
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        monitored.set(args.name, { type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        if (args.type === 'pulumi:pulumi:StackReference') {
          const name = String(args.inputs.name);
          stackReferences.push(name);
          const previous = options.previousTenants === undefined ? {} : { tenants: options.previousTenants };
          const outputs = name === self ? previous : (options.otherStacks?.[name] ?? {});
          return { id: String(args.inputs.name), state: { name: args.inputs.name, outputs, secretOutputNames: [] } };
        }
        return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs };
      },
      call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        throw new Error(`unexpected call of ${args.token}`);
      },
    },
    PROJECT,
    stack,
    options.preview ?? false,
    ORGANIZATION,
  );
  pulumi.runtime.setAllConfig(options.config ?? {});

  const names = new WeakMap<pulumi.Resource, string>();
  const options_ = new Map<string, { parent?: string; protect?: boolean; dependsOn: string[] }>();
  const nameOf = (resource: pulumi.Resource | undefined) => (resource === undefined ? undefined : (names.get(resource) ?? '<unknown>'));
  const created: pulumi.Resource[] = [];
  const record: pulumi.ResourceTransformation = ({ resource, name, opts }) => {
    names.set(resource, name);
    created.push(resource);
    const dependsOn = opts.dependsOn === undefined ? [] : Array.isArray(opts.dependsOn) ? opts.dependsOn : [opts.dependsOn];
    options_.set(name, {
      parent: nameOf(opts.parent ?? pulumi.runtime.getStackResource()),
      protect: opts.protect,
      dependsOn: (dependsOn as pulumi.Resource[]).map((dependency) => nameOf(dependency)!),
    });
    return undefined;
  };

  const collect = () => {
    const resources = new Map<string, Registration>();
    for (const [name, seen] of monitored) {
      const passed = options_.get(name);
      resources.set(name, { ...seen, parent: passed?.parent, protect: passed?.protect, dependsOn: passed?.dependsOn ?? [] });
    }
    return resources;
  };

  // The program's error is caught inside the root stack: rejecting there would
  // also reject promises of the stack resource that nothing awaits, which the
  // Pulumi CLI reports through its own handler and jest as a failed test.
  let failure: { error: unknown } | undefined;
  let outputs: Record<string, unknown>;
  try {
    outputs = (await pulumi.runtime.runInPulumiStack(async () => {
      names.set(pulumi.runtime.getStackResource()!, `${PROJECT}-${stack}`);
      pulumi.runtime.registerStackTransformation(record);
      try {
        return await options.program();
      } catch (error) {
        failure = { error };
        return {};
      }
    })) as Record<string, unknown>;
    // Registrations finish after the outputs are known; wait for every resource's URN.
    await Promise.all(created.map((resource) => new Promise((resolve) => resource.urn.apply(resolve))));
  } finally {
    for (const [name, registration] of collect()) recorded?.set(name, registration);
  }
  if (failure) throw failure.error;
  return { resources: collect(), outputs, stackReferences };
}

/** The Kubernetes resources of a run (those registered with the explicit provider). */
export function kubeResources(run: ProgramRun): Registration[] {
  return [...run.resources.values()].filter((resource) => resource.type.startsWith('kubernetes:'));
}

/** A scratch copy of the fixture tenants directory without the given tenants' files. */
export function tenantsDirWithout(...tenants: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-pulumi-test-'));
  for (const entry of fs.readdirSync(TENANTS_DIR)) {
    if (!tenants.includes(entry.replace(/\.ya?ml$/, ''))) fs.copyFileSync(path.join(TENANTS_DIR, entry), path.join(dir, entry));
  }
  return dir;
}

/**
 * What `mlp synth` writes for the fixture platform and the given tenants
 * directory: the objects of the files it writes, by path without `.yaml`
 * (e.g. `vision/job-resnet-ddp`). Runs the command in-process into a
 * scratch directory.
 */
export function synthesizedFiles(tenantsDir: string = TENANTS_DIR): Map<string, KubeObject> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-pulumi-dist-'));
  try {
    const result = runMlp(process.cwd(), 'synth', '--platform', PLATFORM_FILE, '--tenants', tenantsDir, '--out', out);
    if (result.status !== 0) throw new Error(`mlp synth failed (${result.status}): ${result.stderr}`);
    return new Map([...readManifests(out)].map(([file, text]) => [file.replace(/\.yaml$/, ''), parse(text) as KubeObject]));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The Pulumi type token of a Kubernetes kind, derived from apiVersion and kind: `kubernetes:core/v1:Namespace`. */
export function typeToken(object: { apiVersion: string; kind: string }): string {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['core', object.apiVersion];
  return `kubernetes:${group}/${version}:${object.kind}`;
}
