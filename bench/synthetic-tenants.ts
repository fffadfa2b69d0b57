/**
 * Synthetic tenants of a realistic shape for the benchmark and its smoke
 * test: each has owners, members and viewers, its own quota and limits,
 * ingress from another namespace and an egress block, a distributed
 * (4-worker) training job with a checkpoint volume, a scheduled
 * evaluation job, a GPU model service behind the ingress and a CPU one.
 * Values vary with the index so that no two tenants render the same.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Name of the `index`th synthetic tenant: `team-00042`. */
export function syntheticTenantName(index: number): string {
  return `team-${String(index).padStart(5, '0')}`;
}

/** The tenant file of the `index`th synthetic tenant. */
export function syntheticTenant(index: number): string {
  const name = syntheticTenantName(index);
  return `apiVersion: platform.mlp.io/v1alpha1
kind: Tenant
metadata:
  name: ${name}
  labels:
    team: group-${index % 37}
spec:
  costCenter: cc-${1000 + (index % 500)}
  owners:
    - group: ${name}-leads
    - user: lead-${index}@example.com
  members:
    - group: ${name}-engineers
  viewers:
    - user: finance-bot@example.com
  tier: ${['critical', 'standard', 'batch'][index % 3]}
  quota:
    cpu: "160"
    memory: 1280Gi
    gpu: 32
    storage: 4Ti
    pods: 100
  queueing:
    gpuGuarantee:
      a100-80gb: 24
      l4: 8
  limits:
    max:
      cpu: "64"
      memory: 512Gi
  network:
    allowFrom:
      - web-frontend
    egress:
      allowCidrs:
        - 10.40.${index % 256}.0/24
  trainingJobs:
    - name: ddp
      image: registry.ml.example.com/${name}/trainer:2.4.${index % 10}
      command: [torchrun]
      args: [train.py, --config=configs/base.yaml]
      env:
        DATASET_URL: s3://datasets/${name}
      gpus: 4
      workers: 4
      cpu: "16"
      memory: 128Gi
      checkpoint:
        size: 1Ti
      maxRuntime: 72h
    - name: eval-nightly
      image: registry.ml.example.com/${name}/eval:1.0.${index % 7}
      gpus: 1
      gpuType: l4
      cpu: "8"
      memory: 32Gi
      maxRuntime: 2h
      schedule: "0 2 * * *"
  modelServices:
    - name: api
      image: registry.ml.example.com/${name}/server:1.0.0
      port: 8000
      gpus: 1
      gpuType: l4
      cpu: "4"
      memory: 16Gi
      replicas:
        min: 2
        max: 4
      expose:
        type: ingress
    - name: embed
      image: ghcr.io/example-org/embeddings:0.9.2
      cpu: "2"
      memory: 8Gi
`;
}

/**
 * Writes a project of `count` synthetic tenants: `dir/platform.yaml` (a copy
 * of `platformFile`) and `dir/tenants/*.yaml`. Returns the paths.
 */
export function writeSyntheticProject(dir: string, count: number, platformFile: string): { platformFile: string; tenantsDir: string } {
  const tenantsDir = path.join(dir, 'tenants');
  fs.rmSync(tenantsDir, { recursive: true, force: true });
  fs.mkdirSync(tenantsDir, { recursive: true });
  const copy = path.join(dir, 'platform.yaml');
  fs.copyFileSync(platformFile, copy);
  for (let index = 0; index < count; index++) {
    fs.writeFileSync(path.join(tenantsDir, `${syntheticTenantName(index)}.yaml`), syntheticTenant(index));
  }
  return { platformFile: copy, tenantsDir };
}
