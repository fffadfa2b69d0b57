/**
 * A training Job never blocks `pulumi up`: Pulumi's Job awaiter waits for a
 * Job to succeed, which for a 72-hour training run is a failed deployment.
 * The stack leaves readiness waits on (mlp:skipAwait false), as the main
 * deployment test does. This cluster starts without kube-scheduler and
 * simulated nodes on purpose: there a Job that were awaited would never
 * finish and `pulumi up` would hang, while on the scheduling cluster kwok
 * completes Job pods in seconds, so an awaited Job would pass unnoticed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane, PulumiStack, keepLogs, scratchDir } from '../../devkit/cluster';
import { FIXTURE_PLATFORM_FILE } from '../support/fixtures';

const TRAINER_TENANT = `apiVersion: platform.mlp.io/v1alpha1
kind: Tenant
metadata:
  name: trainer
spec:
  costCenter: cc-7
  owners:
    - user: trainer-owner@example.com
  quota:
    gpu: 8
  trainingJobs:
    - name: long-run
      image: registry.ml.example.com/vision/trainer:2.4.1
      gpus: 8
      cpu: "8"
      memory: 32Gi
      maxRuntime: 72h
`;

describe('training jobs under pulumi up with readiness waits on', () => {
  let dir: string;
  let cluster: ControlPlane;

  beforeAll(() => {
    dir = scratchDir('mlp-e2e-await-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'));
  });

  afterAll(() => {
    try {
      cluster?.stop();
    } finally {
      keepLogs(dir, 'job-await');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pulumi up creates the Job and returns without waiting for it to finish', () => {
    const stack = new PulumiStack(path.join(dir, 'project'), 'await', {
      kubeconfig: cluster.kubeconfig,
      skipAwait: false,
      platformFile: FIXTURE_PLATFORM_FILE,
      tenants: { 'trainer.yaml': TRAINER_TENANT },
    });
    // Pulumi waits up to 10 minutes for an awaited Job; 4 minutes is ample for everything else here.
    const started = Date.now();
    const result = stack.pulumi(['up', '--yes', '--skip-preview'], { timeoutMs: 240_000 });
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 0, signal: null });
    const job = cluster.get('job', 'long-run', 'trainer');
    expect(job.metadata.annotations['pulumi.com/skipAwait']).toBe('true');
    expect(job.metadata.annotations['pulumi.com/deletionPropagationPolicy']).toBe('background');
    expect(job.status?.succeeded ?? 0).toBe(0);
    expect(Date.now() - started).toBeLessThan(240_000);
  });
});
