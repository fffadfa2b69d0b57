import * as fs from 'fs';
import * as path from 'path';
import { displayPath, loadConfig } from '../../config/load';
import { semanticDiff } from '../../review/semantic-diff';
import { minimalTenant, scratchProject } from '../support/fixtures';

const LATEST = 'registry.ml.example.com/mirror/busybox:latest';

/** A configuration whose tenant ddp runs a distributed job with the platform's utility image tagged latest: MLP003. */
function violatingConfig() {
  const project = scratchProject({
    'ddp.yaml': `${minimalTenant('ddp')}  quota:\n    gpu: 2\n  trainingJobs:\n    - name: train\n      image: registry.ml.example.com/ddp/trainer:1.0.0\n      gpus: 1\n      workers: 2\n`,
  });
  const platform = fs.readFileSync(project.platformFile, 'utf8');
  expect(platform).toMatch(/^ {2}utilityImage: .*$/m);
  fs.writeFileSync(project.platformFile, platform.replace(/^ {2}utilityImage: .*$/m, `  utilityImage: ${LATEST}`));
  return { config: loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }), file: displayPath(path.join(project.tenantsDir, 'ddp.yaml')) };
}

const problem = (file: string) =>
  `${file}: ddp/Job/train: MLP003 (images pinned by tag or digest, never latest): init container "wait-for-master" uses image "${LATEST}", ` +
  'whose tag "latest" is mutable; fix: pin a version tag (name:1.2.3) or a digest (name@sha256:...)';

describe('semanticDiff', () => {
  test('fails when the work tree violates a policy, as mlp validate does', () => {
    const { config, file } = violatingConfig();
    expect(() => semanticDiff({ ref: 'HEAD', commit: 'abc' }, config)).toThrow(`1 problem found:\n  ${problem(file)}`);
  });

  test('fails when the base revision violates a policy, saying so', () => {
    const { config, file } = violatingConfig();
    const empty = scratchProject({});
    const head = loadConfig({ platformFile: empty.platformFile, tenantsDir: empty.tenantsDir });
    expect(() => semanticDiff({ ref: 'HEAD', commit: 'abc', config }, head)).toThrow(
      `1 problem found:\n  ${problem(file)} (the base revision, checked with the current library)`,
    );
  });
});
