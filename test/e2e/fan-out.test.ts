/**
 * `mlp deploy --all --parallel 2` (bin/mlp.js, the real Pulumi CLI, a file
 * backend) on a real kube-apiserver: a platform stack and two tenant
 * stacks, each in its own pulumi process and folder. A
 * ValidatingAdmissionPolicy that the test creates with kubectl (the program
 * knows nothing of it) refuses the Jobs of one tenant, whose image comes from
 * `ghcr.io/example-org/untrusted/`: that stack fails while the other tenant's completes,
 * the two updates overlapping in time (their logs' start and end lines), and
 * the run exits 1 naming the failed stack. After the tenant file is fixed, a
 * re-run of that stack completes and a preview of every stack shows no
 * change.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { ControlPlane, keepLogs, platformCrdFiles, scratchDir } from '../../devkit/cluster';
import { REPO_ROOT } from '../../devkit/repo-root';
import { run, toolEnv } from '../../devkit/tools';
import { FIXTURE_PLATFORM_FILE } from '../support/fixtures';

const tenant = (name: string, image: string) => `apiVersion: platform.mlp.io/v1alpha1
kind: Tenant
metadata:
  name: ${name}
spec:
  costCenter: cc-7
  owners:
    - user: ${name}-owner@example.com
  quota:
    gpu: 8
  trainingJobs:
    - name: train
      image: ${image}
      gpus: 1
      cpu: "4"
      memory: 16Gi
      maxRuntime: 2h
`;

const GOOD_IMAGE = 'registry.ml.example.com/team/trainer:1.0.0';
// From a registry the platform file allows (mlp validate passes), refused only by the test's admission policy.
const REFUSED_IMAGE = 'ghcr.io/example-org/untrusted/trainer:1.0.0';

const POLICY = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: e2e-no-invalid-registry
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [batch]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [jobs]
  validations:
    - expression: "object.spec.template.spec.containers.all(c, !c.image.startsWith('ghcr.io/example-org/untrusted/'))"
      message: images from ghcr.io/example-org/untrusted/ are refused (e2e policy)
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: e2e-no-invalid-registry
spec:
  policyName: e2e-no-invalid-registry
  validationActions: [Deny]
`;

/** The start and end times of the `pulumi up` in a stack's log (the lines deploy/pulumi-process.ts writes). */
function upInterval(log: string): { start: number; end: number } {
  const match = /^==== (\S+) start: pulumi up .*\n(?:.*\n)*?==== (\S+) end: exit/m.exec(log);
  if (match === null) throw new Error(`no pulumi up in the log:\n${log}`);
  return { start: Date.parse(match[1]), end: Date.parse(match[2]) };
}

describe('mlp deploy: one pulumi process per stack, in parallel', () => {
  let dir: string;
  let project: string;
  let cluster: ControlPlane;

  /** Runs bin/mlp.js in the project with the tools, the file backend and an empty passphrase. */
  const mlp = (...args: string[]) => {
    const result = run(process.execPath, [path.join(REPO_ROOT, 'bin', 'mlp.js'), ...args], {
      cwd: project,
      env: { ...toolEnv(), PULUMI_BACKEND_URL: `file://${path.join(dir, 'state')}`, PULUMI_CONFIG_PASSPHRASE: '' },
      timeoutMs: 600_000,
    });
    fs.appendFileSync(path.join(dir, 'mlp.log'), `==== mlp ${args.join(' ')}: exit ${result.status}\n---- stdout\n${result.stdout}\n---- stderr\n${result.stderr}\n`);
    return result;
  };
  const log = (stack: string) => fs.readFileSync(path.join(project, '.mlp', 'stacks', stack, 'pulumi.log'), 'utf8');

  beforeAll(async () => {
    dir = scratchDir('mlp-e2e-fan-out-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'));
    cluster.kubectlOk(['apply', '-f', '-'], POLICY);
    // The policy takes effect once the API server has loaded it: wait until a dry run is refused.
    await cluster.waitFor('the e2e admission policy to refuse a Job', () => {
      const dryRun = cluster.kubectl(['create', 'job', 'probe', '-n', 'default', `--image=${REFUSED_IMAGE}`, '--dry-run=server']);
      return dryRun.status !== 0 && dryRun.stderr.includes('images from ghcr.io/example-org/untrusted/ are refused');
    });
    project = path.join(dir, 'project');
    fs.mkdirSync(path.join(project, 'tenants'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'state'));
    fs.copyFileSync(FIXTURE_PLATFORM_FILE, path.join(project, 'platform.yaml'));
    fs.writeFileSync(path.join(project, 'tenants', 'good.yaml'), tenant('good', GOOD_IMAGE));
    fs.writeFileSync(path.join(project, 'tenants', 'bad.yaml'), tenant('bad', REFUSED_IMAGE));
    // The project's Pulumi.yaml with the program where it is built; the settings file with paths relative to the project.
    fs.writeFileSync(
      path.join(project, 'Pulumi.yaml'),
      stringify({ name: 'mlp', runtime: { name: 'nodejs', options: { typescript: false } }, main: path.join(REPO_ROOT, 'build', 'stacks', 'pulumi', 'index.js') }),
    );
    fs.writeFileSync(
      path.join(project, 'Pulumi.e2e.yaml'),
      stringify({
        config: {
          'pulumi:disable-default-providers': ['kubernetes'],
          'mlp:kubeconfig': cluster.kubeconfig,
          'mlp:clusterIdentifier': 'e2e-fan-out',
          'mlp:tenantsDir': 'tenants',
          'mlp:platformFile': 'platform.yaml',
          'mlp:skipAwait': true,
          'mlp:crdFiles': platformCrdFiles(),
        },
      }),
    );
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'fan-out');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('one tenant stack fails on a refused object while the other completes beside it; exit 1 names it', () => {
    const result = mlp('deploy', '--all', '--parallel', '2', '--config-file', 'Pulumi.e2e.yaml');
    expect(result.stderr).toContain('mlp: pulumi up failed for 1 of 3 stacks: tenant-bad; their logs are in the table above\n');
    expect(result.status).toBe(1);
    const rows = result.stdout.trim().split('\n');
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2))).toEqual([
      ['STACK', 'RESULT'],
      ['platform', 'succeeded'],
      ['tenant-bad', 'failed'],
      ['tenant-good', 'succeeded'],
    ]);
    expect(rows[2]).toMatch(/ \.mlp\/stacks\/tenant-bad\/pulumi\.log$/);
    expect(log('tenant-bad')).toContain('images from ghcr.io/example-org/untrusted/ are refused (e2e policy)');

    // Each stack was created by the run, in its own folder, and each ran its own pulumi up.
    for (const stack of ['platform', 'tenant-bad', 'tenant-good']) expect(log(stack)).toMatch(new RegExp(`^==== \\S+ start: pulumi stack init ${stack} --non-interactive\\n`));
    // The platform stack ended before either tenant stack started; the two tenant stacks overlapped.
    const platform = upInterval(log('platform'));
    const good = upInterval(log('tenant-good'));
    const bad = upInterval(log('tenant-bad'));
    expect(platform.end).toBeLessThanOrEqual(Math.min(good.start, bad.start));
    expect(good.start).toBeLessThan(bad.end);
    expect(bad.start).toBeLessThan(good.end);

    expect(cluster.get('job', 'train', 'good')?.spec.template.spec.containers[0].image).toBe(GOOD_IMAGE);
    expect(cluster.get('namespace', 'bad')).toBeDefined();
    expect(cluster.get('job', 'train', 'bad')).toBeUndefined();
  });

  test('after the fix, a re-run of the failed stack completes and every stack previews with no change', () => {
    fs.writeFileSync(path.join(project, 'tenants', 'bad.yaml'), tenant('bad', GOOD_IMAGE));
    const rerun = mlp('deploy', '--stack', 'tenant-bad', '--config-file', 'Pulumi.e2e.yaml');
    expect(rerun.stderr).not.toContain('failed');
    expect(rerun.status).toBe(0);
    expect(rerun.stdout.trim().split('\n').map((row) => row.split(/\s+/).slice(0, 2))).toEqual([
      ['STACK', 'RESULT'],
      ['tenant-bad', 'succeeded'],
    ]);
    expect(cluster.get('job', 'train', 'bad')?.spec.template.spec.containers[0].image).toBe(GOOD_IMAGE);

    const preview = mlp('preview', '--all', '--expect-no-changes', '--config-file', 'Pulumi.e2e.yaml', '--summary-file', path.join(dir, 'summary.md'));
    expect(preview.stderr).not.toContain('failed');
    expect(preview.status).toBe(0);
    const summary = fs.readFileSync(path.join(dir, 'summary.md'), 'utf8');
    expect([...summary.matchAll(/^### `([^`]+)`: (.*)$/gm)].map((match) => [match[1], match[2]])).toEqual([
      ['platform', expect.stringMatching(/^\d+ unchanged$/)],
      ['tenant-bad', expect.stringMatching(/^\d+ unchanged$/)],
      ['tenant-good', expect.stringMatching(/^\d+ unchanged$/)],
    ]);
  });
});
