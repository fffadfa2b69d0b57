/**
 * The real prometheus-operator (cmd/operator of its Go module, built by
 * scripts/build-tools.sh) as a process on loopback against a local control
 * plane, and the Prometheus configuration it generates: for the end-to-end
 * proof that the platform's Prometheus selects every tenant monitor and rule.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { parse, parseAllDocuments } from 'yaml';
import { ControlPlane } from './cluster';
import { portRange } from './ports';
import { REPO_ROOT } from './repo-root';
import { runOk } from './tools';

/** The CRD the operator's Prometheus controller watches besides the four the platform installs (mlp:crdFiles). */
export const PROBE_CRD = 'probes.monitoring.coreos.com';

/** How long the operator may take to answer /healthz, and to exit after SIGTERM. */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** A running prometheus-operator; {@link stop} it in afterAll. */
export class PrometheusOperator {
  /**
   * Starts the operator in `dir` (its log, `prometheus-operator.log`, which
   * keepLogs collects, and the client credentials it reads) as the admin of
   * `cluster`, and waits until its web server answers /healthz: by then it has
   * reached the API server and chosen its controllers (the Prometheus
   * controller needs the Prometheus, ServiceMonitor, PodMonitor,
   * PrometheusRule and Probe CRDs; see {@link probeCrd}).
   *
   * It is given `--apiserver` with certificate files in `dir` rather than a
   * kubeconfig (it takes one only from $KUBECONFIG), so that its command line
   * names the scratch directory and .ci/run's check for leftover processes
   * sees it. No webhooks, no kubelet controller (`--kubelet-service` unset).
   *
   * @throws Error with the end of its log when it exits or does not answer in time.
   */
  public static async start(dir: string, cluster: ControlPlane): Promise<PrometheusOperator> {
    fs.mkdirSync(dir, { recursive: true });
    const credentials = writeCredentials(cluster.kubeconfig, path.join(dir, 'pki'));
    const port = await freePort();
    const binary = operatorBinary();
    const logFile = path.join(dir, 'prometheus-operator.log');
    const log = fs.openSync(logFile, 'a');
    const started = Date.now();
    const child = spawn(
      binary,
      [
        `--apiserver=${credentials.server}`,
        `--ca-file=${credentials.caFile}`,
        `--cert-file=${credentials.certFile}`,
        `--key-file=${credentials.keyFile}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { cwd: dir, stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    const operator = new PrometheusOperator(child, logFile, `http://127.0.0.1:${port}`, started);
    try {
      await operator.waitUntilHealthy(started + START_TIMEOUT_MS);
    } catch (error) {
      await operator.stop();
      throw error;
    }
    return operator;
  }

  /**
   * The Probe CRD of the operator's own release (`prometheus-operator crds`),
   * as JSON for `kubectl apply -f -`: its Prometheus controller watches Probes
   * and waits for that watch before it writes any configuration, while the
   * platform installs only the four CRDs it uses (mlp:crdFiles).
   */
  public static probeCrd(): string {
    const documents = parseAllDocuments(runOk(operatorBinary(), ['crds']))
      .map((document) => document.toJS())
      .filter((crd) => crd?.metadata?.name === PROBE_CRD);
    if (documents.length !== 1) throw new Error(`prometheus-operator crds printed ${documents.length} definitions of ${PROBE_CRD}, expected 1`);
    return JSON.stringify(documents[0]);
  }

  private readonly exited: Promise<void>;
  private running = true;
  private healthyAt: number | undefined;

  private constructor(
    private readonly child: ChildProcess,
    /** The operator's log (stdout and stderr). */
    public readonly logFile: string,
    private readonly url: string,
    private readonly spawnedAt: number,
  ) {
    // 'error' without 'exit' when the process could not be spawned at all.
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    void this.exited.then(() => (this.running = false));
  }

  /** Milliseconds from spawning the process to its first healthy /healthz answer. */
  public get startMs(): number {
    return this.healthyAt! - this.spawnedAt;
  }

  /** Stops the operator (SIGTERM, SIGKILL after 15 s) and waits until its process is gone. */
  public async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private async waitUntilHealthy(deadline: number): Promise<void> {
    for (;;) {
      if (!this.running) throw new Error(`prometheus-operator exited before it was healthy:\n${tail(this.logFile)}`);
      if (await this.healthy()) {
        this.healthyAt = Date.now();
        fs.appendFileSync(this.logFile, `mlp devkit: ${this.url}/healthz answered ${this.startMs} ms after the process was spawned\n`);
        return;
      }
      if (Date.now() > deadline) throw new Error(`prometheus-operator did not answer ${this.url}/healthz within ${START_TIMEOUT_MS} ms:\n${tail(this.logFile)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async healthy(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
    } catch {
      return false; // not listening yet
    }
  }
}

/** What the operator generated for one Prometheus: its configuration and its rule files. */
export interface GeneratedPrometheus {
  /** `prometheus.yaml.gz` of the Secret `prometheus-<name>`, decompressed and parsed. */
  readonly config: any;
  /** The ConfigMaps `prometheus-<name>-rulefiles-<n>`: ConfigMap name → file name → parsed file. */
  readonly ruleFiles: Record<string, Record<string, any>>;
}

/**
 * Waits until the operator has reconciled the Prometheus `namespace/name` at
 * its current generation (its `Reconciled` condition), then reads what it
 * generated.
 */
export async function generatedPrometheus(cluster: ControlPlane, namespace: string, name: string, timeoutMs = 120_000): Promise<GeneratedPrometheus> {
  await cluster.waitFor(`prometheus-operator to reconcile Prometheus ${namespace}/${name}`, () => {
    const prometheus = cluster.get('prometheus', name, namespace);
    return (
      prometheus?.status?.conditions?.some(
        (condition: any) => condition.type === 'Reconciled' && condition.status === 'True' && condition.observedGeneration === prometheus.metadata.generation,
      ) ?? false
    );
  }, timeoutMs);
  const secret = cluster.get('secret', `prometheus-${name}`, namespace);
  const compressed = secret?.data?.['prometheus.yaml.gz'];
  if (compressed === undefined) throw new Error(`secret ${namespace}/prometheus-${name} has no prometheus.yaml.gz`);
  const config = parse(gunzipSync(Buffer.from(compressed, 'base64')).toString('utf8'));
  const prefix = `prometheus-${name}-rulefiles-`;
  const ruleFiles = Object.fromEntries(
    JSON.parse(cluster.kubectlOk(['get', 'configmaps', '-n', namespace, '-o', 'json']))
      .items.filter((configMap: any) => configMap.metadata.name.startsWith(prefix))
      .map((configMap: any) => [
        configMap.metadata.name,
        Object.fromEntries(Object.entries<string>(configMap.data ?? {}).map(([file, text]) => [file, parse(text)])),
      ]),
  );
  return { config, ruleFiles };
}

/** The operator binary in the tool cache; throws naming the build command when it is not built. */
function operatorBinary(): string {
  const binDir = runOk('bash', [path.join(REPO_ROOT, 'scripts', 'build-tools.sh'), '--bin-dir', 'prometheus-operator']).trim();
  return path.join(binDir, 'prometheus-operator');
}

/** Writes the server's CA and the client certificate and key of a kubeconfig's first user (mode 600). */
function writeCredentials(kubeconfig: string, dir: string): { server: string; caFile: string; certFile: string; keyFile: string } {
  const config = parse(fs.readFileSync(kubeconfig, 'utf8'));
  const cluster = config.clusters[0].cluster;
  const user = config.users[0].user;
  fs.mkdirSync(dir, { recursive: true });
  const write = (file: string, base64: string) => {
    const target = path.join(dir, file);
    fs.writeFileSync(target, Buffer.from(base64, 'base64'), { mode: 0o600 });
    return target;
  };
  return {
    server: cluster.server,
    caFile: write('ca.crt', cluster['certificate-authority-data']),
    certFile: write('client.crt', user['client-certificate-data']),
    keyFile: write('client.key', user['client-key-data']),
  };
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, in this jest worker's
 * part of the range the control plane's ports come from (devkit/ports.ts).
 */
async function freePort(): Promise<number> {
  const { first, last } = portRange();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = first + Math.floor(Math.random() * (last - first + 1));
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port on 127.0.0.1 in ${first}-${last} after 100 attempts`);
}

/** The last lines of a log file. */
function tail(file: string, lines = 30): string {
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
