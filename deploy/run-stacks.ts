/**
 * `mlp deploy` and `mlp preview`: each selected stack gets its own folder in
 * the work directory and its own `pulumi` process (`pulumi up` or `pulumi
 * preview --diff`), created first when missing (`pulumi stack init`), in the
 * order and parallelism of {@link fanOut}.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FanOutListener, StackResult, fanOut } from './fan-out';
import { PulumiExit, runPulumi } from './pulumi-process';
import { allStacks } from './selection';
import { DeployError } from './deploy-error';
import { EnvironmentSettings, PLATFORM_STACK_KEY, readSettingsFile, requireClusterIdentifier } from './settings-file';
import { PLATFORM_STACK, sortStackNames, tenantOfStack } from '../stacks/stack-names';
import { LOG_FILE, prepareWorkDir, readProject, stackDir, writeStackConfig, writeStackProject } from './work-dir';

/** The pulumi command a fan-out runs on each stack. */
export type PulumiAction = 'up' | 'preview';

/**
 * The stacks to run: named ones (`--stack`, or `affected: true` when `mlp
 * affected` named them), or every stack of the environment.
 */
export type StackSelection = { readonly stacks: readonly string[]; readonly affected?: boolean } | { readonly all: true };

/** What {@link runStacks} runs. */
export interface RunStacksOptions {
  readonly action: PulumiAction;
  /** The project directory (where Pulumi.yaml is); relative paths are resolved against it. */
  readonly projectDir: string;
  /** The environment's settings file, relative to the project directory. */
  readonly settingsFile: string;
  /** The work directory, relative to the project directory. */
  readonly workDir: string;
  readonly selection: StackSelection;
  /** How many tenant stacks run at a time. */
  readonly parallel: number;
  /** Pass `--refresh` to pulumi. */
  readonly refresh: boolean;
  /** Pass `--expect-no-changes` to pulumi preview. */
  readonly expectNoChanges: boolean;
  /**
   * With `preview`: instead of `pulumi preview --diff`, the two previews a
   * drift report compares (`pulumi preview --json`, then with `--refresh`),
   * on the existing stacks only: a stack that does not exist is left out
   * (never deployed, nothing can have drifted), not created.
   */
  readonly drift?: boolean;
  /** Progress lines: a stack started, a stack ended. */
  readonly progress: NodeJS.WritableStream;
  /** The environment of the pulumi processes. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The result of one stack, with its log and what pulumi printed. */
export interface StackRun extends StackResult {
  /** The stack's log, relative to the project directory. */
  readonly log: string;
  /** The output of its pulumi up or preview; undefined when it did not get that far. */
  readonly output?: string;
  /** With `drift`: the JSON of its plain and of its refreshed preview, when both succeeded. */
  readonly previews?: { readonly plain: string; readonly refreshed: string };
}

/** Runs the action on the selected stacks and returns the results in deploy order. */
export async function runStacks(options: RunStacksOptions): Promise<StackRun[]> {
  const project = readProject(options.projectDir);
  const settings = readSettingsFile(options.settingsFile, options.projectDir, project.name);
  requireClusterIdentifier(settings, project.name);
  const root = path.resolve(options.projectDir, options.workDir);
  prepareWorkDir(root, options.workDir);
  const existing = await existingStacks(options, root);
  const selected = withoutNewTenants(options, settings, 'all' in options.selection ? allStacks(settings.tenantsDir, existing) : options.selection.stacks, existing);
  checkPlatformStack(options, settings, selected, existing);
  const stacks = options.drift ? selected.filter((stack) => existing.has(stack)) : selected;
  for (const stack of selected.filter((name) => !stacks.includes(name))) options.progress.write(`mlp: ${stack}: not checked: the stack does not exist (never deployed)\n`);
  const shownLog = (stack: string) => path.relative(options.projectDir, path.join(stackDir(root, stack), LOG_FILE)) || LOG_FILE;

  const outputs = new Map<string, string>();
  const previews = new Map<string, { plain: string; refreshed: string }>();
  const runOne = async (stack: string): Promise<boolean> => {
    try {
      return await runStack(stack);
    } catch (error) {
      // Not pulumi's failure but ours (e.g. a folder that cannot be written): into the stack's log and the progress.
      const message = `mlp: ${stack}: ${(error as Error).message}\n`;
      try {
        fs.appendFileSync(path.join(stackDir(root, stack), LOG_FILE), message);
      } catch {
        // The stack's folder itself cannot be written; the progress line says why.
      }
      options.progress.write(message);
      return false;
    }
  };
  const runStack = async (stack: string): Promise<boolean> => {
    const cwd = writeStackProject(root, stack, project);
    const logFile = path.join(cwd, LOG_FILE);
    fs.writeFileSync(logFile, '');
    const pulumi = (args: readonly string[]): Promise<PulumiExit> => runPulumi({ args, cwd, logFile, env: options.env });
    if (!existing.has(stack)) {
      const init = await pulumi(['stack', 'init', stack, '--non-interactive']);
      if (init.status !== 0) {
        outputs.set(stack, init.output);
        return false;
      }
    }
    writeStackConfig(root, stack, settings);
    if (options.drift) {
      const plain = await pulumi(['preview', '--json', '--stack', stack, '--non-interactive']);
      if (plain.status !== 0) {
        outputs.set(stack, plain.output);
        return false;
      }
      const refreshed = await pulumi(['preview', '--json', '--refresh', '--stack', stack, '--non-interactive']);
      outputs.set(stack, refreshed.output);
      if (refreshed.status !== 0) return false;
      previews.set(stack, { plain: plain.stdout, refreshed: refreshed.stdout });
      return true;
    }
    const result = await pulumi([...actionArgs(options), '--stack', stack, '--non-interactive', '--color', 'never']);
    outputs.set(stack, result.output);
    return result.status === 0;
  };
  const verb = options.action === 'up' ? 'pulumi up' : options.drift ? 'drift check (two previews)' : 'pulumi preview';
  const listener: FanOutListener = {
    started: (stack) => options.progress.write(`mlp: ${stack}: ${verb} started (log ${shownLog(stack)})\n`),
    finished: (result) => options.progress.write(`mlp: ${result.stack}: ${result.outcome} after ${seconds(result.durationMs)}\n`),
  };
  const results = await fanOut(stacks, options.parallel, runOne, listener);
  return results.map((result) => ({
    ...result,
    log: shownLog(result.stack),
    ...(outputs.has(result.stack) && { output: outputs.get(result.stack) }),
    ...(previews.has(result.stack) && { previews: previews.get(result.stack) }),
  }));
}

/**
 * Tenant stacks read the platform stack's output (a StackReference); while
 * that stack does not exist the engine stops each of them with its own
 * `unknown stack` error. When the platform stack is not among the stacks to
 * run and does not exist: `pulumi up` is refused before anything runs,
 * naming the fix; a preview only warns (a pull request may be previewed
 * before the first deploy) and runs, its tenant previews failing.
 * Skipped when `mlp:platformStack` names another stack than the one mlp deploys.
 */
function checkPlatformStack(options: RunStacksOptions, settings: EnvironmentSettings, stacks: readonly string[], existing: ReadonlySet<string>): void {
  const named = settings.config[PLATFORM_STACK_KEY];
  if (named !== undefined && named !== PLATFORM_STACK) return;
  const tenants = sortStackNames(stacks.filter((stack) => tenantOfStack(stack) !== undefined));
  if (tenants.length === 0 || stacks.includes(PLATFORM_STACK) || existing.has(PLATFORM_STACK)) return;
  const fix = `npx mlp deploy --stack ${PLATFORM_STACK} --config-file ${settings.file}`;
  const problem = `stack ${PLATFORM_STACK} does not exist, and tenant stacks read the platform from it (${tenants.join(', ')})`;
  if (options.action === 'up') throw new DeployError(`${problem}; deploy it first: ${fix}. Nothing was run`);
  options.progress.write(`mlp: warning: ${problem}: their previews fail (error: unknown stack) until it is deployed (${fix})\n`);
}

/**
 * A stack is never created for a tenant without a tenant file: the program
 * would refuse it, leaving an empty stack that fails every later `--all`.
 * Such a stack named with `--stack` is refused before anything runs; one
 * named by `mlp affected` (a decommissioned tenant) is left out with a note.
 */
function withoutNewTenants(options: RunStacksOptions, settings: EnvironmentSettings, stacks: readonly string[], existing: ReadonlySet<string>): string[] {
  const command = options.action === 'up' ? 'deploy' : 'preview';
  const kept: string[] = [];
  for (const stack of stacks) {
    const tenant = tenantOfStack(stack);
    const hasFile = tenant !== undefined && ['yaml', 'yml'].some((ext) => fs.existsSync(path.join(settings.tenantsDir, `${tenant}.${ext}`)));
    if (tenant === undefined || existing.has(stack) || hasFile) {
      kept.push(stack);
    } else if ('stacks' in options.selection && options.selection.affected !== true) {
      throw new DeployError(
        `stack ${stack}: ${path.join(settings.tenantsDir, `${tenant}.yaml`)} does not exist and the stack does not exist: nothing to ${command}; ` +
          `add the tenant file, or leave --stack ${stack} out. Nothing was run`,
      );
    } else {
      options.progress.write(`mlp: ${stack}: no tenant file and no stack: nothing to ${command}\n`);
    }
  }
  return kept;
}

/** The pulumi command and its options, without the stack. */
function actionArgs(options: RunStacksOptions): string[] {
  const refresh = options.refresh ? ['--refresh'] : [];
  // `up` without its own preview: the pull request previewed (mlp preview), as pulumi/actions' `up` did.
  if (options.action === 'up') return ['up', '--yes', '--skip-preview', '--diff', ...refresh];
  return ['preview', '--diff', ...refresh, ...(options.expectNoChanges ? ['--expect-no-changes'] : [])];
}

/** The stacks of the project on the backend (`pulumi stack ls --json`, run in the project directory). */
async function existingStacks(options: RunStacksOptions, root: string): Promise<Set<string>> {
  const logFile = path.join(root, 'stack-ls.log');
  fs.writeFileSync(logFile, '');
  const result = await runPulumi({ args: ['stack', 'ls', '--json', '--non-interactive'], cwd: options.projectDir, logFile, env: options.env });
  const failure = (why: string) =>
    new DeployError(`pulumi stack ls ${why}; nothing was run (log ${path.relative(options.projectDir, logFile)}). Check the backend (PULUMI_BACKEND_URL or pulumi login):\n${tail(result.output, 10)}`);
  if (result.status !== 0) throw failure(`exited ${result.status ?? 'without a status'}`);
  let listed: unknown;
  try {
    listed = JSON.parse(result.output.slice(result.output.indexOf('[')));
  } catch {
    throw failure('printed no JSON list');
  }
  if (!Array.isArray(listed)) throw failure('printed no JSON list');
  return new Set(listed.map((entry: { name?: unknown }) => String(entry.name).split('/').pop()!));
}

/** The last `count` lines of a text. */
export function tail(text: string, count: number): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.slice(-count).join('\n');
}

/** A duration for people: `12.3 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A stack's result in words: `succeeded`, `failed`, `not run: platform failed`. */
export function describe(result: StackResult): string {
  return result.reason === undefined ? result.outcome : `${result.outcome}: ${result.reason}`;
}

/** How many diagnostic lines {@link diagnostics} prints per stack. */
export const DIAGNOSTIC_LINES = 10;

/**
 * What pulumi said about each stack, for the end of a run (the logs hold
 * everything): for a failed stack its `error:` and `warning:` lines, for the
 * others the `warning:` lines of the program (`warning: mlp: ...`); at most
 * {@link DIAGNOSTIC_LINES} lines each. Empty when there is nothing to say.
 */
export function diagnostics(runs: readonly StackRun[]): string {
  return runs
    .flatMap((run) => {
      const failed = run.outcome === 'failed';
      const lines = (run.output ?? '')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => (failed ? /^(error|warning): /.test(line) : /^warning: mlp: /.test(line)));
      if (lines.length === 0) return [];
      const shown = lines.slice(0, DIAGNOSTIC_LINES).map((line) => `  ${line}\n`);
      const more = lines.length > DIAGNOSTIC_LINES ? [`  ... ${lines.length - DIAGNOSTIC_LINES} more lines in the log\n`] : [];
      return [`mlp: ${run.stack} ${failed ? 'failed' : 'warned'} (log ${run.log}):\n`, ...shown, ...more];
    })
    .join('');
}

/** The closing line when any stack failed or did not run, naming them; undefined when all succeeded. */
export function failureLine(action: PulumiAction, runs: readonly StackRun[]): string | undefined {
  const failed = runs.filter((run) => run.outcome === 'failed').map((run) => run.stack);
  const notRun = runs.filter((run) => run.outcome === 'not run');
  if (failed.length === 0 && notRun.length === 0) return undefined;
  const parts = [`pulumi ${action} failed for ${failed.length} of ${runs.length} ${runs.length === 1 ? 'stack' : 'stacks'}: ${failed.join(', ')}`];
  if (notRun.length > 0) parts.push(`not run (${notRun[0].reason}): ${notRun.map((run) => run.stack).join(', ')}`);
  return `mlp: ${parts.join('; ')}; their logs are in the table above\n`;
}
