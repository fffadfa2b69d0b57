/**
 * A local control plane (scripts/control-plane.sh) and a Pulumi stack with a
 * local file backend, both in a scratch directory: for the end-to-end tests
 * (test/e2e) and the deployment benchmark (bench/preview.ts).
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { portRangeVariable } from './ports';
import { REPO_ROOT } from './repo-root';
import { run, runOk, toolEnv } from './tools';

const CONTROL_PLANE = path.join(REPO_ROOT, 'scripts', 'control-plane.sh');

/** How {@link ControlPlane.start} starts the cluster. */
export interface ControlPlaneOptions {
  /**
   * Run kube-scheduler and kwok, with simulated nodes derived from a
   * platform file, so that pods are scheduled, run and finish.
   * @default - no scheduler and no nodes: pods stay Pending
   */
  readonly simulatedNodes?: SimulatedNodes;
  /**
   * Install Kueue's CRDs and run the real Kueue manager with its Job and
   * Kueue-kind webhooks (MLP_CP_KUEUE=1, scripts/control-plane.sh and
   * devkit/kueue.ts); stopped with the control plane, its log is
   * `logs/kueue.log`.
   * @default false
   */
  readonly kueue?: boolean;
}

/** The simulated nodes of a scheduling cluster (scripts/control-plane.sh, devkit/simulated-cluster.ts). */
export interface SimulatedNodes {
  /** The platform file whose GPU types and storage classes the nodes and volumes follow. */
  readonly platformFile: string;
  /** @default 2 */
  readonly gpuNodesPerType?: number;
  /** @default 8 */
  readonly gpusPerNode?: number;
  /** @default 2 */
  readonly cpuNodes?: number;
  /**
   * More kwok Stage files (MLP_CP_KWOK_STAGES), e.g. a test's own pod
   * failures (test/fixtures/kwok/).
   * @default - kwok's and the project's stages only (scripts/kwok-stages/)
   */
  readonly kwokStages?: readonly string[];
}

/** A running control plane. */
export class ControlPlane {
  /** Starts one in `dir` (its certificates, etcd data and logs). */
  public static start(dir: string, options: ControlPlaneOptions = {}): ControlPlane {
    runOk('bash', [CONTROL_PLANE, 'start'], {
      env: { MLP_CP_DIR: dir, MLP_CP_PORTS: portRangeVariable(), MLP_CP_KUEUE: options.kueue ? '1' : '0', ...simulationEnv(options.simulatedNodes) },
      timeoutMs: 300_000,
    });
    return new ControlPlane(dir);
  }

  /** The admin kubeconfig (group system:masters). */
  public readonly kubeconfig: string;

  private constructor(private readonly dir: string) {
    this.kubeconfig = path.join(dir, 'admin.kubeconfig');
  }

  /** A kubeconfig of a user with a client certificate (CN=name, O=groups). */
  public user(name: string, ...groups: string[]): string {
    return runOk('bash', [CONTROL_PLANE, 'user', name, ...groups], { env: { MLP_CP_DIR: this.dir } }).trim().split('\n').pop()!;
  }

  /** kubectl as the admin, or as the user of `kubeconfig`. */
  public kubectl(args: readonly string[], kubeconfig: string = this.kubeconfig) {
    return run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeoutMs: 60_000 });
  }

  /** kubectl as the admin, with `input` on its stdin (for `-f -`); throws when it fails. */
  public kubectlOk(args: readonly string[], input?: string): string {
    return runOk('kubectl', ['--kubeconfig', this.kubeconfig, ...args], { timeoutMs: 60_000, input });
  }

  /**
   * Applies a synthesized output folder with server-side `kubectl apply`, in
   * the order docs/deploy.md gives: `_platform/`, then for each tenant its
   * Namespace, its guards (quota, limits, network policies, role bindings,
   * service account) and then the whole folder. The CRDs of the platform's
   * custom resources must be Established first.
   */
  public applyDist(dist: string, tenants: readonly string[]): void {
    this.kubectlOk(['apply', '--server-side', '-R', '-f', path.join(dist, '_platform')]);
    for (const tenant of tenants) this.applyTenantFolder(path.join(dist, tenant));
  }

  /**
   * Applies the CRDs that the platform installs (mlp:crdFiles, {@link platformCrdFiles}):
   * prometheus-operator's and Kueue's, and waits until every CRD of the
   * cluster is Established (so also those applied before). It polls rather
   * than `kubectl wait --for=condition=Established`, which fails at once on a
   * CRD whose status has no conditions yet.
   */
  public async applyPlatformCrds(): Promise<void> {
    for (const file of platformCrdFiles()) this.kubectlOk(['apply', '--server-side', '-f', file]);
    await this.waitFor('the platform CRDs Established', () =>
      JSON.parse(this.kubectlOk(['get', 'crd', '-o', 'json'])).items.every((crd: any) =>
        crd.status?.conditions?.some((condition: any) => condition.type === 'Established' && condition.status === 'True'),
      ),
    );
  }

  /**
   * kubectl as the admin in the background, for commands that wait (`drain`):
   * its output so far, and its exit status once it ends.
   */
  public kubectlInBackground(args: readonly string[]): BackgroundCommand {
    const child = spawn('kubectl', ['--kubeconfig', this.kubeconfig, ...args], { cwd: REPO_ROOT, env: toolEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    child.stdout!.on('data', (chunk) => (output.stdout += String(chunk)));
    child.stderr!.on('data', (chunk) => (output.stderr += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('close', (status) => resolve(status)));
    return { output, exited, pid: child.pid! };
  }

  /** An object as JSON, or undefined when it does not exist. */
  public get(resource: string, name: string, namespace?: string): any {
    const result = this.kubectl(['get', resource, name, ...(namespace ? ['-n', namespace] : []), '-o', 'json']);
    if (result.status !== 0) {
      if (/NotFound/.test(result.stderr)) return undefined;
      throw new Error(`kubectl get ${resource} ${name} failed: ${result.stderr}`);
    }
    return JSON.parse(result.stdout);
  }

  /** Waits until `check` returns true, polling every half second. */
  public async waitFor(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * CPU time (user + system) used so far by the control plane's processes
   * (etcd, kube-apiserver, kube-controller-manager), from /proc.
   */
  public cpuMs(): number {
    const ticksPerSecond = 100; // USER_HZ on Linux
    let ticks = 0;
    for (const component of ['etcd', 'kube-apiserver', 'kube-controller-manager']) {
      const pid = fs.readFileSync(path.join(this.dir, 'run', `${component}.pid`), 'utf8').trim();
      const fields = statFields(pid)!; // utime and stime
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return (ticks * 1000) / ticksPerSecond;
  }

  /** Kills one component with SIGKILL, as a crash would; its state (etcd data) stays. */
  public kill(component: 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kueue'): void {
    runOk('bash', [CONTROL_PLANE, 'kill', component], { env: { MLP_CP_DIR: this.dir }, timeoutMs: 60_000 });
  }

  /** Starts a killed kube-apiserver again on the same etcd data, ports and certificates; waits until it is ready. */
  public restartApiServer(): void {
    runOk('bash', [CONTROL_PLANE, 'restart', 'kube-apiserver'], { env: { MLP_CP_DIR: this.dir }, timeoutMs: 180_000 });
  }

  /** The URL of etcd's client port (plain http on loopback), e.g. for its JSON gateway `/v3/kv/...`. */
  public etcdUrl(): string {
    const ports = fs.readFileSync(path.join(this.dir, 'run', 'ports.env'), 'utf8');
    return `http://127.0.0.1:${/^ETCD_PORT=(\d+)$/m.exec(ports)![1]}`;
  }

  /** The pods of a namespace (all of them, or those matching a label selector). */
  public pods(namespace: string, selector?: string): any[] {
    return JSON.parse(this.kubectlOk(['get', 'pods', '-n', namespace, ...(selector ? ['-l', selector] : []), '-o', 'json'])).items;
  }

  /** The Node a pod is bound to, or undefined while it is not scheduled. */
  public nodeOf(pod: { spec: { nodeName?: string } }): any {
    return pod.spec.nodeName ? this.get('node', pod.spec.nodeName) : undefined;
  }

  /**
   * Waits until every Deployment of a namespace is Available with at least
   * the replicas its HorizontalPodAutoscaler's minimum asks for (a
   * Deployment without `replicas` starts at 1, and the autoscaler raises it
   * on its first sync, up to 15 s later); returns them.
   */
  public async waitForDeploymentsAvailable(namespace: string, timeoutMs = 120_000): Promise<any[]> {
    let deployments: any[] = [];
    await this.waitFor(`the Deployments of ${namespace} Available at their autoscalers' minimum`, () => {
      const minimum = new Map<string, number>(
        JSON.parse(this.kubectlOk(['get', 'hpa', '-n', namespace, '-o', 'json'])).items
          .filter((hpa: any) => hpa.spec.scaleTargetRef.kind === 'Deployment')
          .map((hpa: any) => [hpa.spec.scaleTargetRef.name, hpa.spec.minReplicas ?? 1]),
      );
      deployments = JSON.parse(this.kubectlOk(['get', 'deployments', '-n', namespace, '-o', 'json'])).items;
      return deployments.every(
        (deployment) =>
          deployment.status?.conditions?.some((condition: any) => condition.type === 'Available' && condition.status === 'True') &&
          (deployment.status.availableReplicas ?? 0) >= (minimum.get(deployment.metadata.name) ?? 1) &&
          deployment.status.observedGeneration === deployment.metadata.generation,
      );
    }, timeoutMs);
    return deployments;
  }

  /**
   * Applies a tenant's folder of `mlp synth` output with server-side apply, in
   * the order docs/deploy.md gives: the Namespace, then its quota, limits,
   * network policies, RBAC and service account, then the rest.
   */
  public applyTenantFolder(folder: string): void {
    const tenant = path.basename(folder);
    const files = fs.readdirSync(folder);
    const apply = (...paths: string[]) => this.kubectlOk(['apply', '--server-side', ...paths.flatMap((file) => ['-f', file])]);
    apply(path.join(folder, `namespace-${tenant}.yaml`));
    apply(...files.filter((file) => /^(resourcequota|limitrange|networkpolicy|rolebinding|serviceaccount)-/.test(file)).map((file) => path.join(folder, file)));
    apply(folder);
  }

  /** Waits until a Job has the condition (Complete, Failed, ...) and returns it. */
  public async waitForJob(name: string, namespace: string, condition: string, timeoutMs = 120_000): Promise<any> {
    let job: any;
    await this.waitFor(`job ${namespace}/${name} ${condition}`, () => {
      job = this.get('job', name, namespace);
      return job?.status?.conditions?.some((entry: any) => entry.type === condition && entry.status === 'True') ?? false;
    }, timeoutMs);
    return job;
  }

  /** Stops every process of the control plane; verifies none is left. */
  public stop(): void {
    runOk('bash', [CONTROL_PLANE, 'stop'], { env: { MLP_CP_DIR: this.dir }, timeoutMs: 60_000 });
  }
}

/** A command started by {@link ControlPlane.kubectlInBackground}. */
export interface BackgroundCommand {
  /** What it printed so far. */
  readonly output: { readonly stdout: string; readonly stderr: string };
  /** Its exit status (null when a signal ended it), once it has ended. */
  readonly exited: Promise<number | null>;
  readonly pid: number;
}

/**
 * The CRD files the platform's custom resources need, as `mlp:crdFiles` lists
 * them for a cluster without the operators' own installations: the
 * prometheus-operator CRDs (its Prometheus, monitors and rules), the Gateway
 * API standard-channel CRDs (the HTTPRoutes of exposed services) and, unless
 * `kueue` is false, every Kueue CRD (its ResourceFlavors,
 * WorkloadPriorityClasses, ClusterQueues and LocalQueues, and the kinds the
 * Kueue manager watches), from the tool cache. A cluster started with
 * `kueue: true` has Kueue's CRDs from its Kueue installation already: a stack
 * that installed them again would share them with it (and saw changes to them
 * on every later preview). Always KEDA's ScaledObject CRD (model services that
 * scale on requests, docs/exposure.md): only the CRD, no KEDA operator.
 */
export function platformCrdFiles(options: { readonly kueue?: boolean } = {}): string[] {
  const env = toolEnv();
  const dirs = [env.MLP_PROMETHEUS_CRDS_DIR!, env.MLP_GATEWAY_API_CRDS_DIR!, ...(options.kueue === false ? [] : [env.MLP_KUEUE_CRDS_DIR!]), env.MLP_KEDA_CRDS_DIR!];
  return dirs.flatMap((dir) =>
    fs
      .readdirSync(dir)
      .filter((file) => file.endsWith('.yaml'))
      .sort()
      .map((file) => path.join(dir, file)),
  );
}

/** The environment of scripts/control-plane.sh for these simulated nodes (MLP_CP_NODES=0 for none). */
function simulationEnv(nodes: SimulatedNodes | undefined): NodeJS.ProcessEnv {
  if (nodes === undefined) return { MLP_CP_NODES: '0' };
  const sizes = { MLP_SIM_GPU_NODES: nodes.gpuNodesPerType, MLP_SIM_GPUS_PER_NODE: nodes.gpusPerNode, MLP_SIM_CPU_NODES: nodes.cpuNodes };
  return {
    MLP_CP_NODES: '1',
    MLP_CP_PLATFORM: nodes.platformFile,
    MLP_CP_KWOK_STAGES: (nodes.kwokStages ?? []).join(':'),
    ...Object.fromEntries(Object.entries(sizes).map(([variable, value]) => [variable, value === undefined ? '' : String(value)])),
  };
}

/** How {@link PulumiStack.pulumi} runs a command. */
export interface PulumiOptions {
  /** @default 600_000 */
  readonly timeoutMs?: number;
  /** Variables added to the environment, e.g. PULUMI_SKIP_CHECKPOINTS. @default none */
  readonly env?: NodeJS.ProcessEnv;
}

/** The settings of a {@link PulumiStack}. */
export interface PulumiStackSettings {
  readonly kubeconfig: string;
  readonly skipAwait: boolean;
  /** The platform file, copied into the project. */
  readonly platformFile: string;
  /** The tenant files, by file name. */
  readonly tenants: Record<string, string>;
  /** mlp:crdFiles. @default platformCrdFiles() */
  readonly crdFiles?: readonly string[];
  /** mlp:part, e.g. `platform` or `tenant:nlp`. @default - unset: the single stack (`all`) */
  readonly part?: string;
  /** mlp:clusterIdentifier. @default - unset: `<project>-<stack>` */
  readonly clusterIdentifier?: string;
}

/**
 * A scratch project in `dir`: a copy of the given platform file, the given
 * tenant files (name → content) in tenants/, and a stack on a file backend;
 * {@link PulumiStack.addStack} adds more stacks to it.
 */
export class PulumiStack {
  public readonly tenantsDir: string;
  public readonly platformFile: string;
  /** Every pulumi command this stack ran, with its exit status and output (kept by {@link keepLogs}). */
  public readonly logFile: string;
  private readonly configFile: string;
  private readonly env: NodeJS.ProcessEnv;

  private readonly dir: string;
  private readonly settings: PulumiStackSettings;

  /**
   * @param sharedProject the project in `dir` (platform file, tenants/,
   * state) was made by another PulumiStack: add a stack to it, logging to
   * `pulumi-<name>.log` (see {@link addStack})
   */
  public constructor(
    dir: string,
    public readonly name: string,
    settings: PulumiStackSettings,
    sharedProject = false,
  ) {
    this.dir = dir;
    this.settings = settings;
    this.tenantsDir = path.join(dir, 'tenants');
    this.platformFile = path.join(dir, 'platform.yaml');
    this.configFile = path.join(dir, `Pulumi.${name}.yaml`);
    this.logFile = path.join(dir, sharedProject ? `pulumi-${name}.log` : 'pulumi.log');
    if (!sharedProject) {
      fs.mkdirSync(path.join(dir, 'state'), { recursive: true });
      fs.copyFileSync(settings.platformFile, this.platformFile);
      fs.mkdirSync(this.tenantsDir);
      for (const [file, text] of Object.entries(settings.tenants)) fs.writeFileSync(path.join(this.tenantsDir, file), text);
    }
    this.env = { PULUMI_BACKEND_URL: `file://${path.join(dir, 'state')}`, PULUMI_CONFIG_PASSPHRASE: '' };

    // `pulumi stack init` writes Pulumi.<stack>.yaml (its encryption salt) beside Pulumi.yaml; keep the repository clean.
    const initFile = path.join(REPO_ROOT, `Pulumi.${name}.yaml`);
    this.pulumiOk(['stack', 'init', name, '--non-interactive']);
    fs.rmSync(initFile, { force: true });
    const crds = settings.crdFiles ?? platformCrdFiles();
    this.setConfig({
      'mlp:tenantsDir': this.tenantsDir,
      'mlp:platformFile': this.platformFile,
      'mlp:kubeconfig': settings.kubeconfig,
      'mlp:skipAwait': String(settings.skipAwait),
      ...(settings.part !== undefined && { 'mlp:part': settings.part }),
      ...(settings.clusterIdentifier !== undefined && { 'mlp:clusterIdentifier': settings.clusterIdentifier }),
    });
    crds.forEach((file, index) => this.pulumiOk(['config', 'set', '--config-file', this.configFile, '--path', `mlp:crdFiles[${index}]`, file]));
  }

  /**
   * Another stack of this project (same platform file, tenants/ and state
   * backend, so that StackReferences between them resolve), with the same
   * settings but `part` (and `clusterIdentifier`, when given): e.g. the
   * tenant stacks beside a platform stack.
   */
  public addStack(name: string, settings: Pick<PulumiStackSettings, 'part' | 'clusterIdentifier'>): PulumiStack {
    return new PulumiStack(this.dir, name, { ...this.settings, ...settings }, true);
  }

  /** Sets stack configuration values. */
  public setConfig(values: Record<string, string>): void {
    for (const [key, value] of Object.entries(values)) this.pulumiOk(['config', 'set', '--config-file', this.configFile, key, value]);
  }

  /** Sets a list in the stack configuration, e.g. mlp:decommission. */
  public setConfigList(key: string, values: readonly string[]): void {
    this.pulumi(['config', 'rm', '--config-file', this.configFile, key]);
    values.forEach((value, index) => this.pulumiOk(['config', 'set', '--config-file', this.configFile, '--path', `${key}[${index}]`, value]));
  }

  /**
   * The full argument list and environment of a pulumi command on this stack
   * (run from the repository root, where Pulumi.yaml is), for callers that
   * run it themselves, like the benchmark.
   */
  public command(args: readonly string[], env: NodeJS.ProcessEnv = {}): { readonly args: string[]; readonly env: NodeJS.ProcessEnv } {
    const configArgs = ['stack', 'config', 'cancel'].includes(args[0]) ? [] : ['--config-file', this.configFile];
    const stackArgs = args[0] === 'stack' ? [] : ['--stack', this.name];
    return { args: [...args, ...configArgs, ...stackArgs, '--non-interactive'], env: { ...toolEnv(), ...this.env, ...env } };
  }

  /** Runs a pulumi command on the stack; never throws for its exit status. */
  public pulumi(args: readonly string[], options: PulumiOptions = {}) {
    const command = this.command(args, options.env);
    const started = Date.now();
    const result = run('pulumi', command.args, { env: command.env, timeoutMs: options.timeoutMs ?? 600_000 });
    this.log(`pulumi ${command.args.join(' ')}`, `exited ${result.status ?? result.signal} after ${Date.now() - started} ms`, result.stdout, result.stderr);
    return result;
  }

  /** Runs a pulumi command; throws with its output when it fails. */
  public pulumiOk(args: readonly string[], options: PulumiOptions = {}): string {
    const result = this.pulumi(args, options);
    if (result.status !== 0) throw new Error(`pulumi ${args.join(' ')} exited ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  /**
   * Runs a script of the repository that takes pulumi options (e.g.
   * scripts/drift-report.sh) with this stack's options and environment;
   * logged like the pulumi commands. Never throws for its exit status.
   */
  public script(file: string, options: PulumiOptions = {}) {
    const command = this.command(['preview'], options.env);
    const args = command.args.slice(1); // the stack's options, without the command
    const started = Date.now();
    const result = run(path.join(REPO_ROOT, file), args, { env: command.env, timeoutMs: options.timeoutMs ?? 600_000 });
    this.log(`${file} ${args.join(' ')}`, `exited ${result.status ?? result.signal} after ${Date.now() - started} ms`, result.stdout, result.stderr);
    return result;
  }

  /**
   * Runs `scripts/NAME` of the repository with ARGS (e.g. pulumi-unlock.sh
   * --stack e2e) from the repository root, in this stack's environment
   * (backend, PULUMI_HOME, tools); logged like the pulumi commands. Never
   * throws for its exit status.
   */
  public repositoryScript(name: string, args: readonly string[]) {
    const started = Date.now();
    const result = run('bash', [path.join(REPO_ROOT, 'scripts', name), ...args], { env: this.command([]).env, timeoutMs: 600_000 });
    this.log(`scripts/${name} ${args.join(' ')}`, `exited ${result.status ?? result.signal} after ${Date.now() - started} ms`, result.stdout, result.stderr);
    return result;
  }

  /**
   * The documented recovery after an interrupted update (docs/deploy.md#recovery):
   * scripts/pulumi-unlock.sh, and when it says that the killed process left the
   * checkpoint damaged (exit status 3), scripts/pulumi-restore.sh. Throws when
   * the lock is not removed or nothing is restored.
   */
  public recoverInterruptedUpdate(): void {
    const unlocked = this.repositoryScript('pulumi-unlock.sh', ['--stack', this.name]);
    if (unlocked.status === 0) return;
    if (unlocked.status !== 3) throw new Error(`pulumi-unlock.sh exited ${unlocked.status ?? unlocked.signal}: ${unlocked.stdout}${unlocked.stderr}`);
    // The copy predates what the killed update created, so its check may show changes; the next update adopts them.
    const restored = this.repositoryScript('pulumi-restore.sh', ['--stack', this.name, '--', '--config-file', this.configFile]);
    if (!restored.stdout.includes('pulumi-restore: importing the deployment of ')) {
      throw new Error(`pulumi-restore.sh exited ${restored.status ?? restored.signal} without restoring: ${restored.stdout}${restored.stderr}`);
    }
  }

  /** `pulumi up` in the background, for tests that interrupt it. */
  public upInBackground(env: NodeJS.ProcessEnv = {}): ChildProcess {
    const command = this.command(['up', '--yes', '--skip-preview'], env);
    const child = spawn('pulumi', command.args, {
      cwd: REPO_ROOT,
      env: command.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    child.once('exit', (status, signal) => this.log(`pulumi ${command.args.join(' ')} (in the background)`, `exited ${status ?? signal}`, stdout, stderr));
    return child;
  }

  /**
   * Starts `pulumi up` in the background ({@link upInBackground}) and freezes it
   * (SIGSTOP to its process tree) the moment its output has reported `count`
   * created objects: the update then holds the stack's lock and has applied part
   * of its changes, and stays so until the test kills it ({@link killProcessTree}),
   * however fast the machine. (Polling the output instead let a fast update run
   * on, and even finish, while the test was still looking at its lock.)
   *
   * @returns the update's process, once frozen; the promise rejects when the
   * update ends before it created `count` objects.
   */
  public upFrozenAfterCreated(count: number, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
    const up = this.upInBackground(env);
    let output = '';
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += String(chunk);
        if ((output.match(/ created /g) ?? []).length < count) return;
        up.stdout!.off('data', onData);
        up.off('exit', onExit);
        signalProcessTree(up.pid!, 'SIGSTOP');
        resolve(up);
      };
      const onExit = (status: number | null, signal: NodeJS.Signals | null) =>
        reject(new Error(`pulumi up ended (${status ?? signal}) before it created ${count} objects; its output:\n${output}`));
      up.stdout!.on('data', onData);
      up.once('exit', onExit);
    });
  }

  private log(command: string, outcome: string, stdout: string, stderr: string): void {
    fs.appendFileSync(this.logFile, `==== ${new Date().toISOString()} ${command}: ${outcome}\n---- stdout\n${stdout}\n---- stderr\n${stderr}\n`);
  }

  /** The resource changes a preview would make, as `<op> <name>`, without reads and unchanged resources. */
  public previewChanges(): string[] {
    const preview = JSON.parse(this.pulumiOk(['preview', '--json']));
    return (preview.steps ?? [])
      .filter((step: { op: string; urn: string }) => !['same', 'read'].includes(step.op) && !step.urn.includes('pulumi:pulumi:Stack'))
      .map((step: { op: string; urn: string }) => `${step.op} ${step.urn.split('::').pop()}`)
      .sort();
  }

  public writeTenant(file: string, text: string): void {
    fs.writeFileSync(path.join(this.tenantsDir, file), text);
  }

  public readTenant(file: string): string {
    return fs.readFileSync(path.join(this.tenantsDir, file), 'utf8');
  }

  public removeTenant(file: string): void {
    fs.rmSync(path.join(this.tenantsDir, file));
  }
}

/**
 * The fields of /proc/<pid>/stat after the command name (state, ppid, ...,
 * utime at index 11, stime at 12), or undefined when the process is gone.
 */
function statFields(pid: string): string[] | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (command) state ppid ...": the command may contain spaces and parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Sends `signal` to a process and all its descendants. Signalling the process
 * group is not enough for `pulumi`: it starts its language host and providers
 * in process groups of their own, which would live on.
 */
export function signalProcessTree(pid: number, signal: NodeJS.Signals): void {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields === undefined) continue; // exited meanwhile
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0; ) {
    const next = queue.pop()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  for (const member of tree) {
    try {
      process.kill(member, signal);
    } catch {
      // already gone
    }
  }
}

/** Kills a process and all its descendants with SIGKILL, as a crash would (also when they are stopped). */
export function killProcessTree(pid: number): void {
  signalProcessTree(pid, 'SIGKILL');
}

/**
 * Where the end-to-end suite keeps logs after its scratch directories are
 * gone: MLP_E2E_ARTIFACTS, or .e2e/artifacts in the repository (ignored by
 * git). `.ci/run` prints their last lines when the suite fails.
 */
export function artifactsDir(): string {
  return process.env.MLP_E2E_ARTIFACTS ?? path.join(REPO_ROOT, '.e2e', 'artifacts');
}

/**
 * Copies every `*.log` file below `dir` (control-plane component logs, the
 * stack's pulumi.log) to `artifactsDir()/<name>/`, keeping their relative
 * paths and replacing what an earlier run kept there; returns that folder.
 */
export function keepLogs(dir: string, name: string): string {
  const target = path.join(artifactsDir(), name);
  fs.rmSync(target, { recursive: true, force: true });
  const copy = (from: string) => {
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      if (entry.isDirectory()) copy(source);
      else if (entry.isFile() && entry.name.endsWith('.log')) {
        const destination = path.join(target, path.relative(dir, source));
        fs.mkdirSync(path.dirname(destination), { recursive: true });
        fs.copyFileSync(source, destination);
      }
    }
  };
  if (fs.existsSync(dir)) copy(dir);
  return target;
}

/** A scratch directory under the system temp directory. */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
