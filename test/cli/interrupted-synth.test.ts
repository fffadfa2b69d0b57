/**
 * `mlp synth` killed at random moments never leaves a broken dist/: every
 * tenant folder is wholly the previous output or wholly the new one, none is
 * missing, and the next run finishes the job.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readTree } from '../../synthesis/output-tree';
import { REPO_ROOT, minimalTenant, scratchProject } from '../support/fixtures';

const TENANTS = 150;
const MLP = path.join(REPO_ROOT, 'build', 'cli', 'mlp.js');

/** The files of one tenant folder, or undefined when it is missing. */
function folder(tree: Map<string, string>, tenant: string): string | undefined {
  const files = [...tree.entries()].filter(([file]) => file.startsWith(`${tenant}/`)).sort(([a], [b]) => a.localeCompare(b));
  return files.length === 0 ? undefined : JSON.stringify(files);
}

describe('mlp synth, killed midway', () => {
  let project: ReturnType<typeof scratchProject>;
  const names = Array.from({ length: TENANTS }, (_, index) => `team-${String(index).padStart(3, '0')}`);

  beforeAll(() => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'pipe' });
    project = scratchProject(Object.fromEntries(names.map((name) => [`${name}.yaml`, minimalTenant(name)])));
  }, 120_000);
  afterAll(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  const synth = () => execFileSync(process.execPath, [MLP, 'synth'], { cwd: project.dir, stdio: 'pipe' });

  test('leaves each tenant folder wholly old or wholly new, and the next run completes', async () => {
    synth();
    const before = readTree(path.join(project.dir, 'dist'));
    for (const name of names) {
      fs.writeFileSync(path.join(project.tenantsDir, `${name}.yaml`), minimalTenant(name).replace('cc-1', 'cc-2'));
    }
    let interrupted = 0;
    for (const delayMs of [150, 300, 450, 600, 800, 1000, 1300]) {
      const child = spawn(process.execPath, [MLP, 'synth'], { cwd: project.dir, stdio: 'ignore' });
      // Listen before waiting: a run that finishes within the delay (an incremental one does) has exited by then.
      const exited = new Promise((resolve) => child.once('exit', (exitCode, signal) => resolve(signal ?? exitCode)));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const killed = child.kill('SIGKILL');
      const code = await exited;
      if (killed && code === 'SIGKILL') interrupted++;

      const now = readTree(path.join(project.dir, 'dist'));
      for (const name of names) {
        const current = folder(now, name);
        expect({ name, state: current === undefined ? 'missing' : 'present' }).toEqual({ name, state: 'present' });
        // Either the previous rendering (cost center cc-1) or the new one (cc-2), never a mix.
        const costCenters = new Set([...now.entries()].filter(([file]) => file.startsWith(`${name}/`)).map(([, text]) => /mlp\.io\/cost-center: (cc-\d)/.exec(text)?.[1]));
        expect(costCenters.size).toBe(1);
      }
    }
    expect(interrupted).toBeGreaterThan(0);

    synth();
    const after = readTree(path.join(project.dir, 'dist'));
    expect(after.size).toBe(before.size);
    expect([...after.values()].every((text) => !text.includes('cost-center: cc-1'))).toBe(true);
    expect(fs.readdirSync(project.dir).filter((entry) => entry.startsWith('dist.'))).toEqual([]);
  }, 180_000);
});
