/**
 * Loads the platform file and every tenant file, validates them together and
 * returns resolved configurations, or throws one ValidationError with every
 * problem of every file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Problem, ValidationError, formatPath } from './problems';
import { MAX_FILE_BYTES, SourceFile, fileTooLargeProblem, parseFile } from './schema/parse-file';
import { PlatformFile, PlatformFileSchema, exposureNamespaces } from './schema/platform';
import { TenantFileSchema } from './schema/tenant';
import { TenantConfig, resolveTenant } from './tenant-config';
import { checkCohortBorrowing } from './tenant-queue-config';
import { isFromRegistry, parseImage } from '../lib/image';
import { QUEUED_RESOURCES } from '../lib/queueing';
import { CONTAINER_RESOURCES, QUOTA_FIELDS, containerAmountProblem, quotaAmountProblem } from './amount-bounds';
import { PROMETHEUS_DEFAULTS } from '../lib/platform-monitoring';
import { exceeds, parseQuantity } from '../lib/quantity';
import { compareNames } from '../lib/names';

/** Everything synthesis needs. */
export interface PlatformConfig {
  /** The platform file, as the user named it. */
  readonly file: string;
  readonly platform: PlatformFile;
  /** Tenants sorted by name. */
  readonly tenants: readonly TenantConfig[];
}

export interface LoadOptions {
  /** Path of the platform file. */
  readonly platformFile: string;
  /** Directory of tenant files (`*.yaml`, `*.yml`). */
  readonly tenantsDir: string;
}

/** Namespaces a tenant can never be named after, besides `kube-*` and the platform's own. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Reads and validates the platform file and all tenant files. */
export function loadConfig(options: LoadOptions): PlatformConfig {
  const platformFile = displayPath(options.platformFile);
  const problems: Problem[] = [];
  const platform = loadPlatform(options.platformFile, platformFile, problems);

  const entries = listTenantFiles(options.tenantsDir, problems);
  if (!entries || !platform) throw new ValidationError(problems);

  const tenants: TenantConfig[] = [];
  const byName = new Map<string, string>();
  const reporters = new Map<string, Report>();
  for (const entry of entries) {
    const file = displayPath(path.join(options.tenantsDir, entry));
    const text = readSource(path.join(options.tenantsDir, entry), file, problems);
    const parsed = text === undefined ? undefined : parseTenantReporting(platform, path.join(options.tenantsDir, entry), { path: file, text }, problems);
    const tenant = parsed?.config;
    if (!tenant || !parsed) continue;
    reporters.set(tenant.name, parsed.report);
    const other = byName.get(tenant.name);
    if (other !== undefined) {
      problems.push(duplicateTenantProblem(file, tenant.name, other));
      continue;
    }
    byName.set(tenant.name, file);
    tenants.push(tenant);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  tenants.sort((a, b) => compareNames(a.name, b.name));
  checkCohortBorrowing(platform, tenants, (tenant, fieldPath, message) => reporters.get(tenant)?.(fieldPath, message));
  if (problems.length > 0) throw new ValidationError(problems);
  return { file: platformFile, platform, tenants };
}

/**
 * The tenant files of a directory (`*.yaml`, `*.yml`), sorted; undefined,
 * with a problem, when it cannot be read.
 */
export function listTenantFiles(tenantsDir: string, problems: Problem[]): string[] | undefined {
  try {
    return fs.readdirSync(tenantsDir).filter((entry) => /\.ya?ml$/.test(entry)).sort();
  } catch (error) {
    problems.push({ file: displayPath(tenantsDir), message: `cannot read the tenants directory: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    return undefined;
  }
}

/** The problem of a tenant file whose name another file already defines. */
export function duplicateTenantProblem(file: string, name: string, other: string): Problem {
  return { file, path: 'metadata.name', message: `tenant "${name}" is already defined in ${other}; tenant names must be unique` };
}

/** The text of an input file; undefined, with a problem, when it cannot be read. */
export function readSource(file: string, display: string, problems: Problem[]): string | undefined {
  try {
    // The size limit counts the file's bytes, checked before anything is read.
    const size = fs.statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      problems.push(fileTooLargeProblem(display, size));
      return undefined;
    }
    const bytes = fs.readFileSync(file);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      problems.push({ file: display, message: 'the file is not UTF-8 text' });
      return undefined;
    }
  } catch (error) {
    problems.push({ file: display, message: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    return undefined;
  }
}

/** Reads and validates the platform file; undefined, with its problems in `problems`, when it is invalid. */
export function loadPlatform(file: string, display: string, problems: Problem[]): PlatformFile | undefined {
  const text = readSource(file, display, problems);
  if (text === undefined) return undefined;
  const parsed = parseFile({ path: display, text }, PlatformFileSchema);
  problems.push(...parsed.problems);
  const platform = parsed.value;
  if (!platform) return undefined;
  const before = problems.length;
  const report = (fieldPath: ReadonlyArray<string | number>, message: string) =>
    problems.push({ file: display, path: formatPath(fieldPath), line: parsed.lineOf(fieldPath), message });
  const spec = platform.spec;
  if (!Object.hasOwn(spec.gpuTypes, spec.defaultGpuType)) {
    report(['spec', 'defaultGpuType'], `"${spec.defaultGpuType}" is not one of the gpuTypes (${Object.keys(spec.gpuTypes).join(', ')})`);
  }
  const utility = parseImage(spec.utilityImage);
  if (!utility) {
    report(['spec', 'utilityImage'], `"${spec.utilityImage}" is not a fully qualified image reference with a tag or digest`);
  } else if (!spec.allowedRegistries.some((registry) => isFromRegistry(utility, registry))) {
    report(['spec', 'utilityImage'], `"${spec.utilityImage}" is not from an allowed registry (${spec.allowedRegistries.join(', ')})`);
  }
  checkPlatformAmounts(platform, report);
  return problems.length === before ? platform : undefined;
}

/** The platform's defaults against its own bounds, so that a tenant that sets nothing is within them. */
function checkPlatformAmounts(platform: PlatformFile, report: (fieldPath: ReadonlyArray<string | number>, message: string) => void): void {
  const { defaults, limits } = platform.spec;
  if (exceeds(parseQuantity(limits.container.minMemory), parseQuantity(limits.container.memory))) {
    report(['spec', 'limits', 'container', 'minMemory'], `${limits.container.minMemory} exceeds limits.container.memory of ${limits.container.memory}; lower it`);
  }
  for (const field of QUOTA_FIELDS) {
    const problem = quotaAmountProblem(field, defaults.quota[field], limits);
    if (problem) report(['spec', 'defaults', 'quota', field], problem);
  }
  for (const kind of ['borrowingLimit', 'lendingLimit'] as const) {
    for (const resource of QUEUED_RESOURCES) {
      const value = platform.spec.queueing.defaults[kind][resource];
      const problem = value === undefined ? undefined : quotaAmountProblem(resource, value, limits);
      if (problem) report(['spec', 'queueing', 'defaults', kind, resource], problem);
    }
  }
  for (const kind of ['defaultRequest', 'default', 'max'] as const) {
    for (const resource of CONTAINER_RESOURCES) {
      const problem = containerAmountProblem(resource, defaults.limits[kind][resource], limits);
      if (problem) report(['spec', 'defaults', 'limits', kind, resource], problem);
    }
  }
  const prometheusDisk = platform.spec.monitoring.prometheus.ephemeralStorage;
  const least = PROMETHEUS_DEFAULTS.minEphemeralStorage;
  if (exceeds(parseQuantity(least), parseQuantity(prometheusDisk))) {
    report(
      ['spec', 'monitoring', 'prometheus', 'ephemeralStorage'],
      `${prometheusDisk} is less than ${least}, too little for Prometheus's write-ahead log; raise it (the default is ${PROMETHEUS_DEFAULTS.ephemeralStorage})`,
    );
  }
}

/** Reports a problem at a field path of one tenant file. */
type Report = (fieldPath: ReadonlyArray<string | number>, message: string) => void;

/**
 * Validates the text of the tenant file `file` against the platform;
 * undefined, with its problems in `problems`, when it is invalid.
 */
export function parseTenant(platform: PlatformFile, file: string, source: SourceFile, problems: Problem[]): TenantConfig | undefined {
  return parseTenantReporting(platform, file, source, problems)?.config;
}

/** {@link parseTenant}, and a reporter of further problems at the file's fields (for cross-tenant checks). */
function parseTenantReporting(platform: PlatformFile, file: string, source: SourceFile, problems: Problem[]): { config: TenantConfig | undefined; report: Report } | undefined {
  const { path: display, text } = source;
  const parsed = parseFile({ path: display, text }, TenantFileSchema);
  problems.push(...parsed.problems);
  const tenant = parsed.value;
  if (!tenant) return undefined;
  const before = problems.length;
  const report = (fieldPath: ReadonlyArray<string | number>, message: string) =>
    problems.push({ file: display, path: formatPath(fieldPath), line: parsed.lineOf(fieldPath), message });

  const name = tenant.metadata.name;
  const stem = path.basename(file).replace(/\.ya?ml$/, '');
  if (stem !== name) {
    report(['metadata', 'name'], `"${name}" differs from the file name "${path.basename(file)}"; rename the file to ${name}.yaml or change metadata.name`);
  }
  const reserved = [...SYSTEM_NAMESPACES, platform.spec.monitoring.namespace, ...exposureNamespaces(platform.spec.exposure), platform.spec.dns.namespace];
  if (reserved.includes(name) || name.startsWith('kube-')) {
    report(['metadata', 'name'], `"${name}" is reserved for the platform or Kubernetes (${[...new Set(reserved)].join(', ')}, kube-*); choose another tenant name`);
  }
  const config = resolveTenant(platform, tenant, display, report);
  return { config: problems.length === before ? config : undefined, report };
}

/** A path relative to the working directory when it is inside it, for messages. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : file;
}
