import * as fs from 'fs';
import { REPORT_CSV_COLUMNS } from '../../cli/report';
import { runMlp } from '../support/cli';
import { pricedProject } from '../support/pricing';

const TRAIN = `apiVersion: platform.mlp.io/v1alpha1
kind: Tenant
metadata:
  name: train
spec:
  costCenter: cc-1
  owners:
    - group: train-leads
  quota:
    cpu: "64"
    memory: 512Gi
    gpu: 16
    storage: 1Ti
    pods: 40
  trainingJobs:
    - name: ddp
      image: registry.ml.example.com/train/trainer:1.0.0
      workers: 2
      gpus: 4
      cpu: "16"
      memory: 128Gi
      checkpoint:
        size: 100Gi
    - name: eval
      image: registry.ml.example.com/train/eval:1.0.0
      gpus: 1
      gpuType: l4
      cpu: "4"
      memory: 16Gi
`;

const SERVE = `apiVersion: platform.mlp.io/v1alpha1
kind: Tenant
metadata:
  name: serve
spec:
  costCenter: cc-2
  tier: critical
  owners:
    - group: serve-leads
  quota:
    cpu: "32"
    memory: 128Gi
    gpu: 5
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
    - name: web
      image: registry.ml.example.com/serve/web:1.0.0
      cpu: 500m
      memory: 1Gi
`;

/*
 * Hand-computed figures (test prices: cpuCoreHour 0.035, memoryGiBHour 0.0045,
 * storageGiBMonth 0.10, a100-80gb 2.90/h (the default GPU type), l4 0.80/h; 730 h a month).
 *
 * serve: quota cpu 32, memory 128Gi, gpu 5 (api's 4 replicas and the surge replica of a rollout), storage 100Gi
 *   cpu 32 × 0.035 × 730 = 817.60; memory 128 × 0.0045 × 730 = 420.48;
 *   gpu 5 × 2.90 × 730 = 10,585.00; storage 100 × 0.10 = 10.00; total 11,833.08
 *   services at min: api 1 × (2 cpu, 8 GiB, 1 GPU) + web 2 × (0.5, 1, 0) = 3 cpu, 10 GiB, 1 GPU
 *   services at max: api 4 × (2, 8, 1)           + web 4 × (0.5, 1, 0) = 10 cpu, 36 GiB, 4 GPUs (all l4)
 *   rollout surge: one more replica of each: api (2, 8, 1) + web (0.5, 1, 0) = 2.5 cpu, 9 GiB, 1 GPU (l4)
 * train: quota cpu 64, memory 512Gi, gpu 16, storage 1Ti (1024 GiB)
 *   cpu 64 × 0.035 × 730 = 1,635.20; memory 512 × 0.0045 × 730 = 1,681.92;
 *   gpu 16 × 2.90 × 730 = 33,872.00; storage 1024 × 0.10 = 102.40; total 37,291.52
 *   jobs: ddp 2 workers × (16 cpu, 128 GiB, 4 a100) + eval 1 × (4, 16, 1 l4) = 36 cpu, 272 GiB, 9 GPUs (8 a100, 1 l4)
 * totals: cost 11,833.08 + 37,291.52 = 49,124.60; quota 96 cpu, 640 GiB, 21 GPUs, 1,124 GiB storage, 70 pods
 * peak (jobs + services at max + rollout surge): 36 + 10 + 2.5 = 48.5 cpu, 272 + 36 + 9 = 317 GiB, 9 + 4 + 1 = 14 GPUs
 * GPU types at peak: a100 8 × 2.90 × 730 = 16,936.00; l4 (1 + 4 + 1) × 0.80 × 730 = 3,504.00
 * local disk (the defaults: 50 GiB a job worker, 10 GiB a service replica; quota 200 GiB each, not priced):
 *   serve: at min api 1 + web 2 = 30 GiB, at max 4 + 4 = 80 GiB, surge 2 × 10 = 20 GiB, peak 100 of 200
 *   train: jobs ddp 2 + eval 1 = 3 × 50 = 150 GiB, peak 150 of 200; totals: quota 400, peak 250
 */
describe('mlp report without Kueue', () => {
  let project: ReturnType<typeof pricedProject>;
  beforeEach(() => {
    project = pricedProject({ 'train.yaml': TRAIN, 'serve.yaml': SERVE }, { kueue: false });
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('computes quota, requested resources and monthly cost per tenant, with totals (JSON)', () => {
    const result = runMlp(project.dir, 'report', '--format', 'json');
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    const [serve, train] = report.tenants;

    expect(serve.name).toBe('serve');
    expect(serve.quota).toEqual({ cpu: 32, ephemeralStorageGiB: 200, gpus: 5, memoryGiB: 128, pods: 30, storageGiB: 100 });
    expect(serve.monthlyCost).toEqual({ cpu: 817.6, gpu: 10585, memory: 420.48, storage: 10, total: 11833.08 });
    expect(serve.requested.servicesAtMin).toEqual({ cpu: 3, ephemeralStorageGiB: 30, gpus: 1, gpusByType: { l4: 1 }, memoryGiB: 10 });
    expect(serve.requested.servicesAtMax).toEqual({ cpu: 10, ephemeralStorageGiB: 80, gpus: 4, gpusByType: { l4: 4 }, memoryGiB: 36 });
    expect(serve.requested.jobs).toEqual({ cpu: 0, ephemeralStorageGiB: 0, gpus: 0, gpusByType: {}, memoryGiB: 0 });

    expect(train.monthlyCost).toEqual({ cpu: 1635.2, gpu: 33872, memory: 1681.92, storage: 102.4, total: 37291.52 });
    expect(train.requested.jobs).toEqual({ cpu: 36, ephemeralStorageGiB: 150, gpus: 9, gpusByType: { 'a100-80gb': 8, l4: 1 }, memoryGiB: 272 });
    expect(train.requested.checkpointStorageGiB).toBe(100);

    expect(report.totals.monthlyCost).toEqual({ cpu: 2452.8, gpu: 44457, memory: 2102.4, storage: 112.4, total: 49124.6 });
    expect(report.totals.quota).toEqual({ cpu: 96, ephemeralStorageGiB: 400, gpus: 21, memoryGiB: 640, pods: 70, storageGiB: 1124 });
    expect(report.totals.requested.rolloutSurge).toEqual({ cpu: 2.5, ephemeralStorageGiB: 20, gpus: 1, gpusByType: { l4: 1 }, memoryGiB: 9 });
    expect(report.totals.requested.peak).toEqual({ cpu: 48.5, ephemeralStorageGiB: 250, gpus: 14, gpusByType: { 'a100-80gb': 8, l4: 6 }, memoryGiB: 317 });
    expect(report.gpuTypes).toEqual([
      { hourlyPrice: 2.9, jobs: 8, monthlyCostAtPeak: 16936, peak: 8, rolloutSurge: 0, servicesAtMax: 0, servicesAtMin: 0, type: 'a100-80gb' },
      { hourlyPrice: 4.5, jobs: 0, monthlyCostAtPeak: 0, peak: 0, rolloutSurge: 0, servicesAtMax: 0, servicesAtMin: 0, type: 'h100-80gb' },
      { hourlyPrice: 0.8, jobs: 1, monthlyCostAtPeak: 3504, peak: 6, rolloutSurge: 1, servicesAtMax: 4, servicesAtMin: 1, type: 'l4' },
    ]);
    expect(report.gpuQuotaPrice).toEqual({ hourlyPrice: 2.9, type: 'a100-80gb' });
    expect(report.queueing).toEqual({ kueue: false });
    expect(serve.queueing).toBeUndefined();
    expect(report.totals.queueing).toBeUndefined();
  });

  test('writes one CSV row per tenant and a total row', () => {
    const { status, stdout } = runMlp(project.dir, 'report', '--format', 'csv');
    expect(status).toBe(0);
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header.split(',')).toEqual([...REPORT_CSV_COLUMNS]);
    expect(rows).toEqual([
      'serve,critical,cc-2,32,128,5,100,30,200,0,0,0,3,10,1,10,36,4,5,100,0,817.60,420.48,10585.00,10.00,11833.08,USD,,,,,,',
      'train,standard,cc-1,64,512,16,1024,40,200,36,272,9,0,0,0,0,0,0,9,150,100,1635.20,1681.92,33872.00,102.40,37291.52,USD,,,,,,',
      'TOTAL,,,96,640,21,1124,70,400,36,272,9,3,10,1,10,36,4,14,250,100,2452.80,2102.40,44457.00,112.40,49124.60,USD,,,,,,',
    ]);
  });

  test('prints tables with totals and the GPU commitment by type (text)', () => {
    const { status, stdout } = runMlp(project.dir, 'report');
    expect(status).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain('serve   critical  cc-2          32         128     5          100    30             200          $11,833.08');
    expect(lines).toContain('TOTAL                           96         640    21         1124    70             400          $49,124.60');
    expect(lines).toContain('TOTAL   36 / 272 / 9           3 / 10 / 1       10 / 36 / 4      14 of 21            8 a100-80gb, 6 l4  250 of 400');
    expect(lines).toContain('serve   0 / 0 / 0              3 / 10 / 1       10 / 36 / 4      5 of 5              5 l4               100 of 200');
    expect(lines).toContain('train   36 / 272 / 9           0 / 0 / 0        0 / 0 / 0        9 of 16             8 a100-80gb, 1 l4  150 of 200');
    expect(lines).toContain('a100-80gb          $2.90     8                0                0              0     8       $16,936.00');
    expect(lines).toContain('l4                 $0.80     1                1                4              1     6        $3,504.00');
    expect(stdout).toContain('GPU quota granted: 21 GPUs, committed at the default GPU type a100-80gb ($2.90/h): $44,457.00 a month; workloads hold at most 14 at once, 7 granted but claimed by no workload.');
  });

  test('writes Markdown tables', () => {
    const { stdout } = runMlp(project.dir, 'report', '--format', 'markdown');
    expect(stdout).toContain('| **Total** |  |  | **96** | **640** | **21** | **1124** | **70** | **400** | **$49,124.60** |');
  });
});
