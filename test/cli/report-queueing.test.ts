/**
 * `mlp report` with Kueue: cost committed on the guarantee (GPUs at each
 * type's price of its split) and the serving reserve; what a tenant may
 * borrow and lend shown beside it, not priced.
 */
import * as fs from 'fs';
import { REPORT_CSV_COLUMNS } from '../../cli/report';
import { runMlp } from '../support/cli';
import { pricedProject } from '../support/pricing';

const QUEUEING = {
  kueue: true,
  cohort: 'shared',
  defaults: { borrowingLimit: { gpu: 4, cpu: '16', memory: '64Gi', ephemeralStorage: '100Gi' }, fairSharingWeight: 1 },
};

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
  queueing:
    gpuGuarantee: {a100-80gb: 8, h100-80gb: 8}
    borrowingLimit: {gpu: 8}
    lendingLimit: {gpu: 2}
    fairSharingWeight: 3
  trainingJobs:
    - name: ddp
      image: registry.ml.example.com/train/trainer:1.0.0
      workers: 2
      gpus: 4
      cpu: "16"
      memory: 128Gi
    - name: big
      image: registry.ml.example.com/train/trainer:1.0.0
      workers: 1
      gpus: 8
      gpuType: h100-80gb
      cpu: "8"
      memory: 64Gi
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
    gpu: 0
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
 * Hand-computed figures (test prices: cpuCoreHour 0.035, memoryGiBHour 0.0045, storageGiBMonth 0.10,
 * a100-80gb 2.90/h, h100-80gb 4.50/h, l4 0.80/h; 730 h a month; three GPU types, so three GPU flavors).
 *
 * train: guarantee cpu 64, memory 512 GiB, 16 GPUs split 8 a100-80gb + 8 h100-80gb; no services, no reserve.
 *   cpu 64 × 0.035 × 730 = 1,635.20; memory 512 × 0.0045 × 730 = 1,681.92;
 *   gpu 8 × 2.90 × 730 + 8 × 4.50 × 730 = 16,936.00 + 26,280.00 = 43,216.00 (not 16 × 2.90 × 730 = 33,872.00 at the default type);
 *   storage 1024 × 0.10 = 102.40; total 46,635.52
 *   may borrow: 8 GPUs of each of the 3 types = 24; cpu 16, memory 64 GiB, local disk 100 GiB (platform defaults)
 *   may lend: at most 2 GPUs of each type it is guaranteed (a100, h100) = 4; all of its cpu, memory and local disk
 *   jobs: ddp 2 × 4 a100 + big 1 × 8 h100 = 16 GPUs, the guarantee of 16 (a job that must borrow more h100 than the
 *   cohort guarantees is refused: serve guarantees no GPUs)
 *   namespace quota GPUs: 16 + 24 + 0 = 40
 * serve: guarantee cpu 32, memory 128 GiB, 0 GPUs; serving reserve (max replicas + 1 surge replica):
 *   api 5 × (2 cpu, 8 GiB, 1 l4, 10 GiB local disk) + web 5 × (0.5, 1 GiB, 10 GiB local disk) = 12.5 cpu, 45 GiB, 5 l4, 100 GiB local disk
 *   committed: cpu 44.5 × 0.035 × 730 = 1,136.975 → 1,136.98; memory 173 × 0.0045 × 730 = 568.305 → 568.31;
 *   gpu 5 × 0.80 × 730 = 2,920.00; storage 100 × 0.10 = 10.00; total 4,635.28
 *   may borrow: 4 GPUs of each type = 12; may lend: 0 GPUs
 *   namespace quota: GPUs 0 + 12 + 5 = 17; cpu 32 + 16 + 12.5 = 60.5; memory 128 + 64 + 45 = 237 GiB; local disk 200 + 100 + 100 = 400 GiB
 * totals: committed 46,635.52 + 4,635.28 = 51,270.80; GPUs guaranteed 16, reserve 5, committed 21, may borrow 36, may lend 4
 */
describe('mlp report with Kueue', () => {
  let project: ReturnType<typeof pricedProject>;
  beforeEach(() => {
    project = pricedProject({ 'train.yaml': TRAIN, 'serve.yaml': SERVE }, QUEUEING);
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('commits the guarantee and the serving reserve, GPUs at their types, and shows what each tenant may borrow and lend beside it (JSON)', () => {
    const result = runMlp(project.dir, 'report', '--format', 'json');
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report.version).toBe(1);
    expect(report.queueing).toEqual({ cohort: 'shared', kueue: true });
    const [serve, train] = report.tenants;

    expect(train.monthlyCost).toEqual({ cpu: 1635.2, gpu: 43216, memory: 1681.92, storage: 102.4, total: 46635.52 });
    expect(train.queueing).toEqual({
      borrowable: { cpu: 16, ephemeralStorageGiB: 100, gpus: 24, gpusByType: { 'a100-80gb': 8, 'h100-80gb': 8, l4: 8 }, memoryGiB: 64 },
      committed: { cpu: 64, ephemeralStorageGiB: 200, gpus: 16, gpusByType: { 'a100-80gb': 8, 'h100-80gb': 8 }, memoryGiB: 512 },
      fairSharingWeight: 3,
      guarantee: { cpu: 64, ephemeralStorageGiB: 200, gpus: 16, gpusByType: { 'a100-80gb': 8, 'h100-80gb': 8 }, memoryGiB: 512 },
      lendable: { cpu: 64, ephemeralStorageGiB: 200, gpus: 4, gpusByType: { 'a100-80gb': 2, 'h100-80gb': 2 }, memoryGiB: 512 },
      // The ResourceQuota: guarantee + borrowing limit (8 GPUs x 3 types) + serving reserve (none).
      resourceQuota: { cpu: 80, ephemeralStorageGiB: 300, gpus: 40, gpusByType: { 'a100-80gb': 16, 'h100-80gb': 16, l4: 8 }, memoryGiB: 576 },
      servingReserve: { cpu: 0, ephemeralStorageGiB: 0, gpus: 0, gpusByType: {}, memoryGiB: 0 },
    });

    expect(serve.monthlyCost).toEqual({ cpu: 1136.98, gpu: 2920, memory: 568.31, storage: 10, total: 4635.28 });
    expect(serve.queueing.servingReserve).toEqual({ cpu: 12.5, ephemeralStorageGiB: 100, gpus: 5, gpusByType: { l4: 5 }, memoryGiB: 45 });
    expect(serve.queueing.committed).toEqual({ cpu: 44.5, ephemeralStorageGiB: 300, gpus: 5, gpusByType: { l4: 5 }, memoryGiB: 173 });
    expect(serve.queueing.borrowable.gpus).toBe(12);
    expect(serve.queueing.resourceQuota).toEqual({ cpu: 60.5, ephemeralStorageGiB: 400, gpus: 17, gpusByType: { 'a100-80gb': 4, 'h100-80gb': 4, l4: 9 }, memoryGiB: 237 });
    expect(serve.queueing.lendable.gpus).toBe(0);
    expect(serve.queueing.fairSharingWeight).toBe(1);

    expect(report.totals.monthlyCost.total).toBe(51270.8);
    expect(report.totals.queueing.guarantee.gpusByType).toEqual({ 'a100-80gb': 8, 'h100-80gb': 8 });
    expect([report.totals.queueing.committed.gpus, report.totals.queueing.borrowable.gpus, report.totals.queueing.lendable.gpus]).toEqual([21, 36, 4]);
    expect(report.gpuTypes.map((type: { type: string; guaranteed: number }) => `${type.type} ${type.guaranteed}`)).toEqual(['a100-80gb 8', 'h100-80gb 8', 'l4 0']);
  });

  test('prints a queueing table and holds the peak against guarantee + borrowing limit + serving reserve (text)', () => {
    const { status, stdout } = runMlp(project.dir, 'report');
    expect(status).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain('Queueing (Kueue): GPUs guaranteed, reserved for serving, committed, and what each tenant may borrow and lend');
    expect(lines).toContain('serve   0                              5 (l4)                5               12 (4 a100-80gb, 4 h100-80gb, 4 l4)     0              1                    0 of 0');
    expect(lines).toContain('train   16 (8 a100-80gb, 8 h100-80gb)  0                     16              24 (8 a100-80gb, 8 h100-80gb, 8 l4)     4              3                    16 of 16');
    expect(lines).toContain('TOTAL   16 (8 a100-80gb, 8 h100-80gb)  5 (l4)                21              36 (12 a100-80gb, 12 h100-80gb, 12 l4)  4                                   16 of 16');
    expect(lines).toContain('h100-80gb          $4.50           8     8                0                0              0     8       $26,280.00');
    expect(lines).toContain('train   40 / 320 / 16          0 / 0 / 0        0 / 0 / 0        16 of 40            8 a100-80gb, 8 h100-80gb        150 of 300');
    expect(lines).toContain('serve   0 / 0 / 0              3 / 10 / 1       10 / 36 / 4      5 of 17             5 l4                            100 of 400');
    expect(stdout).toContain(
      "GPUs guaranteed to the tenants' queues (cohort shared): 16 (8 a100-80gb, 8 h100-80gb); with the serving reserve of 5 they commit 21 GPUs, $46,136.00 a month; " +
        "tenants may borrow up to 36 more of each other's idle GPUs (not committed, not priced); workloads hold at most 21 at once.",
    );
  });

  test('adds the queue columns to the CSV, empty without Kueue', () => {
    const { stdout } = runMlp(project.dir, 'report', '--format', 'csv');
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header.split(',').slice(-7)).toEqual(['currency', 'guaranteed_gpus', 'serving_reserve_gpus', 'committed_gpus', 'borrowable_gpus', 'lendable_gpus', 'fair_sharing_weight']);
    expect(header.split(',')).toEqual([...REPORT_CSV_COLUMNS]);
    expect(rows.map((row) => row.split(',').slice(-7).join(','))).toEqual(['USD,0,5,5,12,0,1', 'USD,16,0,16,24,4,3', 'USD,16,5,21,36,4,']);

    // Without Kueue the quota holds the services too: 5 GPUs.
    const off = pricedProject({ 'serve.yaml': SERVE.replace('gpu: 0', 'gpu: 5') }, { kueue: false });
    try {
      const plain = runMlp(off.dir, 'report', '--format', 'csv').stdout.trimEnd().split('\n');
      expect(plain).toHaveLength(3);
      expect(plain.slice(1).map((row) => row.split(',').slice(-7).join(','))).toEqual(['USD,,,,,,', 'USD,,,,,,']);
    } finally {
      fs.rmSync(off.dir, { recursive: true, force: true });
    }
  });
});
