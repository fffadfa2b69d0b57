/**
 * scripts/control-plane.sh's port choice, with the script sourced (its
 * functions, no component started) and `port_in_use` replaced so that the
 * test does not depend on what listens on the machine.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SCRIPT = path.resolve(__dirname, '../../scripts/control-plane.sh');

/** Sources the script in a state directory of its own, then runs `body`; returns its status, stdout and stderr. */
function inScript(body: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-plane-'));
  const result = spawnSync('bash', ['-c', `source "$1"; mkdir -p "$RUN"; ${body}`, 'bash', SCRIPT], {
    encoding: 'utf8',
    // Not a socket on stdin: bash would take itself for a remote shell and read ~/.bashrc.
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, MLP_CP_DIR: dir, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every port a start with simulated nodes and Kueue picks, from its run/ports.env. */
const PICK_ALL = 'select_components start; PICKED=(); pick_ports; pick_sim_ports; pick_kueue_ports; cat "$RUN/ports.env"';

function ports(envFile: string): Map<string, number> {
  return new Map(
    envFile
      .trim()
      .split('\n')
      .map((line) => line.split('='))
      .map(([name, value]) => [name, Number(value)]),
  );
}

describe('scripts/control-plane.sh port choice', () => {
  test('the nine ports of a start with Kueue are all different, even when only nine are free', () => {
    // With nine candidates for nine picks, any port given twice shows; the old
    // $(free_port) forgot earlier picks in its subshell and repeated ports.
    const result = inScript(`port_in_use() { return 1; }; ${PICK_ALL}`, { MLP_CP_KUEUE: '1', MLP_CP_PORTS: '20000-20008' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const picked = ports(result.stdout);
    expect([...picked.keys()].sort()).toEqual([
      'APISERVER_PORT',
      'ETCD_PEER_PORT',
      'ETCD_PORT',
      'KCM_PORT',
      'KUEUE_HEALTH_PORT',
      'KUEUE_METRICS_PORT',
      'KUEUE_WEBHOOK_PORT',
      'SCHEDULER_PORT',
    ]);
    const values = [...picked.values()];
    expect(new Set(values).size).toBe(values.length);
    for (const port of values) {
      expect(port).toBeGreaterThanOrEqual(20000);
      expect(port).toBeLessThan(20009);
    }
  });

  test('a port something listens on is never picked', () => {
    const result = inScript('port_in_use() { [[ $1 == 20000 ]]; }; port_range; PICKED=(); for i in 1 2 3; do pick_port P; echo "$P"; PICKED=(); done', {
      MLP_CP_PORTS: '20000-20001',
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['20001', '20001', '20001']);
  });

  test('a port given twice in MLP_CP_*_PORT is refused, naming the variable', () => {
    const result = inScript(`port_in_use() { return 1; }; ${PICK_ALL}`, {
      MLP_CP_ETCD_PORT: '25000',
      MLP_CP_APISERVER_PORT: '25000',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('APISERVER_PORT=25000: that port is already given to another component');
  });

  test('when no port is free the start stops with the range it tried', () => {
    const result = inScript('port_in_use() { return 0; }; port_range; PICKED=(); pick_port ETCD_PORT', { MLP_CP_PORTS: '31000-31003' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no free port found for ETCD_PORT in 31000-31003');
  });

  test('ports come from MLP_CP_PORTS', () => {
    const result = inScript(`port_in_use() { return 1; }; ${PICK_ALL}`, { MLP_CP_PORTS: '40000-40099' });
    expect(result.status).toBe(0);
    const values = [...ports(result.stdout).values()];
    expect(values).toHaveLength(8);
    for (const port of values) {
      expect(port).toBeGreaterThanOrEqual(40000);
      expect(port).toBeLessThanOrEqual(40099);
    }
  });

  test.each(['20000', '20000-19999', '80-90', '20000-70000', '020000-20001'])('MLP_CP_PORTS=%s is refused with the form it takes', (value) => {
    const result = inScript('echo sourced; pick_ports; echo picked', { MLP_CP_PORTS: value });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('sourced\n');
    expect(result.stderr).toContain(`MLP_CP_PORTS=${value}: give a range FIRST-LAST of TCP ports within 1024-65535, e.g. 20000-32767`);
  });
});
