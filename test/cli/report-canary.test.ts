/**
 * `mlp report` with a canary: its replicas count in what services request and, with Kueue, in
 * the serving reserve the tenant commits, GPUs priced at the service's type; a table shows each
 * track's replicas and monthly cost at its peak side by side.
 */
import * as fs from 'fs';
import { runMlp } from '../support/cli';
import { pricedProject } from '../support/pricing';

const SERVE = (gpuQuota: number) => `apiVersion: platform.mlp.io/v1alpha1
kind: Tenant
metadata:
  name: serve
spec:
  costCenter: cc-2
  owners:
    - group: serve-leads
  quota:
    cpu: "32"
    memory: 128Gi
    gpu: ${gpuQuota}
    storage: 100Gi
    pods: 30
  modelServices:
    - name: api
      image: registry.ml.example.com/serve/api:1.0.0
      gpus: 1
      gpuType: l4
      cpu: "2"
      memory: 8Gi
      replicas:
        min: 1
        max: 4
      canary:
        image: registry.ml.example.com/serve/api:1.1.0
        weight: 25
`;

/** SERVE(7) with the service public: its HTTPRoute splits by weight. */
const EXPOSED = SERVE(7).replace('      canary:\n', '      expose:\n        type: ingress\n      canary:\n');

/*
 * Hand-computed figures (test prices: cpuCoreHour 0.035, memoryGiBHour 0.0045, l4 0.80/h; 730 h a month).
 * api: stable replicas 1..4, weight 75; canary replicas 1..max(1, ceil(4 x 25 / 100)) = 1..1, weight 25.
 * A replica: 2 cpu, 8 GiB, 1 l4. Peak pods: stable 4 + 1 = 5, canary 1 + 1 = 2.
 *   stable at peak: cpu 10 x 0.035 x 730 = 255.50; memory 40 x 0.0045 x 730 = 131.40; gpu 5 x 0.80 x 730 = 2,920.00; 3,306.90
 *   canary at peak: cpu 4 x 0.035 x 730 = 102.20;  memory 16 x 0.0045 x 730 = 52.56;  gpu 2 x 0.80 x 730 = 1,168.00; 1,322.76
 * Services at min: (1 + 1) replicas = 4 cpu, 16 GiB, 2 l4; at max: (4 + 1) = 10 cpu, 40 GiB, 5 l4;
 * rollout surge: one replica of each track = 4 cpu, 16 GiB, 2 l4; peak 14 cpu, 56 GiB, 7 l4.
 * With Kueue (GPU quota 0): serving reserve 7 pods = 14 cpu, 56 GiB, 7 l4;
 *   committed cpu (32 + 14) x 0.035 x 730 = 1,175.30; memory (128 + 56) x 0.0045 x 730 = 604.44;
 *   gpu 7 x 0.80 x 730 = 4,088.00; storage 100 x 0.10 = 10.00; total 5,877.74
 */
describe('mlp report with a canary', () => {
  let project: ReturnType<typeof pricedProject> | undefined;
  afterEach(() => {
    if (project) fs.rmSync(project.dir, { recursive: true, force: true });
    project = undefined;
  });

  test('counts the canary in what services request and lists both tracks with their cost at peak (JSON)', () => {
    project = pricedProject({ 'serve.yaml': SERVE(7) }, { kueue: false });
    const result = runMlp(project.dir, 'report', '--format', 'json');
    expect(result.stderr).toBe('');
    const [serve] = JSON.parse(result.stdout).tenants;
    expect(serve.canaryReleases).toEqual([
      {
        service: 'api',
        split: 'replica-ratio',
        stable: { name: 'api', image: 'registry.ml.example.com/serve/api:1.0.0', minReplicas: 1, maxReplicas: 4, peakPods: 5, monthlyCostAtPeak: 3306.9 },
        canary: { name: 'api-canary', image: 'registry.ml.example.com/serve/api:1.1.0', minReplicas: 1, maxReplicas: 1, peakPods: 2, monthlyCostAtPeak: 1322.76 },
      },
    ]);
    expect(serve.requested.servicesAtMin).toEqual({ cpu: 4, ephemeralStorageGiB: 20, gpus: 2, gpusByType: { l4: 2 }, memoryGiB: 16 });
    expect(serve.requested.servicesAtMax).toEqual({ cpu: 10, ephemeralStorageGiB: 50, gpus: 5, gpusByType: { l4: 5 }, memoryGiB: 40 });
    expect(serve.requested.rolloutSurge).toEqual({ cpu: 4, ephemeralStorageGiB: 20, gpus: 2, gpusByType: { l4: 2 }, memoryGiB: 16 });
    expect(serve.requested.peak).toEqual({ cpu: 14, ephemeralStorageGiB: 70, gpus: 7, gpusByType: { l4: 7 }, memoryGiB: 56 });
  });

  test('prices the canary GPUs of the serving reserve at their type with Kueue', () => {
    project = pricedProject({ 'serve.yaml': SERVE(0) }, { kueue: true, cohort: 'shared', defaults: { borrowingLimit: { gpu: 0 }, fairSharingWeight: 1 } });
    const result = runMlp(project.dir, 'report', '--format', 'json');
    expect(result.stderr).toBe('');
    const [serve] = JSON.parse(result.stdout).tenants;
    expect(serve.queueing.servingReserve).toEqual({ cpu: 14, ephemeralStorageGiB: 70, gpus: 7, gpusByType: { l4: 7 }, memoryGiB: 56 });
    expect(serve.monthlyCost).toEqual({ cpu: 1175.3, gpu: 4088, memory: 604.44, storage: 10, total: 5877.74 });
  });

  test('gives the route weights of a public service (JSON)', () => {
    project = pricedProject({ 'serve.yaml': EXPOSED }, { kueue: false });
    const result = runMlp(project.dir, 'report', '--format', 'json');
    expect(result.stderr).toBe('');
    const [serve] = JSON.parse(result.stdout).tenants;
    expect(serve.canaryReleases).toHaveLength(1);
    expect(serve.canaryReleases[0].split).toBe('route-weight');
    expect([serve.canaryReleases[0].stable.weight, serve.canaryReleases[0].canary.weight]).toEqual([75, 25]);
  });

  test('prints the tracks side by side (text) and as a Markdown table: by weight on a route, by replica ratio without one', () => {
    project = pricedProject({ 'serve.yaml': EXPOSED }, { kueue: false });
    const { status, stdout } = runMlp(project.dir, 'report');
    expect(status).toBe(0);
    const lines = stdout.split('\n');
    const heading = lines.indexOf(
      'Canary releases: each track of a model service with a canary, its replicas and its monthly cost at its peak (replicas.max + the rollout surge replica)',
    );
    expect(heading).toBeGreaterThan(0);
    expect(lines.slice(heading + 1, heading + 4)).toEqual([
      'TENANT  SERVICE  TRACK   DEPLOYMENT  IMAGE                                    WEIGHT  REPLICAS  PEAK PODS  MONTHLY AT PEAK',
      'serve   api      stable  api         registry.ml.example.com/serve/api:1.0.0  75%     1..4              5        $3,306.90',
      'serve   api      canary  api-canary  registry.ml.example.com/serve/api:1.1.0  25%     1..1              2        $1,322.76',
    ]);
    const markdown = runMlp(project.dir, 'report', '--format', 'markdown').stdout;
    expect(markdown).toContain('| serve | api | canary | api-canary | registry.ml.example.com/serve/api:1.1.0 | 25% | 1..1 | 2 | $1,322.76 |');

    fs.writeFileSync(`${project.tenantsDir}/serve.yaml`, SERVE(7));
    const internal = runMlp(project.dir, 'report');
    expect(internal.status).toBe(0);
    const rows = internal.stdout.split('\n');
    const at = rows.indexOf(lines[heading]);
    expect(at).toBeGreaterThan(0);
    expect(rows.slice(at + 1, at + 4)).toEqual([
      'TENANT  SERVICE  TRACK   DEPLOYMENT  IMAGE                                    WEIGHT                    REPLICAS  PEAK PODS  MONTHLY AT PEAK',
      'serve   api      stable  api         registry.ml.example.com/serve/api:1.0.0  replica ratio (no route)  1..4              5        $3,306.90',
      'serve   api      canary  api-canary  registry.ml.example.com/serve/api:1.1.0  replica ratio (no route)  1..1              2        $1,322.76',
    ]);
    expect(runMlp(project.dir, 'report', '--format', 'markdown').stdout).toContain(
      '| serve | api | canary | api-canary | registry.ml.example.com/serve/api:1.1.0 | replica ratio (no route) | 1..1 | 2 | $1,322.76 |',
    );
  });

  test('has no canary table when no service has a canary', () => {
    project = pricedProject({ 'serve.yaml': SERVE(7).replace(/ {6}canary:\n.*\n.*\n/, '') }, { kueue: false });
    const { status, stdout } = runMlp(project.dir, 'report');
    expect(status).toBe(0);
    expect(stdout).toContain('serve   0 / 0 / 0');
    expect(stdout).not.toContain('Canary releases');
  });
});
