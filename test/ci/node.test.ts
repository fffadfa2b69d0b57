/**
 * The Node.js that CI runs: the major that .nvmrc names. `scripts/build-tools.sh --ci-node`
 * (called by .ci/run before `npm ci`) prints nothing when the `node` on PATH is of that major,
 * and otherwise the bin directory of the pinned version in the tool cache, installing it there
 * first. Runs against a scratch cache that already holds a stand-in node, so nothing is
 * downloaded, and a stand-in `node` first on PATH.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../support/fixtures';

const NVMRC = fs.readFileSync(path.join(REPO_ROOT, '.nvmrc'), 'utf8').trim();

describe('scripts/build-tools.sh --ci-node', () => {
  let scratch: string;
  let cache: string;

  /** Runs --ci-node with a `node` on PATH that reports `version`. */
  function ciNode(version: string) {
    const fakeBin = path.join(scratch, 'fake-bin');
    fs.mkdirSync(fakeBin, { recursive: true });
    fs.writeFileSync(path.join(fakeBin, 'node'), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
    const result = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'build-tools.sh'), '--ci-node'], {
      encoding: 'utf8',
      env: { ...process.env, MLP_TOOLS_CACHE: cache, PATH: `${fakeBin}:${process.env.PATH}` },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlp-ci-node-'));
    cache = path.join(scratch, 'cache');
    const bin = path.join(cache, `node-v${NVMRC}`, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\necho v${NVMRC}\n`, { mode: 0o755 });
  });

  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  test('.nvmrc names one Node.js 24 release', () => {
    expect(NVMRC).toMatch(/^24\.\d+\.\d+$/);
  });

  test('uses the cached Node.js of .nvmrc where the machine has Node.js 20', () => {
    const result = ciNode('v20.20.2');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${cache}/node-v${NVMRC}/bin\n`);
    expect(result.stderr).toBe(`[build-tools] node on PATH: v20.20.2; CI runs Node.js 24 (.nvmrc): using node ${NVMRC} from ${cache}\n`);
  });

  test('uses the cached Node.js of .nvmrc where the machine has Node.js 22', () => {
    expect(ciNode('v22.23.5')).toMatchObject({ status: 0, stdout: `${cache}/node-v${NVMRC}/bin\n` });
  });

  test("keeps the machine's node when it is Node.js 24", () => {
    expect(ciNode('v24.1.0')).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  test('--bin-dir fails with the command to run when the Node.js of .nvmrc is not installed', () => {
    fs.rmSync(path.join(cache, `node-v${NVMRC}`), { recursive: true });
    const result = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'build-tools.sh'), '--bin-dir', 'node'], {
      encoding: 'utf8',
      env: { ...process.env, MLP_TOOLS_CACHE: cache },
    });
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: `[build-tools] ERROR: node v${NVMRC} is not installed in ${cache}; run scripts/build-tools.sh node\n`,
    });
  });

  test('.ci/run picks the Node.js and prints its version before it installs anything', () => {
    const run = fs.readFileSync(path.join(REPO_ROOT, '.ci', 'run'), 'utf8');
    const pick = run.indexOf('node_bin=$(scripts/build-tools.sh --ci-node)');
    const version = run.indexOf('echo "[ci] node --version: $(node --version)');
    const install = run.indexOf('npm ci --no-audit --no-fund');
    expect(pick).toBeGreaterThan(0);
    expect(version).toBeGreaterThan(pick);
    expect(install).toBeGreaterThan(version);
  });
});
