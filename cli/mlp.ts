/**
 * The `mlp` command line: synth, validate and schema. Problems in input files
 * are printed one per line with file, line and field, never as a stack trace;
 * the exit status is 1 for problems and 2 for a wrong invocation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadConfig } from '../lib/load';
import { ValidationError, formatProblem } from '../lib/problems';
import { jsonSchemaFiles } from '../lib/schema/json-schema';
import { TreeDifference, compareTree } from '../stacks/output-tree';
import { renderGroups, synthesizeAll } from '../stacks/synth';
import { SynthSummary, synthToDir } from '../stacks/synth-to-dir';
import { DIFF_FORMATS, runDiff } from './diff';
import { checkPolicies, writePolicyNotes } from './policies';
import { REPORT_FORMATS, runReport } from './report';

const USAGE = `Usage: mlp <command> [options]

Commands:
  synth      Write the manifests of the platform and every tenant to the output directory
  validate   Check the platform file and every tenant file; write nothing
  schema     Write the JSON Schemas of the tenant and platform files
  diff       Show what the tenant files change against a git revision, per tenant (docs/reviewing.md)
  report     Show quota, requested resources and monthly cost per tenant

Options:
  --platform FILE   platform file (default: platform.yaml)
  --tenants DIR     directory of tenant files (default: tenants)
  --out DIR         output directory (default: dist for synth, schema for schema)
  --check           synth, schema: write nothing; exit 1 and list the files that differ when the output is stale
  --no-incremental  synth: synthesize every tenant, also those unchanged since the last run
  --jobs N          synth: threads to synthesize with (default: one per core, one for few tenants)
  --base REV        diff: the git revision to compare against (default: HEAD)
  --format FORMAT   diff: text, markdown or json; report: text, markdown, json or csv (default: text)
  -h, --help        show this help
`;

/** A wrong invocation: printed with the usage, exit status 2. */
class UsageError extends Error {}

/** Runs the command line and returns the exit status. */
export function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): number {
  try {
    return run(argv, out);
  } catch (error) {
    if (error instanceof ValidationError) {
      err.write(`mlp: ${error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`} found; nothing was written\n`);
      for (const problem of error.problems) err.write(`${formatProblem(problem)}\n`);
      return 1;
    }
    if (error instanceof UsageError) {
      err.write(`mlp: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

function run(argv: readonly string[], out: NodeJS.WritableStream): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        platform: { type: 'string', default: 'platform.yaml' },
        tenants: { type: 'string', default: 'tenants' },
        out: { type: 'string' },
        check: { type: 'boolean', default: false },
        'no-incremental': { type: 'boolean', default: false },
        jobs: { type: 'string' },
        base: { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'no command given' : `expected one command, got ${positionals.join(' ')}`);
  }
  const [command] = positionals;
  const load = () => loadConfig({ platformFile: values.platform!, tenantsDir: values.tenants! });

  switch (command) {
    case 'synth': {
      // cdk8s synth (cdk8s.yaml) names its output directory in CDK8S_OUTDIR.
      const outDir = values.out ?? process.env.CDK8S_OUTDIR ?? 'dist';
      const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
      if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError(`--jobs ${values.jobs}: expected a whole number >= 1`);
      const summary = synthToDir({
        platformFile: values.platform!,
        tenantsDir: values.tenants!,
        outDir,
        check: values.check,
        incremental: !values['no-incremental'],
        ...(jobs !== undefined && { workers: jobs - 1 }),
      });
      writePolicyNotes(summary, out);
      if (summary.difference) return reportDifference(outDir, summary.difference, summary.manifests, 'npx mlp synth', out);
      out.write(synthMessage(outDir, summary));
      return 0;
    }
    case 'validate': {
      const config = load();
      const groups = synthesizeAll(config);
      checkPolicies(config, groups, out);
      const files = renderGroups(groups);
      out.write(`mlp: ${config.file} and ${config.tenants.length} tenant files are valid (${files.size} manifests)\n`);
      return 0;
    }
    case 'schema': {
      const files = jsonSchemaFiles();
      const outDir = values.out ?? 'schema';
      if (values.check) return checkTree(outDir, files, 'npx mlp schema', out);
      fs.mkdirSync(outDir, { recursive: true });
      for (const [file, content] of files) fs.writeFileSync(path.join(outDir, file), content);
      out.write(`mlp: wrote ${[...files.keys()].join(', ')} to ${outDir}/\n`);
      return 0;
    }
    case 'diff':
      return runDiff({ base: values.base ?? 'HEAD', format: chooseFormat(values.format, DIFF_FORMATS), platformFile: values.platform!, tenantsDir: values.tenants! }, out);
    case 'report':
      return runReport({ format: chooseFormat(values.format, REPORT_FORMATS), platformFile: values.platform!, tenantsDir: values.tenants! }, out);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** The --format value, checked against the command's formats; text when absent. */
function chooseFormat<F extends string>(value: string | undefined, formats: readonly F[]): F {
  const format = value ?? 'text';
  if (!(formats as readonly string[]).includes(format)) throw new UsageError(`--format ${format}: expected one of ${formats.join(', ')}`);
  return format as F;
}

/** What `mlp synth` did: every folder written, or which were and how many were unchanged or skipped. */
function synthMessage(outDir: string, summary: SynthSummary): string {
  const folders = summary.tenants + 1;
  const totals = `${summary.manifests} manifests of ${summary.tenants} tenants`;
  if (summary.written.length === folders && summary.removed.length === 0) return `mlp: wrote ${totals} to ${outDir}/\n`;
  const names = (dirs: readonly string[]) => (dirs.length > 10 ? `${dirs.slice(0, 10).join('/, ')}/ and ${dirs.length - 10} more` : `${dirs.join('/, ')}/`);
  const changes = [
    ...(summary.written.length > 0 ? [`rewrote ${names(summary.written)}`] : []),
    ...(summary.removed.length > 0 ? [`removed ${names(summary.removed)}`] : []),
  ];
  const unchanged = `${folders - summary.written.length} of ${folders} folders unchanged, ${folders - summary.synthesized} skipped as unchanged since the last run`;
  return changes.length === 0
    ? `mlp: ${outDir}/ is up to date: ${totals} (${unchanged})\n`
    : `mlp: updated ${outDir}/: ${totals}; ${changes.join('; ')} (${unchanged})\n`;
}

function checkTree(dir: string, files: ReadonlyMap<string, string>, fix: string, out: NodeJS.WritableStream): number {
  return reportDifference(dir, compareTree(dir, files), files.size, fix, out);
}

function reportDifference(dir: string, difference: TreeDifference, files: number, fix: string, out: NodeJS.WritableStream): number {
  const lines = [
    ...difference.missing.map((file) => `  missing: ${dir}/${file}`),
    ...difference.changed.map((file) => `  changed: ${dir}/${file}`),
    ...difference.extra.map((file) => `  extra:   ${dir}/${file}`),
  ];
  if (lines.length === 0) {
    out.write(`mlp: ${dir}/ is up to date (${files} files)\n`);
    return 0;
  }
  out.write(`mlp: ${dir}/ is stale; run \`${fix}\` and commit the result:\n${lines.join('\n')}\n`);
  return 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
