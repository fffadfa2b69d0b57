/**
 * `mlp split-stack`: its usage errors and the refusals that come before any
 * state is read, with a stand-in `pulumi` on PATH (test/support/fake-pulumi.ts).
 * What it decides from the states is tested in test/deploy/state-split.test.ts;
 * test/e2e/stack-migration.test.ts splits a real stack.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fakePulumi } from '../support/fake-pulumi';
import { minimalTenant, scratchProject } from '../support/fixtures';
import { runMlpAsync } from '../support/cli';

function project(): string {
  const { dir } = scratchProject({ 'a.yaml': minimalTenant('a') });
  fs.writeFileSync(path.join(dir, 'Pulumi.yaml'), 'name: mlp\nruntime: nodejs\nmain: build/stacks/pulumi/index.js\n');
  fs.writeFileSync(path.join(dir, 'Pulumi.dev.yaml'), 'config:\n  mlp:clusterIdentifier: mlp-dev\n');
  return dir;
}

const savedEnv = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

describe('mlp split-stack', () => {
  test('fails without --from, naming the option', async () => {
    const result = await runMlpAsync(project(), ['split-stack']);
    expect(result.stderr).toBe('mlp: split-stack needs --from STACK, the single stack to split; see `mlp split-stack --help`\n');
    expect(result.status).toBe(2);
  });

  test('fails for a --parallel that is not a whole number >= 1', async () => {
    const result = await runMlpAsync(project(), ['split-stack', '--from', 'dev', '--parallel', '0']);
    expect(result.stderr).toBe('mlp: --parallel 0: expected a whole number >= 1; see `mlp split-stack --help`\n');
    expect(result.status).toBe(2);
  });

  test('refuses to split a stack named like a stack of the split deployment, running no pulumi', async () => {
    const fake = fakePulumi(['platform']);
    Object.assign(process.env, fake.env);
    const result = await runMlpAsync(project(), ['split-stack', '--from', 'platform']);
    expect(result.stderr).toBe('mlp split-stack: --from platform: that is the name of a stack of the split deployment (platform, tenant-<tenant>); name the single stack to split\n');
    expect(result.status).toBe(1);
    expect(fake.calls()).toEqual([]);
  });

  test('refuses a stack that does not exist, listing those that do, and creates no stack', async () => {
    const fake = fakePulumi(['prod']);
    Object.assign(process.env, fake.env);
    const dir = project();
    const result = await runMlpAsync(dir, ['split-stack', '--from', 'dev']);
    expect(result.stdout).toBe(
      'mlp split-stack: refused, nothing was moved:\n' +
        '  - stack dev does not exist on this backend (pulumi stack ls lists prod); check PULUMI_BACKEND_URL and --from\n',
    );
    expect(result.status).toBe(1);
    expect(fake.calls().map((call) => call.split('|')[1])).toEqual(['stack ls --json --non-interactive']);
    // Its log is in its own folder of the work directory.
    expect(fs.readFileSync(path.join(dir, '.mlp', 'stacks', 'split-dev', 'pulumi.log'), 'utf8')).toContain('start: pulumi stack ls --json --non-interactive');
  });
});
