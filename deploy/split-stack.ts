/**
 * `mlp split-stack --from OLD`: moves a single stack (every tenant and the
 * platform in one, `mlp:part` unset) to the platform stack and one stack per
 * tenant without recreating any object, with `pulumi state move`, and checks
 * the result (docs/deploy.md#moving-from-one-stack-to-many).
 *
 * Steps, each safe to run again after an interruption:
 *  1. refuse when a stack involved is locked, the settings file's
 *     `mlp:clusterIdentifier` is not the old stack's, or the old stack and the
 *     files disagree (deploy/state-split.ts `planSplit`);
 *  2. before anything has moved: the old stack must preview with no changes
 *     under the settings file, and its state is saved to
 *     `<work-dir>/split-<OLD>/before.json` (the reference of step 5);
 *  3. create the missing target stacks in their folders of the work
 *     directory, as `mlp deploy` does;
 *  4. `pulumi state move` each tenant's component to `tenant-<tenant>`, then
 *     the platform's to `platform` (a component already moved is skipped; one
 *     left in both stacks by an interrupted move is removed from the old one);
 *  5. every object is in its new stack with the same id, `metadata.uid` and
 *     `protect` flag as before;
 *  6. `pulumi preview --expect-no-changes` of every new stack, then `pulumi
 *     up` of each (platform first), which changes no object and records the
 *     stack outputs (the platform digest, each tenant stack's `tenants`);
 *  7. check 5 again, and print how to remove the old stack, which is left.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import {
  PLATFORM_COMPONENT_NAME,
  PLATFORM_COMPONENT_TYPE,
  PLATFORM_STACK,
  TENANT_COMPONENT_TYPE,
  sortStackNames,
  tenantOfStack,
  tenantStackName,
} from '../stacks/stack-names';
import { DeployError } from './deploy-error';
import { runPulumi } from './pulumi-process';
import { StackRun, runStacks, tail } from './run-stacks';
import { readSettingsFile } from './settings-file';
import {
  SplitUnit,
  StackState,
  parseStackExport,
  planSplit,
  subtree,
  topLevelUrn,
  verifySplit,
} from './state-split';
import { prepareWorkDir, readProject, stackDir, writeStackConfig, writeStackProject } from './work-dir';

/** What {@link splitStack} moves and where it works. */
export interface SplitStackOptions {
  /** The project directory (where Pulumi.yaml is). */
  readonly projectDir: string;
  /** The single stack to split. */
  readonly oldStack: string;
  /** The environment's settings file, relative to the project directory. */
  readonly settingsFile: string;
  /** The work directory of `mlp deploy`, relative to the project directory. */
  readonly workDir: string;
  /** How many tenant stacks preview and update at a time. */
  readonly parallel: number;
  /** Progress and the final report. */
  readonly out: NodeJS.WritableStream;
  /** The environment of the pulumi processes. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The name of the split's own folder in the work directory (its log and the state before the split). */
export function splitFolderName(oldStack: string): string {
  return `split-${oldStack}`;
}

/**
 * Splits the stack; resolves to the exit status: 0 when every stack is
 * split and checked, 1 when the split was refused or a step failed (the
 * message says which and what to do).
 *
 * @throws DeployError for a settings file, project or work directory mlp cannot use.
 */
export async function splitStack(options: SplitStackOptions): Promise<number> {
  const { oldStack, out } = options;
  const say = (line: string) => out.write(`mlp split-stack: ${line}\n`);
  if (oldStack === PLATFORM_STACK || tenantOfStack(oldStack) !== undefined) {
    throw new DeployError(`--from ${oldStack}: that is the name of a stack of the split deployment (platform, tenant-<tenant>); name the single stack to split`);
  }
  const project = readProject(options.projectDir);
  const settings = readSettingsFile(options.settingsFile, options.projectDir, project.name);
  const root = path.resolve(options.projectDir, options.workDir);
  prepareWorkDir(root, options.workDir);
  const own = writeStackProject(root, splitFolderName(oldStack), project);
  const logFile = path.join(own, 'pulumi.log');
  const shown = (file: string) => {
    const relative = path.relative(options.projectDir, file);
    return relative === '' || relative.startsWith('..') ? file : relative;
  };
  const pulumi = (args: readonly string[], cwd = own) => runPulumi({ args: [...args, '--non-interactive'], cwd, logFile, env: options.env });
  const refuse = (problems: readonly string[], what = 'nothing was moved') => {
    say(`refused, ${what}:`);
    for (const problem of problems) out.write(`  - ${problem}\n`);
    return 1;
  };

  const existing = await listStacks(pulumi, shown(logFile));
  if (!existing.has(oldStack)) return refuse([`stack ${oldStack} does not exist on this backend (pulumi stack ls lists ${[...existing].join(', ') || 'none'}); check PULUMI_BACKEND_URL and --from`]);
  const tenantsWithFile = tenantFiles(settings.tenantsDir);
  const exportOf = async (stack: string): Promise<StackState> => {
    const file = path.join(own, `export-${stack}.json`);
    const result = await pulumi(['stack', 'export', '--stack', stack, '--file', file]);
    if (result.status !== 0) throw new DeployError(`pulumi stack export --stack ${stack} failed (log ${shown(logFile)}):\n${tail(result.output, 10)}`);
    return parseStackExport(stack, fs.readFileSync(file, 'utf8'));
  };
  const exportTargets = async (stacks: Iterable<string>): Promise<Map<string, StackState>> => {
    const states = new Map<string, StackState>();
    for (const stack of stacks) if (existing.has(stack)) states.set(stack, await exportOf(stack));
    return states;
  };

  let old = await exportOf(oldStack);
  const deployedTenants = old.resources.filter((resource) => resource.type === TENANT_COMPONENT_TYPE && resource.urn === topLevelUrn(oldStack, project.name, TENANT_COMPONENT_TYPE, resource.urn.split('::').pop()!));
  const tenantStacks = sortStackNames([
    ...deployedTenants.map((resource) => tenantStackName(resource.urn.split('::').pop()!)),
    ...[...existing].filter((stack) => tenantOfStack(stack) !== undefined),
    ...tenantsWithFile.map(tenantStackName),
  ]);
  const units: SplitUnit[] = [
    ...tenantStacks.map((stack) => ({ stack, type: TENANT_COMPONENT_TYPE, name: tenantOfStack(stack)!, label: `tenant ${tenantOfStack(stack)}` })),
    { stack: PLATFORM_STACK, type: PLATFORM_COMPONENT_TYPE, name: PLATFORM_COMPONENT_NAME, label: 'the platform' },
  ];
  let targets = await exportTargets(units.map((unit) => unit.stack));
  const clusterIdentifier = settings.config['mlp:clusterIdentifier'];
  const plan = planSplit({
    project: project.name,
    old,
    targets,
    units,
    withFile: new Set(['the platform', ...tenantsWithFile.map((tenant) => `tenant ${tenant}`)]),
    clusterIdentifier: typeof clusterIdentifier === 'string' ? clusterIdentifier : undefined,
    settingsFile: options.settingsFile,
  });
  const locks = await lockProblems(pulumi, project.name, [oldStack, ...plan.units.map((state) => state.unit.stack)]);
  if (locks.notChecked !== undefined) say(locks.notChecked);
  if (plan.problems.length > 0 || locks.problems.length > 0) return refuse([...locks.problems, ...plan.problems]);
  const moving = plan.units.map((state) => state.unit);

  // 2. The reference state, taken before the first move.
  const beforeFile = path.join(own, 'before.json');
  let before: StackState;
  if (plan.units.every((state) => state.status === 'to move')) {
    say(`checking that stack ${oldStack} matches the files under ${options.settingsFile}: pulumi preview --expect-no-changes (log ${shown(logFile)})`);
    fs.writeFileSync(path.join(own, `Pulumi.${oldStack}.yaml`), `# Written by mlp split-stack from ${options.settingsFile}, paths made absolute.\n${stringify({ config: settings.config })}`);
    const preview = await pulumi(['preview', '--stack', oldStack, '--expect-no-changes', '--diff', '--color', 'never']);
    if (preview.status !== 0) {
      return refuse([
        `pulumi preview --stack ${oldStack} with the settings of ${options.settingsFile} shows changes or failed (log ${shown(logFile)}); ` +
          `the split stacks would show the same changes. Deploy the old stack first (pulumi up --stack ${oldStack}) or fix the settings file, then run this again:\n${tail(preview.output, 20)}`,
      ]);
    }
    fs.copyFileSync(path.join(own, `export-${oldStack}.json`), beforeFile);
    say(`saved the state of stack ${oldStack} before the split to ${shown(beforeFile)}`);
  }
  if (fs.existsSync(beforeFile)) {
    before = parseStackExport(oldStack, fs.readFileSync(beforeFile, 'utf8'));
  } else {
    say(`no ${shown(beforeFile)} (the split started with another work directory): ids, uids and protect flags are compared with the states as they are now`);
    before = mergedState(old, targets, moving, project.name);
  }

  // 3 and 4. Create the stacks, then move, tenants first.
  for (const state of plan.units) {
    const { stack } = state.unit;
    const cwd = writeStackProject(root, stack, project);
    if (!existing.has(stack)) {
      const init = await pulumi(['stack', 'init', stack], cwd);
      if (init.status !== 0) return refuse([`pulumi stack init ${stack} failed (log ${shown(logFile)}):\n${tail(init.output, 10)}`], `moved so far: see above`);
      existing.add(stack);
    }
    writeStackConfig(root, stack, settings);
  }
  for (const state of plan.units) {
    const { stack, label } = state.unit;
    if (state.status === 'moved') {
      say(`${label}: already in stack ${stack}, skipped`);
      continue;
    }
    if (state.status === 'copied') {
      // `pulumi state move` wrote the destination and stopped before it wrote the source: the old copy goes.
      const removed = await pulumi(['state', 'delete', '--stack', oldStack, '--force', '--target-dependents', '--yes', state.oldUrn]);
      if (removed.status !== 0) return refuse([`${label}: removing the old copy left by an interrupted move from stack ${oldStack} failed (log ${shown(logFile)}):\n${tail(removed.output, 10)}`], 'the split stopped');
      say(`${label}: an interrupted move had left it in stacks ${oldStack} and ${stack}, the same ${state.resources} resources; removed it from ${oldStack}`);
      continue;
    }
    const moved = await pulumi(['state', 'move', '--source', oldStack, '--dest', stack, '--yes', state.oldUrn], stackDir(root, stack));
    if (moved.status !== 0) {
      return refuse([`${label}: pulumi state move to stack ${stack} failed (log ${shown(logFile)}); run this again once the cause is fixed, moved components are skipped:\n${tail(moved.output, 10)}`], 'the split stopped');
    }
    say(`${label}: moved ${state.resources} resources to stack ${stack}`);
  }

  // 5. Nothing lost, nothing recreated, protection kept.
  const check = async (when: string): Promise<number | undefined> => {
    old = await exportOf(oldStack);
    targets = await exportTargets(moving.map((unit) => unit.stack));
    const result = verifySplit(project.name, before, { old, targets }, moving);
    if (result.problems.length > 0) return refuse(result.problems, `the objects differ from before the split ${when}`);
    say(`${when}: ${result.objects} objects in ${moving.length} stacks, each with its id and metadata.uid; ${result.protected} protected, as before`);
    return undefined;
  };
  const moved = await check('after the moves');
  if (moved !== undefined) return moved;

  // 6. Every new stack previews clean, then records its outputs.
  const stacks = moving.map((unit) => unit.stack);
  const fanOut = (action: 'preview' | 'up') =>
    runStacks({
      action,
      projectDir: options.projectDir,
      settingsFile: options.settingsFile,
      workDir: options.workDir,
      selection: { stacks },
      parallel: options.parallel,
      refresh: false,
      expectNoChanges: true,
      progress: out,
      ...(options.env !== undefined && { env: options.env }),
    });
  const failed = (runs: readonly StackRun[]) => runs.filter((run) => run.outcome !== 'succeeded').map((run) => `${run.stack}: ${run.outcome}${run.reason ? ` (${run.reason})` : ''}, log ${run.log}`);
  const previews = failed(await fanOut('preview'));
  if (previews.length > 0) {
    return refuse(
      [
        ...previews,
        `the objects are in the new stacks and nothing in the cluster changed; read the previews above, fix the cause (the settings file, the program version) and run this again`,
      ],
      'a new stack previews changes',
    );
  }
  const updates = failed(await fanOut('up'));
  if (updates.length > 0) return refuse([...updates, 'run this again once the cause is fixed'], 'pulumi up of a new stack failed');
  const final = await check('after pulumi up');
  if (final !== undefined) return final;

  // 7. The old stack is the operator's to remove.
  say(`done: stack ${oldStack} is split into ${sortStackNames(stacks).join(', ')}; from now on deploy them with \`npx mlp deploy --config-file ${options.settingsFile}\` (--all, --affected or --stack)`);
  out.write(
    [
      `Stack ${oldStack} is left with ${old.resources.length} entries and no object: ${old.resources.map((resource) => resource.urn.split('::').slice(2).join('::')).join(', ')}.`,
      `Never run pulumi up on it again: it would take every object over a second time. Remove it once you have checked (docs/deploy.md#moving-from-one-stack-to-many):`,
      `  pulumi stack --stack ${oldStack} --show-urns          # only the stack, its providers and previous-update`,
      `  pulumi stack rm ${oldStack} --force --preserve-config --yes   # removes the state only; the cluster is not touched`,
      `Its state before the split stays in ${shown(beforeFile)}.`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** The tenant names of the tenant files (`<tenant>.yaml`), as `mlp deploy --all` reads them. */
function tenantFiles(tenantsDir: string): string[] {
  try {
    return fs
      .readdirSync(tenantsDir)
      .filter((entry) => /\.ya?ml$/.test(entry))
      .map((entry) => entry.replace(/\.ya?ml$/, ''));
  } catch (error) {
    throw new DeployError(`${tenantsDir}: cannot list the tenant files (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check mlp:tenantsDir in the settings file`);
  }
}

type Pulumi = (args: readonly string[], cwd?: string) => ReturnType<typeof runPulumi>;

/** The stacks of the project on the backend. */
async function listStacks(pulumi: Pulumi, log: string): Promise<Set<string>> {
  const result = await pulumi(['stack', 'ls', '--json']);
  const listed = result.status === 0 ? jsonIn(result.output, '[') : undefined;
  if (!Array.isArray(listed)) throw new DeployError(`pulumi stack ls failed (log ${log}); check the backend (PULUMI_BACKEND_URL or pulumi login):\n${tail(result.output, 10)}`);
  return new Set(listed.map((entry: { name?: unknown }) => String(entry.name).split('/').pop()!));
}

/** The JSON value that starts at the first `start` character of pulumi's output (warnings may come before it). */
function jsonIn(output: string, start: '[' | '{'): unknown {
  try {
    return JSON.parse(output.slice(output.indexOf(start)));
  } catch {
    return undefined;
  }
}

/**
 * The locks of the stacks on a file backend: each lock file
 * (`.pulumi/locks/organization/<project>/<stack>/*.json`) is an update under
 * way, or one that was killed (scripts/pulumi-unlock.sh tells which).
 * `pulumi state move` takes no lock, so an update running beside the split
 * would write its state over the move.
 */
async function lockProblems(pulumi: Pulumi, project: string, stacks: readonly string[]): Promise<{ problems: string[]; notChecked?: string }> {
  const whoami = await pulumi(['whoami', '--json']);
  const url = (jsonIn(whoami.output, '{') as { url?: unknown } | undefined)?.url;
  if (typeof url !== 'string' || !url.startsWith('file://')) {
    return { problems: [], notChecked: `the backend ${typeof url === 'string' ? url : '(unknown)'} is not a file backend, so its locks were not checked: make sure no pulumi up runs on these stacks (stop the deploy workflow) until the split is done` };
  }
  const problems: string[] = [];
  for (const stack of new Set(stacks)) {
    const dir = path.join(url.slice('file://'.length), '.pulumi', 'locks', 'organization', project, stack);
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((file) => file.endsWith('.json')) : [];
    if (files.length > 0) {
      problems.push(`stack ${stack} is locked (${path.join(dir, files[0])}): an update runs or was killed; wait for it, or remove the lock of a killed one with scripts/pulumi-unlock.sh --stack ${stack}`);
    }
  }
  return { problems };
}

/** The state before the split, put together from the stacks as they are (when before.json is gone): the old stack's and the moved components. */
function mergedState(old: StackState, targets: ReadonlyMap<string, StackState>, units: readonly SplitUnit[], project: string): StackState {
  const rename = (urn: string | undefined, stack: string) => urn?.replace(`urn:pulumi:${stack}::`, `urn:pulumi:${old.stack}::`);
  const moved = units.flatMap((unit) => {
    const target = targets.get(unit.stack);
    if (target === undefined || subtree(old, topLevelUrn(old.stack, project, unit.type, unit.name)).length > 0) return [];
    return subtree(target, topLevelUrn(unit.stack, project, unit.type, unit.name)).map((resource) => ({ ...resource, urn: rename(resource.urn, unit.stack)!, parent: rename(resource.parent, unit.stack) }));
  });
  return { ...old, resources: [...old.resources, ...moved] };
}
