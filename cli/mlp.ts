/**
 * The `mlp` command line: synth, validate, schema, diff, report and affected, parsed
 * with commander (per-command options and help, `mlp help`, `--version`).
 * Problems in input files are printed one per line with file, line and
 * field, never as a stack trace; the exit status is 1 for problems and 2
 * for a wrong invocation or an output path mlp refuses to write to.
 * `mlp deploy`, `mlp preview` and `mlp split-stack` run pulumi processes, so their status
 * comes as a promise.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError, Option } from 'commander';
import { ValidationError, formatProblem } from '../config/problems';
import { jsonSchemaFiles } from '../config/schema/json-schema';
import { OutputRefusedError, TreeDifference, compareFiles, makeDirs } from '../synthesis/output-tree';
import { synthesize } from '../stacks/pipeline';
import { renderGroups } from '../synthesis/render';
import { SynthSummary, synthToDir } from '../synthesis/synth-to-dir';
import { DEFAULT_WORK_DIR } from '../deploy/work-dir';
import { AFFECTED_FORMATS, affectedStackNames, runAffected } from './affected';
import { AffectedStacks, FanOutOptions, runFanOut } from './deploy';
import { SplitStackCliOptions, runSplitStack } from './split-stack';
import { DIFF_FORMATS, runDiff } from './diff';
import { counted } from './format';
import { writePolicyNotes } from './policies';
import { REPORT_FORMATS, runReport } from './report';
import { UsageError } from './usage-error';


/** An error of commander's, with the subcommand that raised it. */
type CommandError = CommanderError & { command?: string; operands?: string[] };

/** An output path mlp refuses or cannot write to, for the message. */
interface OutputTarget {
  readonly shown: string;
  readonly writing: boolean;
}

/** The options every command may be given; each command declares the ones it takes. */
interface Options extends FanOutOptions, SplitStackCliOptions {
  readonly platform: string;
  readonly tenants: string;
  readonly out?: string;
  readonly check?: boolean;
  readonly incremental?: boolean;
  readonly jobs?: string;
  readonly format: string;
  readonly shards?: string;
}

/**
 * Runs the command line and returns the exit status (a promise of it for
 * `deploy` and `preview`); never calls process.exit.
 */
export function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, affectedStacks: AffectedStacks = affectedStackNames): number | Promise<number> {
  let command = '';
  let target: OutputTarget | undefined;
  const outcome: { status: number | Promise<number> } = { status: 0 };
  const program = buildProgram(out, err, (name, options) => {
    command = name;
    outcome.status = run(name, options, out, err, affectedStacks, (shown, writing) => (target = { shown, writing }));
  });
  const fail = (error: unknown): number => {
    if (error instanceof CommanderError) return commanderExit(program, error, err);
    if (error instanceof UsageError) {
      err.write(`mlp: ${error.message}; see \`${['mlp', error.command, '--help'].filter(Boolean).join(' ')}\`\n`);
      return 2;
    }
    if (error instanceof ValidationError) {
      const writes = command === 'synth' || command === 'schema';
      err.write(`mlp: ${counted(error.problems.length, 'problem')} found${writes ? '; nothing was written' : ''}\n`);
      for (const problem of error.problems) err.write(`${formatProblem(problem)}\n`);
      return 1;
    }
    if (error instanceof OutputRefusedError) {
      err.write(`mlp: ${error.message}\n`);
      return 2;
    }
    const code = fileSystemErrorCode(error);
    if (code !== undefined) {
      const where = target === undefined ? '' : `cannot ${target.writing ? 'write' : 'read'} ${target.shown}: `;
      err.write(`mlp: ${where}${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  };
  try {
    if (argv[0] === 'help' && argv[1] !== undefined && !program.commands.some((candidate) => candidate.name() === argv[1])) {
      throw new UsageError(`unknown command "${argv[1]}"`, '');
    }
    program.parse([...argv], { from: 'user' });
    return typeof outcome.status === 'number' ? outcome.status : outcome.status.catch(fail);
  } catch (error) {
    return fail(error);
  }
}

/** The commands and their options. `onRun` is called with the command's name and options. */
function buildProgram(out: NodeJS.WritableStream, err: NodeJS.WritableStream, onRun: (name: string, options: Options) => void): Command {
  const program = new Command('mlp')
    .description('A multi-tenant ML platform on Kubernetes as code: tenant files in, manifests out.')
    .usage('<command> [options]')
    .version(packageVersion(), '-V, --version', 'print the version of mlp')
    .helpOption('-h, --help', 'show this help')
    .helpCommand('help [command]', 'show the help of mlp or of a command')
    .configureOutput({ writeOut: (text) => out.write(text), writeErr: (text) => err.write(text), outputError: () => undefined })
    .showSuggestionAfterError(true)
    .exitOverride();
  const inputs = (command: Command) =>
    command.option('--platform <file>', 'platform file', 'platform.yaml').option('--tenants <dir>', 'folder of tenant files', 'tenants');
  const add = (name: string, summary: string, description: string) => {
    const command = program.command(name).summary(summary).description(description).helpOption('-h, --help', 'show this help');
    command.action((options: Options) => onRun(name, options));
    command.exitOverride((error) => {
      throw Object.assign(error, { command: name, operands: [...command.args] });
    });
    return command;
  };

  inputs(add('synth', 'write the manifests of the platform and every tenant to the output folder', SYNTH_DESCRIPTION))
    .option('--out <dir>', 'output folder (default: $CDK8S_OUTDIR, else dist)')
    .option('--check', 'write nothing; exit 1 and list the files that differ when the output folder is stale')
    .option('--no-incremental', 'synthesize every tenant, also those unchanged since the last run')
    .option('--jobs <n>', 'threads to synthesize with (default: one per core, one for few tenants)');
  inputs(add('validate', 'check the platform file and every tenant file; write nothing', 'Check the platform file and every tenant file, synthesize in memory and run the policy checks; write nothing.'));
  add('schema', 'write the JSON Schemas of the tenant and platform files', 'Write tenant.schema.json and platform.schema.json into the output folder; no other file is touched.')
    .option('--out <dir>', 'output folder', 'schema')
    .option('--check', 'write nothing; exit 1 and list the files that differ when they are stale');
  inputs(add('diff', 'show what the tenant files change against a git revision, per tenant', 'Synthesize the tenant files of a git revision and of the work tree and show, per tenant, the objects added, removed and changed, the quota and cost change and security-relevant changes (docs/reviewing.md). Writes nothing.'))
    .option('--base <rev>', 'the git revision to compare against', 'HEAD')
    .addOption(new Option('--format <format>', `output format: ${DIFF_FORMATS.join(', ')}`).default('text'));
  inputs(add('report', 'show quota, requested resources and monthly cost per tenant', 'Show quota, requested resources and monthly cost per tenant, with totals and the GPU commitment by GPU type. Writes nothing.'))
    .addOption(new Option('--format <format>', `output format: ${REPORT_FORMATS.join(', ')}`).default('text'));
  const fanOut = (command: Command) =>
    command
      .option('--stack <name>', 'a stack to run: platform or tenant-<tenant> (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
      .option('--affected', 'the stacks whose objects differ from those of --base (mlp affected)')
      .option('--base <ref>', 'with --affected: the git revision whose dist/ is deployed')
      .option('--all', 'the platform stack, a stack per tenant file and every tenant stack whose file is gone')
      .addOption(new Option('--parallel <n>', 'tenant stacks at a time (the platform stack runs first, alone)').default('2', '2'))
      .option('--refresh', 'read the live objects first (pulumi --refresh)')
      .option('--config-file <file>', "the environment's settings file: every mlp: setting but mlp:part", 'Pulumi.dev.yaml')
      .option('--work-dir <dir>', 'the folder of the per-stack folders and logs', DEFAULT_WORK_DIR);
  fanOut(add('deploy', 'pulumi up on the platform stack, then on tenant stacks in parallel', DEPLOY_DESCRIPTION('pulumi up')));
  fanOut(add('preview', 'pulumi preview --diff on the platform stack and tenant stacks in parallel', DEPLOY_DESCRIPTION('pulumi preview --diff')))
    .option('--expect-no-changes', 'fail a stack whose preview shows changes (pulumi --expect-no-changes)')
    .option('--summary-file <file>', 'write a markdown summary per stack, for a pull-request comment')
    .option('--drift', 'report drift instead: per existing stack a plain and a refreshed pulumi preview --json; print what only the refreshed one changes, exit 1 when any');
  inputs(add('affected', 'list the Pulumi stacks whose objects differ from a git revision', AFFECTED_DESCRIPTION))
    .option('--base <rev>', 'the git revision to compare against', 'HEAD')
    .option('--out <dir>', 'the output folder committed at that revision (default: $CDK8S_OUTDIR, else dist)')
    .addOption(new Option('--format <format>', `output format: ${AFFECTED_FORMATS.join(', ')}`).default('text'))
    .option('--shards <n>', 'with --format json: also group the stacks into at most n shards for a CI matrix, the platform stack alone in the first')
    .option('--config-file <file>', "also compare the environment's settings file (e.g. Pulumi.prod.yaml): mlp:decommission entries affect those tenants' stacks, mlp:crdFiles the platform stack, any other key every stack");
  add('split-stack', 'move a single stack to the platform stack and one stack per tenant, recreating nothing', SPLIT_STACK_DESCRIPTION)
    .option('--from <stack>', 'the single stack to split (mlp:part unset)')
    .option('--config-file <file>', "the environment's settings file: every mlp: setting but mlp:part", 'Pulumi.dev.yaml')
    .option('--work-dir <dir>', 'the folder of the per-stack folders and logs', DEFAULT_WORK_DIR)
    .addOption(new Option('--parallel <n>', 'tenant stacks previewed and updated at a time').default('2', '2'));
  return program;
}

const DEPLOY_DESCRIPTION = (pulumi: string) =>
  [
    `Run ${pulumi} on each chosen stack (exactly one of --stack, --affected --base, --all), each in its own process and`,
    'folder <work-dir>/<stack>/ with its log pulumi.log there; a missing stack is created. The platform stack runs first; when it',
    'fails no tenant stack runs; tenant stacks run --parallel at a time and one failing does not stop the others. Ends with a',
    'table of the results, and exit status 1 naming every stack that failed (docs/deploy.md#deploying-many-stacks).',
  ].join(' ');

const SPLIT_STACK_DESCRIPTION = [
  'Move every tenant of the single stack --from to its stack tenant-<tenant> and the platform to the stack platform with',
  'pulumi state move (no object is recreated; protect flags move with them), then check that every object kept its id,',
  'metadata.uid and protect flag, that every new stack previews with no changes, and run pulumi up on each (which changes',
  'nothing and records their outputs). Refuses before moving anything when a stack is locked, the settings file\'s',
  'mlp:clusterIdentifier is not the old stack\'s, or the old stack does not match the files. Safe to run again: what has',
  'moved is skipped. The old stack is left for you to remove (docs/deploy.md#moving-from-one-stack-to-many).',
].join(' ');

const SYNTH_DESCRIPTION = [
  'Write dist/<tenant>/<kind>-<name>.yaml and dist/_platform/. Only changed folders are written, swapped in under a journal,',
  'so a failed or interrupted run leaves the output folder as it was. The output folder must not exist, be empty, or carry',
  'the .mlp-output marker that synth writes into it; synth replaces and removes only the folders it wrote and keeps every',
  'other file there.',
].join(' ');

const AFFECTED_DESCRIPTION = [
  'List the Pulumi stacks whose objects differ between a git revision and the work tree: the platform stack when',
  'dist/_platform/ would change, tenant-<name> when dist/<name>/ would (a tenant added or removed included). The',
  "revision's objects are its committed dist/; the work tree is synthesized in memory. A change of the Pulumi program",
  '(stacks/pulumi/, Pulumi.yaml, the @pulumi/pulumi or @pulumi/kubernetes version in package-lock.json), or a revision',
  'without dist/, affects every stack. Text gives each stack with the reason; --format json gives {"version": 1, "stacks": [...]},',
  'and with --shards N also "shards": [{"index": 1, "stacks": ["platform"]}, {"index": 2, "stacks": [...]}, ...], at most N.',
  'Writes nothing.',
].join(' ');

/** The command that brings stale output up to date: the same command with the input and output options given. */
function fixCommand(command: 'synth' | 'schema', options: Options): string {
  const quoted = (value: string) => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);
  const given = (flag: string, value: string | undefined, otherwise?: string) => (value === undefined || value === otherwise ? [] : [flag, quoted(value)]);
  return ['npx mlp', command, ...given('--platform', options.platform, 'platform.yaml'), ...given('--tenants', options.tenants, 'tenants'), ...given('--out', options.out)].join(' ');
}

/** Runs one command and returns its exit status. `writes` tells which output path it reads or writes, for messages. */
function run(
  command: string,
  options: Options,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  affectedStacks: AffectedStacks,
  writes: (shown: string, writing: boolean) => void,
): number | Promise<number> {
  switch (command) {
    case 'synth': {
      // cdk8s synth (cdk8s.yaml) names its output directory in CDK8S_OUTDIR.
      const outDir = options.out ?? process.env.CDK8S_OUTDIR ?? 'dist';
      const jobs = options.jobs === undefined ? undefined : Number(options.jobs);
      if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError(`--jobs ${options.jobs}: expected a whole number >= 1`, command);
      writes(outDir, !options.check);
      const summary = synthToDir({
        platformFile: options.platform,
        tenantsDir: options.tenants,
        outDir,
        check: options.check ?? false,
        incremental: options.incremental !== false,
        ...(jobs !== undefined && { workers: jobs - 1 }),
      });
      writePolicyNotes(summary, out);
      if (summary.difference) return reportDifference(outDir, summary.difference, summary.manifests, fixCommand('synth', options), out);
      out.write(synthMessage(outDir, summary));
      return 0;
    }
    case 'validate': {
      const { config, groups, ...notes } = synthesize({ platformFile: options.platform, tenantsDir: options.tenants });
      writePolicyNotes(notes, out);
      const files = renderGroups(groups);
      const tenantFiles = counted(config.tenants.length, 'tenant file');
      out.write(`mlp: ${config.file} and ${tenantFiles} ${config.tenants.length === 1 ? 'is' : 'are'} valid (${counted(files.size, 'manifest')})\n`);
      return 0;
    }
    case 'schema': {
      const outDir = options.out!;
      writes(outDir, !options.check);
      const files = jsonSchemaFiles();
      if (options.check) return reportDifference(outDir, compareFiles(readFiles(outDir, [...files.keys()]), files), files.size, fixCommand('schema', options), out);
      writeSchemaFiles(outDir, files);
      out.write(`mlp: wrote ${[...files.keys()].join(', ')} to ${outDir}/\n`);
      return 0;
    }
    case 'diff':
      return runDiff({ base: options.base!, format: chooseFormat(command, options.format, DIFF_FORMATS), platformFile: options.platform, tenantsDir: options.tenants }, out);
    case 'affected': {
      const format = chooseFormat(command, options.format, AFFECTED_FORMATS);
      const shards = options.shards === undefined ? undefined : Number(options.shards);
      if (shards !== undefined && !(Number.isInteger(shards) && shards >= 1)) throw new UsageError(`--shards ${options.shards}: expected a whole number >= 1`, command);
      if (shards !== undefined && format !== 'json') throw new UsageError('--shards goes with --format json', command);
      return runAffected(
        {
          base: options.base!,
          format,
          ...(shards !== undefined && { shards }),
          platformFile: options.platform,
          tenantsDir: options.tenants,
          outDir: options.out ?? process.env.CDK8S_OUTDIR ?? 'dist',
          ...(options.configFile !== undefined && { configFile: options.configFile }),
        },
        out,
      );
    }
    case 'report':
      return runReport({ format: chooseFormat(command, options.format, REPORT_FORMATS), platformFile: options.platform, tenantsDir: options.tenants }, out);
    case 'deploy':
    case 'preview':
      return runFanOut(command === 'deploy' ? 'up' : 'preview', options, out, err, affectedStacks);
    case 'split-stack':
      return runSplitStack(options, out, err);
    default:
      throw new Error(`no handler for command ${command}`);
  }
}

/**
 * The exit status for commander's way out: 0 after help or the version,
 * else 2 with one line naming the problem (for an option another command
 * takes, which one does) and where the help is.
 */
function commanderExit(program: Command, error: CommanderError, err: NodeJS.WritableStream): number {
  if (error.exitCode === 0) return 0;
  if (error.code === 'commander.help') return 2; // `mlp` alone: the help went to stderr
  const { command, text } = describeCommanderError(program, error);
  err.write(`mlp: ${text}; see \`${['mlp', command, '--help'].filter(Boolean).join(' ')}\`\n`);
  return 2;
}

function describeCommanderError(program: Command, error: CommanderError): { command: string; text: string } {
  const lines = error.message.replace(/^error: /, '').split('\n');
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(lines[1] ?? '')?.[1];
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  const { command = '', operands = [] } = error as CommandError;
  if (error.code === 'commander.unknownCommand') {
    return { command: '', text: `unknown command "${/'([^']*)'/.exec(lines[0])?.[1] ?? ''}"${hint}` };
  }
  if (error.code === 'commander.unknownOption') {
    const flag = (/'([^']*)'/.exec(lines[0])?.[1] ?? '').split('=')[0];
    const takers = program.commands.filter((candidate) => candidate.options.some((option) => option.long === flag)).map((candidate) => candidate.name());
    if (takers.includes(command)) return { command, text: `${flag} takes no value` };
    if (command === '') return { command, text: takers.length === 0 ? `unknown option ${flag}${hint}` : `${flag} is an option of ${listed(takers)}: put it after the command` };
    return { command, text: `${command} does not take ${flag}${takers.length === 0 ? hint : ` (${listed(takers)} ${takers.length === 1 ? 'does' : 'do'})`}` };
  }
  if (error.code === 'commander.excessArguments') return { command, text: `${command} takes only options, got ${operands.map((operand) => `"${operand}"`).join(' ')}` };
  return { command, text: `${lines[0]}${hint}` };
}

function listed(names: readonly string[]): string {
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The --format value, checked against the command's formats. */
function chooseFormat<F extends string>(command: string, format: string, formats: readonly F[]): F {
  if (!(formats as readonly string[]).includes(format)) throw new UsageError(`--format ${format}: expected one of ${formats.join(', ')}`, command);
  return format as F;
}

/** The errno code of a file-system error, also of one passed on by a synthesis worker (then only its message is left). */
function fileSystemErrorCode(error: unknown): string | undefined {
  // Not `instanceof Error`: errors of Node's fs come from another realm under jest.
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as NodeJS.ErrnoException;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  return typeof message === 'string' ? /^(E[A-Z]+): /.exec(message)?.[1] : undefined;
}

/** The version in mlp's package.json, found upwards from this file (cli/ in tests, build/cli/ when built). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'mlp' && manifest.version !== undefined) return manifest.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** What `mlp synth` did: every folder written, or which were added, rewritten and removed, and how many were unchanged or skipped. */
function synthMessage(outDir: string, summary: SynthSummary): string {
  const folders = summary.tenants + 1;
  const totals = `${counted(summary.manifests, 'manifest')} of ${counted(summary.tenants, 'tenant')}`;
  if (summary.added.length === folders && summary.removed.length === 0) return `mlp: wrote ${totals} to ${outDir}/\n`;
  const names = (dirs: readonly string[]) => (dirs.length > 10 ? `${dirs.slice(0, 10).join('/, ')}/ and ${dirs.length - 10} more` : `${dirs.join('/, ')}/`);
  const rewritten = summary.written.filter((dir) => !summary.added.includes(dir));
  const changes = [
    ...(summary.added.length > 0 ? [`added ${names(summary.added)}`] : []),
    ...(rewritten.length > 0 ? [`rewrote ${names(rewritten)}`] : []),
    ...(summary.removed.length > 0 ? [`removed ${names(summary.removed)}`] : []),
  ];
  const skipped = folders - summary.synthesized;
  const unchanged = `${folders - summary.written.length} of ${counted(folders, 'folder')} unchanged, ${skipped} skipped as unchanged since the last run`;
  return changes.length === 0
    ? `mlp: ${outDir}/ is up to date: ${totals} (${unchanged})\n`
    : `mlp: updated ${outDir}/: ${totals}; ${changes.join('; ')} (${unchanged})\n`;
}

/** The files `names` of `dir` that exist, by name. */
function readFiles(dir: string, names: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) files.set(name, fs.readFileSync(file, 'utf8'));
  }
  return files;
}

/**
 * Writes the schema files into `dir`, creating it when absent. Refuses (and
 * touches nothing) when `dir` is not a folder or a schema file's name is
 * taken by something other than a file; writes each file beside its place
 * first and renames, so that a failure leaves the previous files.
 */
function writeSchemaFiles(dir: string, files: ReadonlyMap<string, string>): void {
  const stats = fs.statSync(dir, { throwIfNoEntry: false });
  if (stats !== undefined && !stats.isDirectory()) {
    throw new OutputRefusedError(`${dir} is a file, not a folder; schema writes ${[...files.keys()].join(' and ')} into a folder: choose another (--out)`);
  }
  for (const name of files.keys()) {
    const existing = fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false });
    if (existing !== undefined && !existing.isFile()) throw new OutputRefusedError(`${path.join(dir, name)} is not a file; schema writes a file of that name: move it away or choose another folder (--out)`);
  }
  makeDirs(dir);
  const temporary = (name: string) => path.join(dir, `.${name}.mlp-tmp-${process.pid}`);
  try {
    for (const [name, content] of files) fs.writeFileSync(temporary(name), content);
    for (const name of files.keys()) fs.renameSync(temporary(name), path.join(dir, name));
  } finally {
    for (const name of files.keys()) fs.rmSync(temporary(name), { force: true });
  }
}

function reportDifference(dir: string, difference: TreeDifference, files: number, fix: string, out: NodeJS.WritableStream): number {
  const lines = [
    ...difference.missing.map((file) => `  missing: ${dir}/${file}`),
    ...difference.changed.map((file) => `  changed: ${dir}/${file}`),
    ...difference.extra.map((file) => `  extra:   ${dir}/${file}`),
  ];
  if (lines.length === 0) {
    out.write(`mlp: ${dir}/ is up to date (${counted(files, 'file')})\n`);
    return 0;
  }
  out.write(`mlp: ${dir}/ is stale; run \`${fix}\` and commit the result:\n${lines.join('\n')}\n`);
  return 1;
}

if (require.main === module) {
  void Promise.resolve(main(process.argv.slice(2))).then((status) => {
    process.exitCode = status;
  });
}
