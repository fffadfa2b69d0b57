/**
 * fast-check arbitraries of VALID tenant files for the fixture platform
 * (test/fixtures/platform.yaml): every value they generate is a
 * tenant file that the README documents as valid, so `loadConfig` must accept
 * it and synthesis must turn it into objects Kubernetes accepts.
 *
 * Amounts come from amount-arbitraries.ts, written in notations chosen
 * independently in each place, so that the cross-checks compare values
 * written differently. Quotas are derived from the workloads, mostly exactly
 * at the workloads' need, because the boundary is where comparisons go wrong.
 *
 * `validTenant({ edges: true })` generates files at the edges of the schema
 * instead (see {@link EdgeKind}): names made of the platform's own object
 * names, the rendezvous port, the platform's mount paths, alert durations in
 * any order. They are valid by the README today, but whether they stay valid
 * is for config/ and lib/ to decide, so they are tested for "loads cleanly or the clear
 * error" rather than "loads".
 */
import * as fc from 'fast-check';
import { stringify } from 'yaml';
import { DISTRIBUTED_ENV, PLATFORM_ENV, TRAINING_JOB_DEFAULTS } from '../../lib/gpu-training-job';
import { MODEL_SERVICE_DEFAULTS, ROLLOUT_MAX_SURGE } from '../../lib/model-service';
import { isReservedLabel } from '../../lib/labels';
import { POLICY_IDS } from '../../config/policy-ids';
import { exposureNamespaces } from '../../config/schema/platform';
import { fixturePlatform } from '../support/fixtures';
import { LINK_LOCAL_IPV4, LINK_LOCAL_IPV6, coversIpv4Mapped, mustParseCidr, overlaps } from '../../lib/cidr';
import { GeneratedLimits, MAX_PODS_QUOTA, PLATFORM_QUOTA, QUOTA_BOUNDS, cpuText, limitsArb, mebibytes, mebis, memoryText, millicores, style } from './amount-arbitraries';

/** The fixture platform with queueing through Kueue off, as in the scratch projects of the harness. */
export const PLATFORM = ((platform) => ({ ...platform, spec: { ...platform.spec, queueing: { ...platform.spec.queueing, kueue: false } } }))(fixturePlatform());
const SPEC = PLATFORM.spec;

/** Names a tenant may not take on the fixture platform. */
export function isReservedTenantName(name: string): boolean {
  const reserved = ['default', 'kube-system', 'kube-public', 'kube-node-lease', SPEC.monitoring.namespace, ...exposureNamespaces(SPEC.exposure), SPEC.dns.namespace];
  return reserved.includes(name) || name.startsWith('kube-');
}

/** Words of the platform's own object names and namespaces, for names that collide on purpose. */
const PLATFORM_WORDS = [
  'allow', 'from', 'ingress', 'dns', 'monitoring', 'tenant', 'quota', 'limits', 'workloads', 'checkpoints', 'training',
  'jobs', 'default', 'deny', 'same', 'namespace', 'egress', 'cidrs', 'internet', 'dashboard', 'owners', 'members',
  'viewers', 'alerts', 'nginx', 'metrics', 'http', 'mlp', 'platform', 'prometheus', 'kube', 'a', 'x', '0', '1',
] as const;

/**
 * Fragments of the names the platform gives objects and constructs around
 * user names (`allow-from-<namespace>`, `<service>-from-ingress`,
 * `<job>-checkpoints`, `dashboard-<tenant>`, the chart's `tenant` and
 * `monitoring`), and `constructor`, a property of every JavaScript object
 * (construct ids are keys of one): user names equal to them are where
 * collisions happen.
 */
const NAME_FRAGMENTS = [
  'allow', 'ingress', 'from-ingress', 'tenant', 'monitoring', 'workloads', 'checkpoints', 'dashboard', 'default-deny', 'allow-dns',
  'training-jobs', 'tenant-alerts', 'tenant-quota', 'dns', 'same-namespace', 'constructor',
] as const;

/** `maxLength` or fewer characters of `word`, not ending in '-'. */
function truncateLabel(word: string, maxLength: number): string {
  return word.slice(0, maxLength).replace(/-+$/, '');
}

/**
 * A DNS-1123 label of at most `maxLength` characters: random, or (with
 * `words`) platform words joined by '-' and fragments of platform names.
 */
export function dnsLabel(maxLength: number, words = false): fc.Arbitrary<string> {
  const random = fc.stringMatching(new RegExp(`^[a-z0-9]([-a-z0-9]{0,${maxLength - 2}}[a-z0-9])?$`));
  const joined = fc.array(fc.constantFrom(...PLATFORM_WORDS), { minLength: 1, maxLength: 3 }).map((parts) => truncateLabel(parts.join('-'), maxLength));
  const longest = fc.stringMatching(/^[a-z]$/).map((letter) => letter.repeat(maxLength));
  const fragment = fc.constantFrom(...NAME_FRAGMENTS);
  return (
    words
      ? fc.oneof({ arbitrary: random, weight: 2 }, { arbitrary: joined, weight: 3 }, { arbitrary: fragment, weight: 5 }, { arbitrary: longest, weight: 1 })
      : fc.oneof({ arbitrary: random, weight: 8 }, { arbitrary: longest, weight: 1 })
  ).filter(
    (label) => label.length > 0,
  );
}

/** A DNS-1035 label (starts with a letter) of at most 40 characters: job and service names. */
export const workloadName = (words = false): fc.Arbitrary<string> => dnsLabel(40, words).filter((name) => /^[a-z]/.test(name));

/** A tenant name: a DNS-1123 label of at most 40 characters that is not reserved. */
export const tenantName = (words = false): fc.Arbitrary<string> => dnsLabel(40, words).filter((name) => !isReservedTenantName(name));

// ---------------------------------------------------------------------------
// Strings

/** Unicode text (whole graphemes, so that it survives UTF-8 unchanged). */
export const unicodeText = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ maxLength }), fc.string({ unit: 'grapheme', maxLength }));

const subjectName = fc
  .oneof(
    fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}@example\.com$/),
    fc.stringMatching(/^[A-Za-z][-A-Za-z0-9_.:]{0,30}$/),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
    fc.constantFrom('system', 'System:masters', 'systems:x', 'x'.repeat(253)),
  )
  .filter((name) => name.length > 0 && name.length <= 253 && !name.startsWith('system:'));

export const subjectArb = fc.oneof(subjectName.map((user) => ({ user })), subjectName.map((group) => ({ group })));

const imagePath = fc.array(fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)?$/), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const semver = fc.tuple(fc.nat(20), fc.nat(20), fc.nat(99)).map(([major, minor, patch]) => `${major}.${minor}.${patch}`);
const sha256 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });

/** An image from one of the fixture platform's allowed registries, pinned by tag or digest. */
export const imageArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(imagePath, semver).map(([repository, tag]) => `registry.ml.example.com/${repository}:${tag}`),
  fc.tuple(imagePath, sha256).map(([repository, digest]) => `ghcr.io/example-org/${repository}@sha256:${digest}`),
  fc.tuple(imagePath, semver, sha256).map(([repository, tag, digest]) => `ghcr.io/example-org/${repository}:${tag}@sha256:${digest}`),
);

const ENV_WORDS = ['MODEL_NAME', 'PATH', 'CUDA_VISIBLE_DEVICES', 'NODE_RANK', 'WORLD_SIZE', 'PET_NNODES', '_'];

const ENV_NAME = fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/), fc.constantFrom(...ENV_WORDS));
const ENV_VALUE = fc.oneof(unicodeText(30), fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }));

/** `NAME: value` pairs whose names are not in `reserved`. */
function envArb(reserved: readonly string[]): fc.Arbitrary<Record<string, string | number | boolean>> {
  const name = ENV_NAME.filter((key) => !reserved.includes(key));
  const value = ENV_VALUE;
  return fc.uniqueArray(fc.tuple(name, value), { maxLength: 3, selector: ([key]) => key }).map((pairs) => Object.fromEntries(pairs));
}

const argsArb = fc.array(unicodeText(40), { maxLength: 3 });

/** A duration of the tenant schema: `90m`, `24h`, `2d`, `1h30m`; never zero. */
const runtimeArb = fc
  .tuple(fc.option(fc.integer({ min: 0, max: 30 })), fc.option(fc.integer({ min: 0, max: 48 })), fc.option(fc.integer({ min: 0, max: 600 })), fc.option(fc.integer({ min: 0, max: 3600 })))
  .map(([days, hours, minutes, seconds]) => ({ days, hours, minutes, seconds }))
  .filter(({ days, hours, minutes, seconds }) => (days ?? 0) + (hours ?? 0) + (minutes ?? 0) + (seconds ?? 0) > 0)
  .map(({ days, hours, minutes, seconds }) =>
    [days !== null ? `${days}d` : '', hours !== null ? `${hours}h` : '', minutes !== null ? `${minutes}m` : '', seconds !== null ? `${seconds}s` : ''].join(''),
  );

const PROMETHEUS_UNITS = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;

/** An alert duration in Prometheus's order of units (`1h30m`), each unit at most once. */
const canonicalDuration = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...PROMETHEUS_UNITS), fc.integer({ min: 0, max: 1000 })), { minLength: 1, maxLength: 3, selector: ([unit]) => unit })
  .map((parts) => [...parts].sort(([a], [b]) => PROMETHEUS_UNITS.indexOf(a) - PROMETHEUS_UNITS.indexOf(b)).map(([unit, count]) => `${count}${unit}`).join(''));

/** Any duration the tenant schema accepts for alert thresholds: one or more `<n><unit>`, units in any order and repeated. */
const anyDuration = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(...PROMETHEUS_UNITS)), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.map(([count, unit]) => `${count}${unit}`).join(''));

const cronArb = fc.oneof(
  fc.constantFrom('@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'),
  fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }), fc.constantFrom('*', '1', '15'), fc.constantFrom('*', '1', '6'), fc.constantFrom('*', '0', '1-5')).map((fields) => fields.join(' ')),
  fc.constant('*/15 * * * *'),
);

/** The port distributed training jobs rendezvous on. */
const RENDEZVOUS_PORT = 29500;
const portArb = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(1, 80, 8080, 9090, RENDEZVOUS_PORT, 65535));
const portArbWithoutRendezvous = portArb.filter((port) => port !== RENDEZVOUS_PORT);
/** Checkpoint mount paths; the platform itself mounts /tmp and /dev/shm. */
const MOUNT_PATH = fc.oneof(fc.constantFrom('/checkpoints', '/data', '/mnt/checkpoints', '/workspace/ckpt'), fc.stringMatching(/^(\/[a-z0-9_-]{1,8}){1,3}$/));
const PLATFORM_MOUNT_PATHS = ['/tmp', '/dev/shm', '/tmp/', '/dev/shm/'];
const httpPath = fc.oneof(fc.constant('/'), fc.stringMatching(/^(\/[a-z0-9._-]{1,10}){1,3}$/));

// ---------------------------------------------------------------------------
// Profiles

/**
 * Values the README allows today but that collide with what the platform
 * uses itself: names made of the platform's own words (`allow` + `ingress`,
 * `tenant`, `monitoring`), the rendezvous port as a job's metrics port, /tmp
 * and /dev/shm as checkpoint mount paths, alert durations with units out of
 * order or repeated. Whether they stay valid is for config/ and lib/ to decide; a file
 * with one of them must load and synthesize cleanly or be refused with the
 * clear error.
 */
export type EdgeKind = 'names' | 'rendezvous-port' | 'mount-path' | 'durations';
const EDGE_KINDS: readonly EdgeKind[] = ['names', 'rendezvous-port', 'mount-path', 'durations'];

/** Where values come from: STRICT (valid whatever config/ and lib/ decide about the edges), or with one kind of edge. */
interface Profile {
  readonly tenantName: fc.Arbitrary<string>;
  readonly workloadName: fc.Arbitrary<string>;
  readonly label63: fc.Arbitrary<string>;
  readonly label20: fc.Arbitrary<string>;
  readonly allowedNamespace: fc.Arbitrary<string>;
  readonly jobMetricsPort: fc.Arbitrary<number>;
  readonly mountPath: fc.Arbitrary<string>;
  readonly duration: fc.Arbitrary<string>;
  /**
   * Pairs of names that the platform composes into the same object name:
   * a service `allow-from-<x>` exposed through the ingress (NetworkPolicy
   * `<service>-from-ingress`) and the namespace `<x>-from-ingress` let in
   * (NetworkPolicy `allow-from-<namespace>`); `allow` and `ingress` when x is empty.
   */
  readonly composedNames: fc.Arbitrary<string | null>;
}

/** Namespaces a tenant may let in: not default, kube-*, or the monitoring namespace (always allowed). */
const allowedNamespace = (label63: fc.Arbitrary<string>, extra: readonly string[]) =>
  fc
    .oneof(label63, fc.constantFrom('web-frontend', ...exposureNamespaces(SPEC.exposure), 'kubeflow', ...extra))
    .filter((namespace) => namespace !== 'default' && !namespace.startsWith('kube-') && namespace !== SPEC.monitoring.namespace);

function profile(edge?: EdgeKind): Profile {
  // Built once per profile: building a regular-expression arbitrary is slow.
  const words = edge === 'names';
  const label63 = dnsLabel(63, words);
  return {
    tenantName: tenantName(words),
    workloadName: workloadName(words),
    label63,
    label20: dnsLabel(20, words),
    allowedNamespace: allowedNamespace(label63, words ? [...NAME_FRAGMENTS] : []),
    jobMetricsPort: edge === 'rendezvous-port' ? fc.oneof(portArb, fc.constant(RENDEZVOUS_PORT)) : portArbWithoutRendezvous,
    mountPath: edge === 'mount-path' ? fc.oneof(MOUNT_PATH, fc.constantFrom(...PLATFORM_MOUNT_PATHS)) : MOUNT_PATH,
    duration: edge === 'durations' ? anyDuration : canonicalDuration,
    composedNames: words ? fc.option(fc.oneof(fc.constant(''), fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/)), { freq: 2 }) : fc.constant(null),
  };
}

const STRICT = profile();
const EDGES: Readonly<Record<EdgeKind, Profile>> = {
  names: profile('names'),
  'rendezvous-port': profile('rendezvous-port'),
  'mount-path': profile('mount-path'),
  durations: profile('durations'),
};

// ---------------------------------------------------------------------------
// Workloads

/** Amounts a job or service gets when its file sets none (README, tenant file reference). */
const JOB_DEFAULTS = { cpu: 4000, memory: 16384, ephemeralStorage: mebis(TRAINING_JOB_DEFAULTS.ephemeralStorage) };
const SERVICE_DEFAULTS = { cpu: 1000, memory: 2048, ephemeralStorage: mebis(MODEL_SERVICE_DEFAULTS.ephemeralStorage) };

/** A training job's amounts before its quota is known. */
interface JobDraft {
  readonly entry: Record<string, unknown>;
  readonly need: { cpu: number; memory: number; gpu: number; storage: number; ephemeralStorage: number; pods: number };
}

function jobArb(limits: GeneratedLimits, from: Profile): fc.Arbitrary<JobDraft> {
  const max = limits.effective.max;
  return fc
    .record({
      workers: fc.option(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 16 }))),
      gpus: fc.option(fc.integer({ min: 0, max: 8 })),
      cpu: fc.option(fc.tuple(millicores(max.cpu), style)),
      memory: fc.option(fc.tuple(mebibytes(max.memory), style)),
      shmShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
      shmStyle: style,
      gpuType: fc.option(fc.constantFrom(...Object.keys(SPEC.gpuTypes))),
      image: imageArb,
      command: fc.option(argsArb),
      args: fc.option(argsArb),
      checkpoint: fc.option(
        fc.record(
          {
            sizeGi: fc.integer({ min: 1, max: 2048 }),
            storageClass: from.label63,
            mountPath: from.mountPath,
          },
          { requiredKeys: ['sizeGi'] },
        ),
      ),
      maxRuntime: fc.option(runtimeArb),
      retries: fc.option(fc.oneof(fc.integer({ min: 0, max: 10 }), fc.constant(1_000_000))),
      metricsPort: fc.option(from.jobMetricsPort),
      schedule: fc.option(cronArb),
      envSeed: fc.nat(),
    })
    .chain((draft) => {
      const workers = draft.workers ?? 1;
      const reserved = [...PLATFORM_ENV, ...(workers > 1 ? DISTRIBUTED_ENV : [])];
      return envArb(reserved).map((env) => ({ draft, env, workers }));
    })
    .map(({ draft, env, workers }) => {
      // Defaults that do not fit the tenant's largest container are written out instead.
      const cpu = draft.cpu ?? (JOB_DEFAULTS.cpu <= max.cpu ? undefined : ([max.cpu, 0] as [number, number]));
      const memory = draft.memory ?? (JOB_DEFAULTS.memory <= max.memory ? undefined : ([max.memory, 0] as [number, number]));
      const cpuValue = cpu ? cpu[0] : JOB_DEFAULTS.cpu;
      const memoryValue = memory ? memory[0] : JOB_DEFAULTS.memory;
      const gpus = draft.gpus ?? 1;
      const entry: Record<string, unknown> = {
        image: draft.image,
        ...(draft.command !== null && { command: draft.command }),
        ...(draft.args !== null && { args: draft.args }),
        ...(Object.keys(env).length > 0 && { env }),
        ...(draft.gpus !== null && { gpus: draft.gpus }),
        ...(draft.gpuType !== null && { gpuType: draft.gpuType }),
        ...(draft.workers !== null && { workers: draft.workers }),
        ...(cpu && { cpu: cpuText(cpu[0], cpu[1]) }),
        ...(memory && { memory: memoryText(memory[0], memory[1]) }),
        ...(draft.shmShare !== null && { shmSize: memoryText(Math.max(1, Math.floor(memoryValue * draft.shmShare)), draft.shmStyle) }),
        ...(draft.checkpoint !== null && {
          checkpoint: {
            size: memoryText(draft.checkpoint.sizeGi * 1024, draft.shmStyle),
            ...(draft.checkpoint.storageClass !== undefined && { storageClass: draft.checkpoint.storageClass }),
            ...(draft.checkpoint.mountPath !== undefined && { mountPath: draft.checkpoint.mountPath }),
          },
        }),
        ...(draft.maxRuntime !== null && { maxRuntime: draft.maxRuntime }),
        ...(draft.retries !== null && { retries: draft.retries }),
        ...(draft.metricsPort !== null && { metricsPort: draft.metricsPort }),
        ...(draft.schedule !== null && { schedule: draft.schedule }),
      };
      return {
        entry,
        need: {
          cpu: cpuValue * workers,
          memory: memoryValue * workers,
          gpu: gpus * workers,
          storage: draft.checkpoint ? draft.checkpoint.sizeGi * 1024 : 0,
          ephemeralStorage: JOB_DEFAULTS.ephemeralStorage * workers,
          // A job's workers must fit the pods quota (more are refused: they could never all start).
          pods: workers,
        },
      };
    });
}

function serviceArb(limits: GeneratedLimits, from: Profile): fc.Arbitrary<JobDraft> {
  const max = limits.effective.max;
  return fc
    .record({
      replicas: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.nat(3)),
      bigMax: fc.option(fc.constantFrom(100, 1000)),
      gpus: fc.option(fc.integer({ min: 0, max: 2 })),
      gpuType: fc.option(fc.constantFrom(...Object.keys(SPEC.gpuTypes))),
      cpu: fc.option(fc.tuple(millicores(max.cpu), style)),
      memory: fc.option(fc.tuple(mebibytes(max.memory), style)),
      image: imageArb,
      command: fc.option(argsArb),
      args: fc.option(argsArb),
      env: envArb(['HOME']),
      port: fc.option(portArb),
      metricsPort: fc.option(portArb),
      metricsPath: fc.option(httpPath),
      healthPath: fc.option(httpPath),
      targetCpuUtilization: fc.option(fc.integer({ min: 1, max: 100 })),
      expose: fc.option(
        fc.oneof(
          fc.constant({ type: 'cluster' }),
          fc.record(
            {
              type: fc.constant('ingress'),
              host: fc.oneof(from.label63, fc.tuple(from.label20, from.label20).map(([a, b]) => `${a}.${b}`)).map((prefix) => `${prefix}.${SPEC.exposure.domain}`),
              path: httpPath,
            },
            { requiredKeys: ['type'] },
          ),
        ),
      ),
    })
    .map((draft) => {
      const [min, extra, replicaForm] = draft.replicas;
      const maxReplicas = draft.bigMax ?? min + extra;
      // Write the bounds, leaving out those that equal their defaults when the form says so.
      const replicas: Record<string, number> = {};
      const defaultMin = Math.min(2, maxReplicas);
      const defaultMax = Math.max(min, 4);
      if (!(replicaForm & 1 && min === defaultMin)) replicas.min = min;
      if (!(replicaForm & 2 && maxReplicas === defaultMax && replicas.min !== undefined)) replicas.max = maxReplicas;
      // Per-replica amounts small enough that all replicas (plus quota slack) stay within the platform's largest quota.
      const fit = (amount: [number, number] | null, bound: number) => amount && ([Math.min(amount[0], Math.floor(bound / 2 / maxReplicas)), amount[1]] as [number, number]);
      const cpu = fit(draft.cpu, QUOTA_BOUNDS.cpu) ?? (SERVICE_DEFAULTS.cpu <= max.cpu ? undefined : ([max.cpu, 0] as [number, number]));
      const memory = fit(draft.memory, QUOTA_BOUNDS.memory) ?? (SERVICE_DEFAULTS.memory <= max.memory ? undefined : ([max.memory, 0] as [number, number]));
      const gpus = draft.gpus === null ? null : Math.min(draft.gpus, Math.floor(QUOTA_BOUNDS.gpu / 2 / maxReplicas));
      const entry: Record<string, unknown> = {
        image: draft.image,
        ...(draft.command !== null && { command: draft.command }),
        ...(draft.args !== null && { args: draft.args }),
        ...(draft.port !== null && { port: draft.port }),
        ...(gpus !== null && { gpus }),
        ...(draft.gpuType !== null && { gpuType: draft.gpuType }),
        ...(cpu && { cpu: cpuText(cpu[0], cpu[1]) }),
        ...(memory && { memory: memoryText(memory[0], memory[1]) }),
        ...(Object.keys(replicas).length > 0 && { replicas }),
        ...(draft.targetCpuUtilization !== null && { targetCpuUtilization: draft.targetCpuUtilization }),
        ...(draft.healthPath !== null && { healthPath: draft.healthPath }),
        ...(Object.keys(draft.env).length > 0 && { env: draft.env }),
        ...(draft.metricsPort !== null && { metricsPort: draft.metricsPort }),
        ...(draft.metricsPath !== null && { metricsPath: draft.metricsPath }),
        ...(draft.expose !== null && { expose: draft.expose }),
      };
      return {
        entry,
        // A rollout at the maximum runs the surge replica beside the others.
        need: {
          cpu: (cpu ? cpu[0] : SERVICE_DEFAULTS.cpu) * (maxReplicas + ROLLOUT_MAX_SURGE),
          memory: (memory ? memory[0] : SERVICE_DEFAULTS.memory) * (maxReplicas + ROLLOUT_MAX_SURGE),
          gpu: (gpus ?? 0) * (maxReplicas + ROLLOUT_MAX_SURGE),
          storage: 0,
          ephemeralStorage: SERVICE_DEFAULTS.ephemeralStorage * (maxReplicas + ROLLOUT_MAX_SURGE),
          pods: 0,
        },
      };
    });
}

// ---------------------------------------------------------------------------
// The tenant file

/** How a tenant file is written: the same data, different YAML. */
export interface YamlStyle {
  readonly indent: number;
  readonly defaultStringType: 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';
  readonly collectionStyle: 'any' | 'block' | 'flow';
  readonly header: boolean;
}

export const yamlStyleArb: fc.Arbitrary<YamlStyle> = fc.record({
  indent: fc.constantFrom(2, 4),
  defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
  collectionStyle: fc.constantFrom('any', 'any', 'block', 'flow'),
  header: fc.boolean(),
});

/** A generated tenant: its name, the file's data and how it is written. */
export interface GeneratedTenant {
  readonly name: string;
  readonly doc: Record<string, unknown>;
  readonly style: YamlStyle;
}

/** The tenant file's text. */
export function tenantText(tenant: GeneratedTenant): string {
  const body = stringify(tenant.doc, {
    indent: tenant.style.indent,
    defaultStringType: tenant.style.defaultStringType,
    defaultKeyType: 'PLAIN',
    collectionStyle: tenant.style.collectionStyle,
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
  return tenant.style.header ? `# yaml-language-server: $schema=../schema/tenant.schema.json\n${body}` : body;
}

/** Slack of a quota over the workloads' need: none three times in four. */
const slack = (max: number) => fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 0, max }), weight: 1 });

/** Generated quota value: written (in some notation), or the platform default when that fits. */
function quotaValue(need: number, slack: number, platformDefault: number, omit: boolean, write: (value: number) => string | number) {
  if (omit && need <= platformDefault) return undefined;
  return write(need + slack);
}

const labelKey = fc
  .oneof(
    fc.stringMatching(/^([a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?(\.[a-z0-9]{1,5}){0,2}\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/),
    fc.constantFrom('team', 'grafana_dashboard', 'tenant', 'severity', 'example.com/team', 'app', 'x'.repeat(63)),
  )
  .filter((key) => !isReservedLabel(key));
const labelValue = fc.oneof(fc.stringMatching(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,20})?[A-Za-z0-9])?$/), fc.constant('v'.repeat(63)));

/** Whether a canonical egress block passes the platform's checks: wide enough to refuse, link-local, cluster ranges. */
function allowedEgress(text: string): boolean {
  const cidr = mustParseCidr(text);
  const refused = [LINK_LOCAL_IPV4, LINK_LOCAL_IPV6, ...SPEC.network.podCidrs, ...SPEC.network.serviceCidrs].map(mustParseCidr);
  const minPrefix = SPEC.network.egress.minPrefixLength[cidr.family === 4 ? 'ipv4' : 'ipv6'];
  return cidr.prefix >= minPrefix && !coversIpv4Mapped(cidr) && !refused.some((range) => overlaps(cidr, range));
}

/** Egress blocks written canonically (host bits clear) that the example platform allows. */
const ipv4Cidr = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.integer({ min: SPEC.network.egress.minPrefixLength.ipv4, max: 32 }))
  .map(([a, b, c, d, prefix]) => mustParseCidr(`${a}.${b}.${c}.${d}/${prefix}`).canonical)
  .filter(allowedEgress);
const ipv6Cidr = fc
  .tuple(fc.array(fc.stringMatching(/^[0-9a-f]{1,4}$/), { minLength: 1, maxLength: 4 }), fc.integer({ min: SPEC.network.egress.minPrefixLength.ipv6, max: 128 }))
  .map(([groups, prefix]) => mustParseCidr(`${groups.join(':')}::/${prefix}`).canonical)
  .filter(allowedEgress);

function networkArb(name: string, from: Profile) {
  const namespace = from.allowedNamespace.filter((candidate) => candidate !== name);
  return fc.record(
    {
      allowFrom: fc.uniqueArray(namespace, { maxLength: 3 }),
      egress: fc.record({ allowCidrs: fc.array(fc.oneof(ipv4Cidr, ipv6Cidr), { maxLength: 3 }), allowInternet: fc.boolean() }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );
}

const COST_CENTER = fc.oneof(fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/), fc.constant('c'.repeat(63)));

const percentage = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 100, minExcluded: true, noNaN: true }));
const monitoringArb = (from: Profile) =>
  fc.record(
    {
      gpuIdlePercent: percentage,
      gpuIdleFor: from.duration,
      quotaWarningPercent: percentage,
      errorRatePercent: percentage,
      latencyP99Seconds: fc.oneof(fc.constantFrom(0.25, 1, 2.5), fc.double({ min: 0, minExcluded: true, noNaN: true, noDefaultInfinity: true })),
      maxReplicasFor: from.duration,
      canaryErrorMarginPercent: percentage,
      canaryMinRequestsPerSecond: fc.oneof(fc.constantFrom(0.1, 0.5, 2), fc.double({ min: 0, minExcluded: true, noNaN: true, noDefaultInfinity: true })),
    },
    { requiredKeys: [] },
  );


const waiversArb = fc.uniqueArray(
  fc.record({ policy: fc.constantFrom(...POLICY_IDS), reason: unicodeText(40).map((text) => `Accepted because ${text}`) }),
  { maxLength: 2, selector: (waiver) => waiver.policy },
);

/** Options of {@link validTenant}. */
export interface TenantOptions {
  /** The tenant's name. @default generated */
  readonly name?: string;
  /** Values of one kind of edge (see {@link EdgeKind}), chosen at random. @default none */
  readonly edges?: boolean;
}

/** A valid tenant file, or (with `edges`) a file at the edges of the schema. */
export function validTenant(options: TenantOptions = {}): fc.Arbitrary<GeneratedTenant> {
  if (options.edges) return fc.constantFrom(...EDGE_KINDS).chain((kind) => tenantFrom(EDGES[kind], options.name));
  return tenantFrom(STRICT, options.name);
}

function tenantFrom(from: Profile, name: string | undefined): fc.Arbitrary<GeneratedTenant> {
  const monitoring = monitoringArb(from);
  const nameArb = name === undefined ? from.tenantName : fc.constant(name);
  return fc
    .tuple(nameArb, limitsArb, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))
    .chain(([tenant, limits, jobCount, serviceCount]) =>
      fc.record({
        name: fc.constant(tenant),
        limits: fc.constant(limits),
        jobs: fc.array(jobArb(limits, from), { minLength: jobCount, maxLength: jobCount }),
        services: fc.array(serviceArb(limits, from), { minLength: serviceCount, maxLength: serviceCount }),
        workloadNames: fc.uniqueArray(from.workloadName, { minLength: jobCount + serviceCount, maxLength: jobCount + serviceCount }),
        // Mostly no slack: quotas exactly at the workloads' need, where comparisons go wrong.
        quotaSlack: fc.tuple(slack(64000), slack(262144), slack(16), slack(4096)),
        quotaOmit: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean()),
        quotaStyle: fc.tuple(style, style, style),
        pods: fc.option(fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constant(MAX_PODS_QUOTA))),
        costCenter: COST_CENTER,
        labels: fc.option(fc.uniqueArray(fc.tuple(labelKey, labelValue), { maxLength: 3, selector: ([key]) => key })),
        owners: fc.array(subjectArb, { minLength: 1, maxLength: 3 }),
        members: fc.option(fc.array(subjectArb, { maxLength: 3 })),
        viewers: fc.option(fc.array(subjectArb, { maxLength: 3 })),
        tier: fc.option(fc.constantFrom('critical', 'standard', 'batch')),
        network: fc.option(networkArb(tenant, from)),
        monitoring: fc.option(monitoring),
        policyWaivers: fc.option(waiversArb),
        style: yamlStyleArb,
        composed: from.composedNames,
      }),
    )
    .map((generated) => {
      const jobs = generated.jobs.map((job, index) => ({ ...job, entry: { name: generated.workloadNames[index], ...job.entry } }));
      const services = generated.services.map((service, index) => ({
        ...service,
        entry: { name: generated.workloadNames[generated.jobs.length + index], ...service.entry },
      }));
      let network = generated.network;
      if (generated.composed !== null && services.length > 0) {
        const service = generated.composed === '' ? 'allow' : `allow-from-${generated.composed}`;
        const namespace = generated.composed === '' ? 'ingress' : `${generated.composed}-from-ingress`;
        if (![...jobs, ...services].some((workload) => workload.entry.name === service) && namespace !== generated.name) {
          const entry: Record<string, unknown> = { ...services[0].entry, name: service, expose: { type: 'ingress' } };
          services[0] = { ...services[0], entry: entry as typeof services[0]['entry'] };
          const allowFrom = (network?.allowFrom ?? []).filter((candidate) => candidate !== namespace);
          network = { ...network, allowFrom: [...allowFrom, namespace] };
        }
      }
      const drafts = [...jobs, ...services];
      const need = (resource: keyof JobDraft['need']) => Math.max(0, ...drafts.map((draft) => draft.need[resource]));
      const [cpuSlack, memorySlack, gpuSlack, storageSlack] = generated.quotaSlack;
      const [omitCpu, omitMemory, omitGpu, omitStorage] = generated.quotaOmit;
      const [cpuStyle, memoryStyle, storageStyle] = generated.quotaStyle;
      const quota = Object.fromEntries(
        Object.entries({
          cpu: quotaValue(need('cpu'), cpuSlack, PLATFORM_QUOTA.cpu, omitCpu, (value) => cpuText(value, cpuStyle)),
          memory: quotaValue(need('memory'), memorySlack, PLATFORM_QUOTA.memory, omitMemory, (value) => memoryText(value, memoryStyle)),
          gpu: quotaValue(need('gpu'), gpuSlack, PLATFORM_QUOTA.gpu, omitGpu, (value) => value),
          storage: quotaValue(need('storage'), storageSlack * 1024, PLATFORM_QUOTA.storage, omitStorage, (value) => memoryText(value, storageStyle)),
          pods: generated.pods === null ? undefined : Math.max(generated.pods, need('pods')),
          // Workloads take the default local disk; a quota is written where the platform's is too small.
          ephemeralStorage: quotaValue(need('ephemeralStorage'), 0, PLATFORM_QUOTA.ephemeralStorage, true, (value) => memoryText(value, storageStyle)),
        }).filter(([, value]) => value !== undefined),
      );
      const spec: Record<string, unknown> = {
        costCenter: generated.costCenter,
        owners: generated.owners,
        ...(generated.members !== null && { members: generated.members }),
        ...(generated.viewers !== null && { viewers: generated.viewers }),
        ...(generated.tier !== null && { tier: generated.tier }),
        ...(Object.keys(quota).length > 0 && { quota }),
        ...(generated.limits.written && { limits: generated.limits.written }),
        ...(network !== null && { network }),
        ...(jobs.length > 0 && { trainingJobs: jobs.map((job) => job.entry) }),
        ...(services.length > 0 && { modelServices: services.map((service) => service.entry) }),
        ...(generated.policyWaivers !== null && { policyWaivers: generated.policyWaivers }),
        ...(generated.monitoring !== null && { monitoring: generated.monitoring }),
      };
      const doc = {
        apiVersion: 'platform.mlp.io/v1alpha1',
        kind: 'Tenant',
        metadata: { name: generated.name, ...(generated.labels !== null && { labels: Object.fromEntries(generated.labels) }) },
        spec,
      };
      return withDescription({ name: generated.name, doc, style: generated.style });
    });
}

/** `tenant`, printed in counterexamples as its file rather than as a JavaScript object. */
function withDescription(tenant: GeneratedTenant): GeneratedTenant {
  return Object.defineProperty(tenant, fc.toStringMethod, { value: () => `${tenant.name}.yaml:\n${tenantText(tenant)}`, enumerable: false });
}

/** Two to `max` valid tenants with distinct names. */
export function validTenantSet(max: number): fc.Arbitrary<GeneratedTenant[]> {
  return fc
    .uniqueArray(STRICT.tenantName, { minLength: 2, maxLength: max })
    .chain((names) => fc.tuple(...names.map((name) => validTenant({ name }))));
}
