/**
 * The GitHub Actions workflows lint clean with actionlint, built from its Go
 * module by scripts/actionlint.sh (which .ci/run calls before this suite).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../support/fixtures';

function actionlintPath(): string {
  const result = spawnSync(path.join(REPO_ROOT, 'scripts', 'actionlint.sh'), ['--print-path'], { encoding: 'utf8' });
  const binary = result.stdout.trim();
  if (binary === '' || !fs.existsSync(binary)) {
    throw new Error(`actionlint is not built (${binary || 'no path'}); run scripts/actionlint.sh --install`);
  }
  return binary;
}

function actionlint(files: string[]) {
  return spawnSync(actionlintPath(), ['-no-color', '-oneline', ...files], { encoding: 'utf8', cwd: REPO_ROOT });
}

describe('GitHub Actions workflows under actionlint', () => {
  test('lint clean', () => {
    const files = fs.readdirSync(path.join(REPO_ROOT, '.github', 'workflows')).map((file) => path.join('.github', 'workflows', file));
    expect(files.length).toBe(3);
    const result = actionlint(files);
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  test('a broken workflow fails the lint (the check can fail)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-actionlint-'));
    try {
      const broken = path.join(dir, 'broken.yml');
      fs.writeFileSync(broken, 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n');
      const result = actionlint([broken]);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('property "nope" is not defined');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
