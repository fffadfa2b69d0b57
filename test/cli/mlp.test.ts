import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import { main } from '../../cli/mlp';
import { readTree } from '../../stacks/output-tree';
import { minimalTenant, scratchProject } from '../support/fixtures';

/** Runs `mlp` in a scratch project and returns its exit status and output. */
function run(project: { dir: string }, ...args: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const cwd = process.cwd();
  process.chdir(project.dir);
  try {
    const status = main(args, sink((text) => (stdout += text)), sink((text) => (stderr += text)));
    return { status, stdout, stderr };
  } finally {
    process.chdir(cwd);
  }
}

describe('mlp', () => {
  let project: ReturnType<typeof scratchProject>;
  beforeEach(() => {
    project = scratchProject({ 'alpha.yaml': minimalTenant('alpha'), 'beta.yaml': minimalTenant('beta') });
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('synth writes the manifests of every tenant and the platform', () => {
    const result = run(project, 'synth');
    expect(result).toEqual({ status: 0, stdout: 'mlp: wrote 38 manifests of 2 tenants to dist/\n', stderr: '' });
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
    expect(run(project, 'synth', '--check')).toEqual({ status: 0, stdout: 'mlp: dist/ is up to date (38 files)\n', stderr: '' });

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

  test('validate checks the files and writes nothing', () => {
    expect(run(project, 'validate')).toEqual({
      status: 0,
      stdout: 'mlp: platform.yaml and 2 tenant files are valid (38 manifests)\n',
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

  test('fails with exit status 2 and the usage on an unknown command or option', () => {
    const unknown = run(project, 'deploy');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe('mlp: unknown command "deploy"');
    const option = run(project, 'synth', '--tenant', 'x');
    expect(option.status).toBe(2);
    expect(option.stderr).toContain("Unknown option '--tenant'");
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
    const total = readTree(path.join(project.dir, 'dist')).size;
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

  test('fails with exit status 2 when --jobs is not a whole number >= 1', () => {
    const result = run(project, 'synth', '--jobs', '0');
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('mlp: --jobs 0: expected a whole number >= 1');
  });
});
