/**
 * The package as another TypeScript project uses it: `npm pack` of this
 * repository, unpacked into a temporary project's node_modules as npm
 * installs a tarball, then a small consumer compiled with the repository's
 * TypeScript (strict) and run with node. The consumer makes its own cdk8s
 * App and Chart and adds our constructs to them, so the constructs must
 * share its one copy of cdk8s and constructs (they are peer dependencies).
 *
 * The registry is not reachable offline and npm's cache holds no package
 * metadata, so `npm install` cannot resolve the package's dependencies here:
 * the test unpacks the tarball with tar (what npm does with it) and links the
 * dependencies it declares from the repository's node_modules.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIXTURE_PLATFORM_FILE, REPO_ROOT } from '../support/fixtures';

const NODE_MODULES = path.join(REPO_ROOT, 'node_modules');
const TSC = path.join(NODE_MODULES, 'typescript', 'bin', 'tsc');

const CONSUMER = `
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { GpuTrainingJob, ModelService, TENANT_LABEL, TenantNamespace } from 'mlp';
import { ValidationError, formatProblem, loadConfig } from 'mlp/config';
import { POLICIES, evaluatePolicies } from 'mlp/policy';

const app = new App();
const chart = new Chart(app, 'vision');
const tenant = new TenantNamespace(chart, 'tenant', {
  name: 'vision',
  costCenter: 'cc-4711',
  owners: [{ group: 'vision-leads' }],
  quota: { cpu: '64', memory: '256Gi', gpu: 16, storage: '1Ti', pods: 50 },
  limits: { defaultRequest: { cpu: '250m', memory: '512Mi' }, default: { cpu: '1', memory: '2Gi' }, max: { cpu: '32', memory: '128Gi' } },
});
new GpuTrainingJob(chart, 'resnet', { tenant, image: 'registry.example.com/vision/trainer:2.4.1', gpus: 4, maxRuntime: Duration.hours(12) });
new ModelService(chart, 'detector', { tenant, image: 'registry.example.com/vision/server:latest' });
const documents = app.synthYaml().split(/^---$/m).length;
const objects = chart.toJson();

const policies = evaluatePolicies([{ dir: 'vision', source: 'consumer.ts', objects }], {
  ingressDomain: 'ml.example.com',
  gpuResourceNames: ['nvidia.com/gpu'],
  waivers: new Map([['vision', []]]),
});

const [platformFile, tenantsDir] = process.argv.slice(2);
let loadProblems: string[] = [];
try {
  loadConfig({ platformFile, tenantsDir });
} catch (error) {
  if (!(error instanceof ValidationError)) throw error;
  loadProblems = error.problems.map(formatProblem);
}

const mlpDir = path.dirname(require.resolve('mlp'));
process.stdout.write(JSON.stringify({
  documents,
  objects: objects.map((object) => \`\${object.kind}/\${object.metadata.name}\`).sort(),
  tenantLabels: [...new Set(objects.map((object) => object.metadata.labels?.[TENANT_LABEL]))],
  violations: policies.violations.map((violation) => \`\${violation.policy} \${POLICIES[violation.policy].title}: \${violation.object.kind}/\${violation.object.name}\`),
  loadProblems,
  oneConstructs: require.resolve('constructs', { paths: [mlpDir] }) === require.resolve('constructs'),
  oneCdk8s: require.resolve('cdk8s', { paths: [mlpDir] }) === require.resolve('cdk8s'),
}));
`;

/** Runs a command, with its output in the error when it fails. */
function run(command: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** Links a package of the repository's node_modules into a project's node_modules. */
function linkPackage(project: string, name: string): void {
  const target = path.join(project, 'node_modules', name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.symlinkSync(path.join(NODE_MODULES, name), target, 'dir');
}

describe('the packed package', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  let work: string;
  let consumer: string;
  let packed: string[];

  beforeAll(() => {
    run('npm', ['run', 'build', '--silent'], REPO_ROOT);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-package-'));
    const [pack] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO_ROOT));
    packed = pack.files.map((file: { path: string }) => file.path);
    consumer = path.join(work, 'consumer');
    const installed = path.join(consumer, 'node_modules', 'mlp');
    fs.mkdirSync(installed, { recursive: true });
    run('tar', ['-xzf', path.join(work, pack.filename), '-C', installed, '--strip-components=1'], work);
    const needed = ['@types/node', ...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)];
    for (const name of needed) linkPackage(consumer, name);
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies: { mlp: `file:../${pack.filename}` } }));
    fs.writeFileSync(path.join(consumer, 'main.ts'), CONSUMER);
    const tenants = path.join(consumer, 'tenants');
    fs.mkdirSync(tenants);
    fs.writeFileSync(
      path.join(tenants, 'speech.yaml'),
      'apiVersion: platform.mlp.io/v1alpha1\nkind: Tenant\nmetadata:\n  name: speech\nspec:\n  costCenter: cc-3001\n  owners:\n    - group: speech-leads\n  quota:\n    gpuz: 4\n',
    );
  }, 180_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('holds the build output, the command and the schemas, and no sources, tests, tenants or dist/', () => {
    expect(packed.length).toBeGreaterThan(0);
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/mlp.js', 'schema/tenant.schema.json', 'schema/platform.schema.json']));
    expect(packed).toEqual(expect.arrayContaining(['build/lib/index.js', 'build/lib/index.d.ts', 'build/config/index.d.ts', 'build/policy/index.d.ts', 'build/cli/mlp.js']));
    const outside = packed.filter((file) => !/^(build\/(lib|config|policy|stacks|synthesis|review|deploy|cli)\/.*\.(js|d\.ts)|bin\/mlp\.js|schema\/[a-z]+\.schema\.json|package\.json|README\.md)$/.test(file));
    expect(outside).toEqual([]);
  });

  test('makes cdk8s and constructs peer dependencies, so that a consumer and the constructs share one copy', () => {
    expect(manifest.peerDependencies).toEqual({ cdk8s: expect.any(String), constructs: expect.any(String) });
    expect(manifest.dependencies.cdk8s).toBeUndefined();
    expect(manifest.dependencies.constructs).toBeUndefined();
  });

  test.each([
    ['node16', ['--module', 'node16', '--moduleResolution', 'node16']],
    // Deprecated by TypeScript 6 (an error unless ignored), still what consumers on TypeScript 5 and older get by default.
    ['node10', ['--module', 'commonjs', '--moduleResolution', 'node']],
  ])('compiles a strict consumer with %s module resolution, which runs and synthesizes its own chart', (_resolution, options) => {
    const flags = ['--strict', '--target', 'ES2022', '--types', 'node', '--skipLibCheck', '--outDir', 'out', ...options, 'main.ts'];
    run(process.execPath, [TSC, ...flags], consumer);
    const output = JSON.parse(run(process.execPath, ['out/main.js', FIXTURE_PLATFORM_FILE, 'tenants'], consumer));
    expect(output.objects).toEqual(expect.arrayContaining(['Namespace/vision', 'ResourceQuota/tenant-quota', 'Job/resnet', 'Deployment/detector', 'HorizontalPodAutoscaler/detector']));
    expect(output.documents).toBe(output.objects.length);
    expect(output.tenantLabels).toEqual(['vision']);
    expect(output.violations).toEqual([
      'MLP003 images pinned by tag or digest, never latest: Deployment/detector',
    ]);
    expect(output.loadProblems).toEqual([
      'tenants/speech.yaml:10: spec.quota.gpuz: unknown field "gpuz" (did you mean "gpu"?); allowed fields: cpu, memory, gpu, storage, pods, ephemeralStorage',
    ]);
    expect(output.oneConstructs).toBe(true);
    expect(output.oneCdk8s).toBe(true);
  });
});
