import * as fs from 'fs';
import * as path from 'path';
import { DIFF_COMMENT_MARKER } from '../../cli/diff';
import { loadConfig } from '../../config/load';
import { synthesizeTenant } from '../../stacks/synth';
import { git, runMlp } from '../support/cli';
import { minimalTenant, scratchProject } from '../support/fixtures';
import { pricedProject } from '../support/pricing';

/*
 * Monthly committed cost of a tenant with the test platform's default quota
 * (cpu 16, memory 64Gi, storage 200Gi) and prices (cpuCoreHour 0.035,
 * memoryGiBHour 0.0045, storageGiBMonth 0.10, default GPU type a100-80gb at 2.90/h),
 * 730 hours a month:
 *   cpu      16 × 0.035  × 730 =    408.80
 *   memory   64 × 0.0045 × 730 =    210.24
 *   storage 200 × 0.10         =     20.00
 *   without GPUs                    639.04
 *   8 GPUs:   8 × 2.90 × 730   =  16,936.00 → 17,575.04
 *   16 GPUs: 16 × 2.90 × 730   =  33,872.00 → 34,511.04 (+16,936.00)
 */
const NO_GPU_COST = '$639.04';

const withQuotaGpu = (name: string, gpus: number) => `${minimalTenant(name)}  quota:\n    gpu: ${gpus}\n`;
const withJob = (name: string) =>
  `${minimalTenant(name)}  trainingJobs:\n    - name: train\n      image: registry.ml.example.com/${name}/trainer:1.0.0\n      gpus: 0\n      cpu: "2"\n      memory: 4Gi\n`;
const withInternet = (name: string) => `${minimalTenant(name)}  network:\n    egress:\n      allowInternet: true\n`;

/** The cells of the summary row of `tenant` in the text output (columns are two or more spaces apart). */
function summaryRow(stdout: string, tenant: string): string[] {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${tenant} `));
  if (!line) throw new Error(`no summary row for ${tenant} in:\n${stdout}`);
  return line.split(/ {2,}/);
}

describe('mlp diff', () => {
  let project: ReturnType<typeof scratchProject>;
  let gammaObjects: number;

  beforeEach(() => {
    project = pricedProject({
      'alpha.yaml': withQuotaGpu('alpha', 8),
      'beta.yaml': minimalTenant('beta'),
      'delta.yaml': minimalTenant('delta'),
      'gamma.yaml': minimalTenant('gamma'),
      'zeta.yaml': minimalTenant('zeta'),
    });
    git(project.dir, 'init', '--quiet');
    git(project.dir, 'add', '.');
    git(project.dir, 'commit', '--quiet', '-m', 'tenants');
    const config = loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir });
    gammaObjects = synthesizeTenant(config.platform, config.tenants.find((tenant) => tenant.name === 'gamma')!).objects.length;

    // The pull request: alpha's GPU quota 8 → 16, a job for beta, the internet for delta, gamma removed.
    fs.writeFileSync(path.join(project.tenantsDir, 'alpha.yaml'), withQuotaGpu('alpha', 16));
    fs.writeFileSync(path.join(project.tenantsDir, 'beta.yaml'), withJob('beta'));
    fs.writeFileSync(path.join(project.tenantsDir, 'delta.yaml'), withInternet('delta'));
    fs.rmSync(path.join(project.tenantsDir, 'gamma.yaml'));
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('summarizes each changed tenant: objects, quota, monthly cost and security flags', () => {
    const result = runMlp(project.dir, 'diff', '--base', 'HEAD');

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^mlp diff: HEAD \([0-9a-f]{12}\) → work tree$/);
    expect(summaryRow(result.stdout, 'alpha')).toEqual(['alpha', 'changed', '+0 -0 ~1', 'gpu 8 → 16', '$17,575.04 → $34,511.04 (+$16,936.00)']);
    expect(summaryRow(result.stdout, 'beta')).toEqual(['beta', 'changed', '+1 -0 ~0', NO_GPU_COST]);
    expect(summaryRow(result.stdout, 'delta')).toEqual(['delta', 'changed', '+1 -0 ~0', NO_GPU_COST, 'egress']);
    expect(summaryRow(result.stdout, 'gamma')).toEqual(['gamma', 'removed tenant', `+0 -${gammaObjects} ~0`, 'removed', `${NO_GPU_COST} → — (-$639.04)`, 'RBAC, protected removal']);
    // Every tenant counts in the total, the unchanged zeta too:
    // before 17,575.04 + 639.04 × 4 (beta, delta, gamma, zeta) = 20,131.20; after 34,511.04 + 639.04 × 3 (beta, delta, zeta) = 36,428.16.
    expect(summaryRow(result.stdout, 'TOTAL')).toEqual(['TOTAL', `+2 -${gammaObjects} ~1`, '$20,131.20 → $36,428.16 (+$16,296.96)', '2 security-relevant, 1 deploy effect']);
    expect(result.stdout).toContain('\nUnchanged: zeta.\n');
    expect(result.stdout).not.toMatch(/^zeta /m);
  });

  test('lists field-level changes and added and removed objects, not YAML lines', () => {
    const { stdout } = runMlp(project.dir, 'diff');

    expect(stdout).toContain(
      [
        'alpha (tenants/alpha.yaml): +0 -0 ~1',
        '  ~ ResourceQuota tenant-quota  (alpha/resourcequota-tenant-quota.yaml)',
        '      ~ spec.hard.requests.nvidia.com/gpu: 8 → 16',
        '',
      ].join('\n'),
    );
    expect(stdout).toContain('beta (tenants/beta.yaml): +1 -0 ~0\n  + Job train  (beta/job-train.yaml)\n');
    expect(stdout).toContain('delta (tenants/delta.yaml): +1 -0 ~0\n  + NetworkPolicy allow-internet  (delta/networkpolicy-allow-internet.yaml)\n');
    expect(stdout).toContain(`gamma (HEAD:tenants/gamma.yaml): +0 -${gammaObjects} ~0\n`);
    expect(stdout).toContain('  - Namespace gamma  (gamma/namespace-gamma.yaml)\n');
    expect(stdout).toContain('the current library');
  });

  test('flags opened egress and revoked roles as security-relevant', () => {
    const { stdout } = runMlp(project.dir, 'diff');
    const section = stdout.slice(stdout.indexOf('Security-relevant changes:'), stdout.indexOf('\nDeploy effects'));
    expect(section.split('\n').filter((line) => line.startsWith('  '))).toEqual([
      '  delta  egress  pods may now connect to the public internet (NetworkPolicy allow-internet)',
      '  gamma  RBAC    revokes ClusterRole admin from User gamma-owner@example.com in namespace gamma (RoleBinding tenant-owners)',
    ]);
  });

  test('writes a Markdown pull-request comment with a summary table', () => {
    const { status, stdout } = runMlp(project.dir, 'diff', '--format', 'markdown');

    expect(status).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(DIFF_COMMENT_MARKER);
    expect(lines[1]).toMatch(/^### mlp diff: `HEAD` \(`[0-9a-f]{12}`\) → this change$/);
    expect(lines).toContain('| `alpha` | +0 −0 ~1 | gpu 8 → 16 | $17,575.04 → $34,511.04 (**+$16,936.00**) |  |');
    expect(lines).toContain('| `delta` | +1 −0 ~0 |  | $639.04 | ⚠️ egress |');
    expect(lines).toContain(`| \`gamma\` (removed) | +0 −${gammaObjects} ~0 | removed | $639.04 → — (**-$639.04**) | ⚠️ RBAC, protected removal |`);
    expect(lines).toContain('- **delta** · egress: pods may now connect to the public internet (`NetworkPolicy allow-internet`)');
    expect(stdout).toContain('```diff\n~ ResourceQuota tenant-quota  (alpha/resourcequota-tenant-quota.yaml)\n    ~ spec.hard.requests.nvidia.com/gpu: 8 → 16\n```');
  });

  test('writes stable JSON with sorted keys and the documented shape', () => {
    const first = runMlp(project.dir, 'diff', '--format', 'json');
    const second = runMlp(project.dir, 'diff', '--format', 'json');
    expect(second.stdout).toBe(first.stdout);

    const diff = JSON.parse(first.stdout);
    expect(Object.keys(diff)).toEqual(['base', 'costNote', 'currency', 'gpuQuotaPrice', 'kueue', 'note', 'platform', 'tenants', 'totals', 'version']);
    expect(diff.kueue).toBe(false);
    expect(diff.version).toBe(1);
    expect(diff.base).toEqual({ commit: git(project.dir, 'rev-parse', 'HEAD').trim(), hasPlatformFile: true, ref: 'HEAD' });
    const alpha = diff.tenants.find((tenant: { name: string }) => tenant.name === 'alpha');
    expect(alpha).toEqual({
      added: [],
      changed: [
        {
          apiVersion: 'v1',
          changes: [{ after: '16', before: '8', op: 'changed', path: 'spec.hard.requests.nvidia.com/gpu' }],
          file: 'alpha/resourcequota-tenant-quota.yaml',
          kind: 'ResourceQuota',
          name: 'tenant-quota',
          namespace: 'alpha',
        },
      ],
      file: 'tenants/alpha.yaml',
      monthlyCost: { after: 34511.04, before: 17575.04, delta: 16936 },
      name: 'alpha',
      quota: [{ after: 16, before: 8, resource: 'gpu' }],
      // Without Kueue the ResourceQuota follows spec.quota: nothing more to say.
      namespaceQuota: [],
      removed: [],
      security: [],
      deploy: [],
      queueing: [],
      canary: [],
      labels: [],
      status: 'changed',
    });
    const delta = diff.tenants.find((tenant: { name: string }) => tenant.name === 'delta');
    expect(delta.security).toEqual([
      { category: 'egress', change: 'added', message: 'pods may now connect to the public internet', object: 'NetworkPolicy allow-internet' },
    ]);
    expect(diff.tenants.map((tenant: { name: string; status: string }) => `${tenant.name}:${tenant.status}`)).toEqual([
      'alpha:changed',
      'beta:changed',
      'delta:changed',
      'gamma:removed',
      'zeta:unchanged',
    ]);
    expect(diff.totals).toEqual({
      monthlyCost: { after: 36428.16, before: 20131.2, delta: 16296.96 },
      objects: { added: 2, changed: 1, removed: gammaObjects },
      securityChanges: 2,
      deployEffects: 1,
      queueingChanges: 0,
      canaryChanges: 0,
      tenants: { added: 0, changed: 3, removed: 1, unchanged: 1 },
    });
  });

  test('reads the base from git without touching the work tree or the index', () => {
    const status = git(project.dir, 'status', '--porcelain');
    const head = git(project.dir, 'rev-parse', 'HEAD');
    runMlp(project.dir, 'diff');
    expect(git(project.dir, 'status', '--porcelain')).toBe(status);
    expect(git(project.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(fs.existsSync(path.join(project.tenantsDir, 'gamma.yaml'))).toBe(false);
  });

  test('shows a tenant added since the base, with its quota, and reports no changes when there are none', () => {
    git(project.dir, 'add', '--all');
    git(project.dir, 'commit', '--quiet', '-m', 'the pull request');
    expect(runMlp(project.dir, 'diff').stdout).toContain('No changes: every object of 4 tenants and the platform is the same.');

    fs.writeFileSync(path.join(project.tenantsDir, 'omega.yaml'), minimalTenant('omega'));
    const { stdout } = runMlp(project.dir, 'diff');
    expect(summaryRow(stdout, 'omega').slice(0, 4)).toEqual(['omega', 'new tenant', `+${gammaObjects} -0 ~0`, 'cpu 16, memory 64Gi, gpu 0, storage 200Gi, pods 50, ephemeralStorage 200Gi']);
    expect(stdout).toContain('  omega  RBAC          grants ClusterRole admin to User omega-owner@example.com in namespace omega (RoleBinding tenant-owners)\n');
  });

  test('compares against another revision given with --base', () => {
    git(project.dir, 'add', '--all');
    git(project.dir, 'commit', '--quiet', '-m', 'the pull request');
    const { status, stdout } = runMlp(project.dir, 'diff', '--base', 'HEAD~1');
    expect(status).toBe(0);
    expect(summaryRow(stdout, 'alpha')[3]).toBe('gpu 8 → 16');
  });

  test('treats a base without a platform file as empty', () => {
    const empty = scratchProject({ 'alpha.yaml': minimalTenant('alpha') });
    try {
      git(empty.dir, 'init', '--quiet');
      fs.writeFileSync(path.join(empty.dir, 'README.md'), 'nothing yet\n');
      git(empty.dir, 'add', 'README.md');
      git(empty.dir, 'commit', '--quiet', '-m', 'start');
      const result = runMlp(empty.dir, 'diff', '--format', 'json');
      expect(result.status).toBe(0);
      const diff = JSON.parse(result.stdout);
      expect(diff.base.hasPlatformFile).toBe(false);
      expect(diff.tenants.map((tenant: { status: string }) => tenant.status)).toEqual(['added']);
      expect(diff.platform.status).toBe('added');
    } finally {
      fs.rmSync(empty.dir, { recursive: true, force: true });
    }
  });

  test('fails when the base revision does not exist', () => {
    const result = runMlp(project.dir, 'diff', '--base', 'no-such-branch');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--base no-such-branch: no such commit in the repository; name a branch, tag or commit (e.g. HEAD, origin/main)');
  });

  test('reports problems of the base files with REV:path names', () => {
    fs.writeFileSync(path.join(project.tenantsDir, 'gamma.yaml'), `${minimalTenant('gamma')}  tier: gold\n`);
    git(project.dir, 'add', '--all');
    git(project.dir, 'commit', '--quiet', '-m', 'broken');
    fs.writeFileSync(path.join(project.tenantsDir, 'gamma.yaml'), minimalTenant('gamma'));
    const result = runMlp(project.dir, 'diff');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'HEAD:tenants/gamma.yaml:9: spec.tier: expected one of critical, standard, batch, got "gold" (the base revision, loaded with the current library)',
    );
  });

  test('fails with exit status 2 on an unknown format', () => {
    const result = runMlp(project.dir, 'diff', '--format', 'html');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('mlp: --format html: expected one of text, markdown, json; see `mlp diff --help`\n');
  });
});

describe('mlp diff: egress', () => {
  const egress = (name: string, cidrs: string[], internet: boolean) =>
    `${minimalTenant(name)}  network:\n    egress:\n      allowInternet: ${internet}\n${cidrs.length > 0 ? `      allowCidrs:\n${cidrs.map((cidr) => `        - ${cidr}\n`).join('')}` : ''}`;
  let project: ReturnType<typeof scratchProject>;

  beforeEach(() => {
    project = scratchProject({ 'nlp.yaml': egress('nlp', ['10.40.0.0/16', '10.50.0.0/16'], true), 'ocr.yaml': egress('ocr', [], false) });
    git(project.dir, 'init', '--quiet');
    git(project.dir, 'add', '.');
    git(project.dir, 'commit', '--quiet', '-m', 'tenants');
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('flags every egress change: a CIDR added or removed, the internet allowed or no longer', () => {
    fs.writeFileSync(path.join(project.tenantsDir, 'nlp.yaml'), egress('nlp', ['10.40.0.0/16', '10.60.0.0/16'], false));
    fs.writeFileSync(path.join(project.tenantsDir, 'ocr.yaml'), egress('ocr', ['192.168.7.0/24'], true));
    const { status, stdout, stderr } = runMlp(project.dir, 'diff');

    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(summaryRow(stdout, 'nlp').slice(-1)).toEqual(['egress']);
    expect(summaryRow(stdout, 'ocr').slice(-1)).toEqual(['egress']);
    expect(summaryRow(stdout, 'TOTAL').slice(-1)).toEqual(['5 security-relevant']);
    const start = stdout.indexOf('Security-relevant changes:\n');
    expect(start).toBeGreaterThan(0);
    expect(stdout.slice(start).split('\n\n')[0].split('\n').slice(1)).toEqual([
      '  nlp  egress  pods may no longer connect to CIDR 10.50.0.0/16 (NetworkPolicy allow-egress-cidrs)',
      '  nlp  egress  pods may no longer connect to the public internet (NetworkPolicy allow-internet)',
      '  nlp  egress  pods may now connect to CIDR 10.60.0.0/16 (NetworkPolicy allow-egress-cidrs)',
      '  ocr  egress  pods may now connect to CIDR 192.168.7.0/24 (NetworkPolicy allow-egress-cidrs)',
      '  ocr  egress  pods may now connect to the public internet (NetworkPolicy allow-internet)',
    ]);
  });
});

describe('mlp diff: from the old spec.ingress', () => {
  const FIXTURE_EXPOSURE = '  exposure:\n    domain: ml.example.com\n    mode: gateway\n    gateway:\n      name: ml-gateway\n      namespace: gateway-system\n';
  const OLD_INGRESS = '  ingress:\n    className: nginx\n    namespace: ingress-nginx\n    domain: ml.example.com\n';
  const NEW_INGRESS =
    '  exposure:\n    domain: ml.example.com\n    mode: ingress\n    ingress:\n      className: nginx\n      namespace: ingress-nginx\n      tls:\n        secretName: wildcard-tls\n';
  const exposed = `${minimalTenant('nlp')}  modelServices:
    - name: chat
      image: registry.ml.example.com/nlp/chat:1.0.0
      cpu: "1"
      memory: 2Gi
      expose:
        type: ingress
        host: chat.nlp.ml.example.com
`;
  let project: ReturnType<typeof scratchProject>;

  beforeEach(() => {
    project = scratchProject({ 'nlp.yaml': exposed });
    const text = fs.readFileSync(project.platformFile, 'utf8');
    expect(text).toContain(FIXTURE_EXPOSURE);
    fs.writeFileSync(project.platformFile, text.replace(FIXTURE_EXPOSURE, OLD_INGRESS));
    git(project.dir, 'init', '--quiet');
    git(project.dir, 'add', '.');
    git(project.dir, 'commit', '--quiet', '-m', 'before issue 17');
    fs.writeFileSync(project.platformFile, text.replace(FIXTURE_EXPOSURE, NEW_INGRESS));
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('reads the base revision through the migration and shows the move to HTTPS', () => {
    const { status, stdout, stderr } = runMlp(project.dir, 'diff');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const start = stdout.indexOf('Security-relevant changes:\n');
    expect(start).toBeGreaterThan(0);
    expect(stdout.slice(start).split('\n\n')[0].split('\n').slice(1)).toEqual([
      '  nlp  plain HTTP  chat.nlp.ml.example.com/ is no longer served over plain HTTP (Ingress chat)',
    ]);
  });

  test('fails when the work tree still has spec.ingress: only the base is migrated', () => {
    fs.writeFileSync(project.platformFile, fs.readFileSync(project.platformFile, 'utf8').replace(NEW_INGRESS, OLD_INGRESS));
    const result = runMlp(project.dir, 'diff');
    expect(result.status).toBe(1);
    const line = fs.readFileSync(project.platformFile, 'utf8').split('\n').indexOf('  ingress:') + 1;
    expect(line).toBeGreaterThan(0);
    expect(result.stderr).toContain(`platform.yaml:${line}: spec.ingress: spec.ingress was replaced by spec.exposure`);
    expect(result.stderr).not.toContain('HEAD:');
  });
});
