import * as fs from 'fs';
import * as path from 'path';
import { readTree } from '../../synthesis/output-tree';
import { CliResult, runMlp } from '../support/cli';
import { REPO_ROOT, minimalTenant, scratchProject } from '../support/fixtures';

/** Runs `mlp` in a scratch project and returns its exit status and output. */
function run(project: { dir: string }, ...args: string[]): CliResult {
  return runMlp(project.dir, ...args);
}

describe('mlp', () => {
  let project: ReturnType<typeof scratchProject>;
  beforeEach(() => {
    project = scratchProject({ 'alpha.yaml': minimalTenant('alpha'), 'beta.yaml': minimalTenant('beta') });
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('synth writes the manifests of every tenant and the platform', () => {
    const result = run(project, 'synth');
    expect(result).toEqual({ status: 0, stdout: 'mlp: wrote 53 manifests of 2 tenants to dist/\n', stderr: '' });
    const files = [...readTree(path.join(project.dir, 'dist')).keys()];
    expect(files).toContain('alpha/namespace-alpha.yaml');
    expect(files).toContain('beta/resourcequota-tenant-quota.yaml');
    expect(files).toContain('_platform/priorityclass-mlp-batch.yaml');
  });

  test('synth removes the folder of a deleted tenant', () => {
    run(project, 'synth');
    fs.rmSync(path.join(project.tenantsDir, 'beta.yaml'));
    expect(run(project, 'synth').status).toBe(0);
    expect(fs.existsSync(path.join(project.dir, 'dist', 'beta'))).toBe(false);
    expect(fs.existsSync(path.join(project.dir, 'dist', 'alpha'))).toBe(true);
  });

  test('fails on bad input with every problem, exit status 1, and leaves dist/ exactly as it was', () => {
    expect(run(project, 'synth').status).toBe(0);
    const before = readTree(path.join(project.dir, 'dist'));
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), `${minimalTenant('alpha')}  quota:\n    gpu: -2\n`);
    fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), `${minimalTenant('beta')}  tier: gold\n`);

    const result = run(project, 'synth');

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'mlp: 2 problems found; nothing was written',
        'tenants/alpha.yaml:10: spec.quota.gpu: expected a whole number >= 0, got -2',
        'tenants/beta.yaml:9: spec.tier: expected one of critical, standard, batch, got "gold"',
        '',
      ].join('\n'),
    );
    expect(readTree(path.join(project.dir, 'dist'))).toEqual(before);
  });

  test('synth --check passes on a current dist/ and lists stale files without writing', () => {
    run(project, 'synth');
    expect(run(project, 'synth', '--check')).toEqual({ status: 0, stdout: 'mlp: dist/ is up to date (53 files)\n', stderr: '' });

    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), `${minimalTenant('alpha')}  quota:\n    pods: 7\n`);
    fs.writeFileSync(path.join(project.tenantsDir, 'gamma.yaml'), minimalTenant('gamma'));
    fs.rmSync(path.join(project.tenantsDir, 'beta.yaml'));
    const before = readTree(path.join(project.dir, 'dist'));
    const result = run(project, 'synth', '--check');

    expect(result.status).toBe(1);
    expect(result.stdout.split('\n')[0]).toBe('mlp: dist/ is stale; run `npx mlp synth` and commit the result:');
    expect(result.stdout).toContain('  changed: dist/alpha/resourcequota-tenant-quota.yaml\n');
    expect(result.stdout).toContain('  missing: dist/gamma/namespace-gamma.yaml\n');
    expect(result.stdout).toContain('  extra:   dist/beta/namespace-beta.yaml\n');
    expect(readTree(path.join(project.dir, 'dist'))).toEqual(before);
  });

  test('synth --check names the fix with the options it was given', () => {
    const result = run(project, 'synth', '--check', '--out', 'my out', '--tenants', 'tenants');
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n')[0]).toBe("mlp: my out/ is stale; run `npx mlp synth --out 'my out'` and commit the result:");
    fs.renameSync(project.tenantsDir, path.join(project.dir, 'teams'));
    expect(run(project, 'synth', '--check', '--tenants', 'teams').stdout.split('\n')[0]).toBe('mlp: dist/ is stale; run `npx mlp synth --tenants teams` and commit the result:');
  });

  test('validate checks the files and writes nothing', () => {
    expect(run(project, 'validate')).toEqual({
      status: 0,
      stdout: 'mlp: platform.yaml and 2 tenant files are valid (53 manifests)\n',
      stderr: '',
    });
    expect(fs.existsSync(path.join(project.dir, 'dist'))).toBe(false);
  });

  test('validate fails with the problems and exit status 1', () => {
    fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), minimalTenant('gamma'));
    const result = run(project, 'validate');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('tenants/beta.yaml:4: metadata.name: "gamma" differs from the file name "beta.yaml"');
  });

  test('reads the platform file and tenants from the given paths', () => {
    fs.renameSync(project.tenantsDir, path.join(project.dir, 'teams'));
    fs.renameSync(project.platformFile, path.join(project.dir, 'cluster.yaml'));
    const result = run(project, 'synth', '--tenants', 'teams', '--platform', 'cluster.yaml', '--out', 'manifests');
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(project.dir, 'manifests', 'alpha', 'namespace-alpha.yaml'), 'utf8').split('\n')[0]).toBe(
      '# Generated by mlp from teams/alpha.yaml. Edit that file, not this one.',
    );
  });

  test('fails with exit status 1 when the tenants directory does not exist', () => {
    const result = run(project, 'synth', '--tenants', 'nowhere');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('mlp: 1 problem found; nothing was written\nnowhere: cannot read the tenants directory: ENOENT\n');
  });

  test('fails with exit status 2 and one line on an unknown command or option', () => {
    expect(run(project, 'frobnicate')).toEqual({ status: 2, stdout: '', stderr: 'mlp: unknown command "frobnicate"; see `mlp --help`\n' });
    expect(run(project, 'synth', '--tenant', 'x')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: synth does not take --tenant (did you mean --tenants?); see `mlp synth --help`\n',
    });
    expect(run(project, 'synth', 'alpha')).toEqual({ status: 2, stdout: '', stderr: 'mlp: synth takes only options, got "alpha"; see `mlp synth --help`\n' });
    expect(run(project, 'synth', '--check=yes')).toEqual({ status: 2, stdout: '', stderr: 'mlp: --check takes no value; see `mlp synth --help`\n' });
    expect(run(project, 'synth', '--out')).toEqual({ status: 2, stdout: '', stderr: "mlp: option '--out <dir>' argument missing; see `mlp synth --help`\n" });
    expect(run(project, '--tenants', 'x', 'synth')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: --tenants is an option of synth, validate, diff, report and affected: put it after the command; see `mlp --help`\n',
    });
    expect(fs.readdirSync(project.dir).sort()).toEqual(['platform.yaml', 'tenants']);
  });

  test('fails with exit status 2 on an option of another command, naming the commands that take it', () => {
    expect(run(project, 'diff', '--check')).toEqual({ status: 2, stdout: '', stderr: 'mlp: diff does not take --check (synth and schema do); see `mlp diff --help`\n' });
    expect(run(project, 'report', '--base', 'main')).toEqual({ status: 2, stdout: '', stderr: 'mlp: report does not take --base (diff, deploy, preview and affected do); see `mlp report --help`\n' });
    expect(run(project, 'synth', '--format', 'json')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'mlp: synth does not take --format (diff, report and affected do); see `mlp synth --help`\n',
    });
    expect(run(project, 'validate', '--out', 'x')).toEqual({ status: 2, stdout: '', stderr: 'mlp: validate does not take --out (synth, schema and affected do); see `mlp validate --help`\n' });
    expect(fs.readdirSync(project.dir).sort()).toEqual(['platform.yaml', 'tenants']);
  });

  test('<command> --help lists exactly the options of that command; mlp help <command> prints the same', () => {
    const optionsOf = (help: string) => [...help.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((match) => match[1]);
    const expected: Record<string, string[]> = {
      synth: ['--platform', '--tenants', '--out', '--check', '--no-incremental', '--jobs', '--help'],
      validate: ['--platform', '--tenants', '--help'],
      schema: ['--out', '--check', '--help'],
      diff: ['--platform', '--tenants', '--base', '--format', '--help'],
      report: ['--platform', '--tenants', '--format', '--help'],
    };
    expect(Object.keys(expected)).toHaveLength(5);
    for (const [command, options] of Object.entries(expected)) {
      const help = run(project, command, '--help');
      expect({ command, status: help.status, stderr: help.stderr, first: help.stdout.split('\n')[0] }).toEqual({ command, status: 0, stderr: '', first: `Usage: mlp ${command} [options]` });
      expect({ command, options: optionsOf(help.stdout) }).toEqual({ command, options });
      expect(run(project, 'help', command)).toEqual(help);
    }
    expect(run(project, 'report', '--help').stdout).toContain('--format <format>  output format: text, markdown, json, csv (default: "text")');
    expect(run(project, 'diff', '--help').stdout).toContain('--format <format>  output format: text, markdown, json (default: "text")');
  });

  test('mlp help and --help list the commands; mlp help of an unknown command fails', () => {
    const help = run(project, '--help');
    expect(help.status).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe('Usage: mlp <command> [options]');
    const commands = [...help.stdout.matchAll(/^ {2}(\w+) \[/gm)].map((match) => match[1]);
    expect(commands).toEqual(['synth', 'validate', 'schema', 'diff', 'report', 'deploy', 'preview', 'affected', 'help']);
    expect(run(project, 'help')).toEqual(help);
    expect(run(project, 'help', 'apply')).toEqual({ status: 2, stdout: '', stderr: 'mlp: unknown command "apply"; see `mlp --help`\n' });
    const none = run(project);
    expect({ status: none.status, stdout: none.stdout }).toEqual({ status: 2, stdout: '' });
    expect(none.stderr).toBe(help.stdout);
  });

  test('--version prints the version of package.json', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(run(project, '--version')).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    expect(run(project, '-V')).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('counts in the singular for one tenant, and says nothing was written only for commands that write', () => {
    fs.rmSync(path.join(project.tenantsDir, 'beta.yaml'));
    expect(run(project, 'validate')).toEqual({ status: 0, stdout: 'mlp: platform.yaml and 1 tenant file is valid (39 manifests)\n', stderr: '' });
    expect(run(project, 'synth')).toEqual({ status: 0, stdout: 'mlp: wrote 39 manifests of 1 tenant to dist/\n', stderr: '' });
    expect(run(project, 'report').stdout.split('\n')[0]).toBe('mlp report: 1 tenant, prices from platform.yaml');

    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), `${minimalTenant('alpha')}  tier: gold\n`);
    const problem = 'tenants/alpha.yaml:9: spec.tier: expected one of critical, standard, batch, got "gold"\n';
    expect(run(project, 'validate')).toEqual({ status: 1, stdout: '', stderr: `mlp: 1 problem found\n${problem}` });
    expect(run(project, 'report')).toEqual({ status: 1, stdout: '', stderr: `mlp: 1 problem found\n${problem}` });
    expect(run(project, 'synth')).toEqual({ status: 1, stdout: '', stderr: `mlp: 1 problem found; nothing was written\n${problem}` });
  });

  test('synth says which folders it added, rewrote and removed', () => {
    run(project, 'synth');
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), `${minimalTenant('alpha')}  quota:\n    pods: 7\n`);
    fs.writeFileSync(path.join(project.tenantsDir, 'gamma.yaml'), minimalTenant('gamma'));
    fs.rmSync(path.join(project.tenantsDir, 'beta.yaml'));
    expect(run(project, 'synth').stdout).toBe(
      'mlp: updated dist/: 53 manifests of 2 tenants; added gamma/; rewrote alpha/; removed beta/ (1 of 3 folders unchanged, 1 skipped as unchanged since the last run)\n',
    );
  });

  test('recovers a dist/ left aside by an interrupted swap', () => {
    run(project, 'synth');
    const before = readTree(path.join(project.dir, 'dist'));
    fs.renameSync(path.join(project.dir, 'dist'), path.join(project.dir, 'dist.mlp-old-12345'));
    fs.mkdirSync(path.join(project.dir, 'dist.mlp-tmp-12345'));
    expect(run(project, 'synth').status).toBe(0);
    expect(readTree(path.join(project.dir, 'dist'))).toEqual(before);
    expect(fs.readdirSync(project.dir).filter((entry) => entry.startsWith('dist.'))).toEqual([]);
  });

  test('synth skips tenants unchanged since the last run and says what it rewrote; --no-incremental synthesizes them again', () => {
    run(project, 'synth');
    const total = readTree(path.join(project.dir, 'dist')).size - 1; // all files but the marker
    expect(run(project, 'synth')).toEqual({
      status: 0,
      stdout: `mlp: dist/ is up to date: ${total} manifests of 2 tenants (3 of 3 folders unchanged, 3 skipped as unchanged since the last run)\n`,
      stderr: '',
    });
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), `${minimalTenant('alpha')}  quota:\n    pods: 7\n`);
    expect(run(project, 'synth').stdout).toBe(
      `mlp: updated dist/: ${total} manifests of 2 tenants; rewrote alpha/ (2 of 3 folders unchanged, 2 skipped as unchanged since the last run)\n`,
    );
    expect(run(project, 'synth', '--no-incremental', '--jobs', '1').stdout).toBe(
      `mlp: dist/ is up to date: ${total} manifests of 2 tenants (3 of 3 folders unchanged, 0 skipped as unchanged since the last run)\n`,
    );
    expect(fs.readdirSync(project.dir).sort()).toEqual(['.dist.mlp-cache.json', 'dist', 'platform.yaml', 'tenants']);
  });

  test('synth writes to $CDK8S_OUTDIR when --out is not given', () => {
    process.env.CDK8S_OUTDIR = 'cdk8s.out';
    try {
      expect(run(project, 'synth').stdout).toBe('mlp: wrote 53 manifests of 2 tenants to cdk8s.out/\n');
      expect(run(project, 'synth', '--out', 'manifests').stdout).toBe('mlp: wrote 53 manifests of 2 tenants to manifests/\n');
    } finally {
      delete process.env.CDK8S_OUTDIR;
    }
    expect(fs.readdirSync(project.dir).filter((entry) => !entry.startsWith('.')).sort()).toEqual(['cdk8s.out', 'manifests', 'platform.yaml', 'tenants']);
  });

  test('fails with exit status 2 when --jobs is not a whole number >= 1', () => {
    expect(run(project, 'synth', '--jobs', '0')).toEqual({ status: 2, stdout: '', stderr: 'mlp: --jobs 0: expected a whole number >= 1; see `mlp synth --help`\n' });
  });
});
