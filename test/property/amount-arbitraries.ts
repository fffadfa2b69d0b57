/**
 * fast-check arbitraries of the amounts in tenant files: CPU and memory as
 * whole numbers (millicores, MiB) written in one of the notations the schema
 * allows, chosen independently in each place, and LimitRanges that fit the
 * fixture platform's defaults and bounds (test/fixtures/platform.yaml).
 */
import * as fc from 'fast-check';
import { parseQuantity } from '../../lib/quantity';
import { fixturePlatform } from '../support/fixtures';

const SPEC = fixturePlatform().spec;

/** CPU millicores written as `4`, 4, `4000m`, `0.5` or `500m`. */
export function cpuText(millicores: number, style: number): string | number {
  if (millicores % 1000 === 0) return [String(millicores / 1000), millicores / 1000, `${millicores}m`][style % 3];
  if (millicores % 100 === 0) return [String(millicores / 1000), `${millicores}m`][style % 2];
  return `${millicores}m`;
}

/** MiB written as `1Ti`, `16Gi`, `1.5Gi`, `512Mi` or a plain number of bytes. */
export function memoryText(mebibytes: number, style: number): string | number {
  const forms: Array<string | number> = [`${mebibytes}Mi`, mebibytes * 2 ** 20];
  if (mebibytes % 1024 === 0) forms.push(`${mebibytes / 1024}Gi`);
  if (mebibytes % 512 === 0 && mebibytes % 1024 !== 0) forms.push(`${mebibytes / 1024}Gi`);
  if (mebibytes % 2 ** 20 === 0) forms.push(`${mebibytes / 2 ** 20}Ti`);
  return forms[style % forms.length];
}

/** A notation choice for one amount. */
export const style = fc.nat(11);

/** Millicores up to `max`, biased to round values and to `max` itself. */
export function millicores(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: 1, max }),
    fc.constantFrom(max, ...[100, 250, 500, 700, 1000, 1500, 2000, 4000].filter((value) => value < max)),
  );
}

/** MiB of one container from the platform's smallest (limits.container.minMemory) up to `max`, biased to round values and to `max` itself. */
export function mebibytes(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: MIN_CONTAINER_MEMORY, max }),
    fc.constantFrom(max, ...[128, 512, 1024, 1536, 2048, 16384].filter((value) => value < max)),
  );
}

interface Amounts {
  readonly cpu: number;
  readonly memory: number;
}

/** The tenant's effective LimitRange (platform defaults where the file sets nothing) and what the file writes. */
export interface GeneratedLimits {
  readonly effective: { readonly defaultRequest: Amounts; readonly default: Amounts; readonly max: Amounts };
  readonly written?: Record<string, Record<string, string | number>>;
}

/** A quantity of the platform file in millicores (CPU) or MiB (memory, storage). */
const millis = (text: string) => Math.round(parseQuantity(text) * 1000);
export const mebis = (text: string) => Math.round(parseQuantity(text) / 2 ** 20);

const PLATFORM_LIMITS = {
  defaultRequest: { cpu: millis(SPEC.defaults.limits.defaultRequest.cpu), memory: mebis(SPEC.defaults.limits.defaultRequest.memory) },
  default: { cpu: millis(SPEC.defaults.limits.default.cpu), memory: mebis(SPEC.defaults.limits.default.memory) },
  max: { cpu: millis(SPEC.defaults.limits.max.cpu), memory: mebis(SPEC.defaults.limits.max.memory) },
};
/** The platform's bounds: the smallest container memory in MiB and the largest pods quota. */
export const MIN_CONTAINER_MEMORY = mebis(SPEC.limits.container.minMemory);
export const MAX_PODS_QUOTA = SPEC.limits.quota.pods;
/** The platform's largest quota in millicores, MiB and GPUs. */
export const QUOTA_BOUNDS = { cpu: millis(SPEC.limits.quota.cpu), memory: mebis(SPEC.limits.quota.memory), gpu: SPEC.limits.quota.gpu };

export const PLATFORM_QUOTA = {
  cpu: millis(SPEC.defaults.quota.cpu),
  memory: mebis(SPEC.defaults.quota.memory),
  gpu: SPEC.defaults.quota.gpu,
  storage: mebis(SPEC.defaults.quota.storage),
  ephemeralStorage: mebis(SPEC.defaults.quota.ephemeralStorage),
};

/**
 * One limits field at most `upper`: written (with its notation), or left to
 * the platform default when that is within bounds.
 */
function limitField(lower: number, upper: number, platformDefault: number) {
  return fc.tuple(fc.boolean(), fc.integer({ min: lower, max: upper }), style).map(([omit, value, notation]) =>
    omit && platformDefault <= upper ? { value: platformDefault, written: undefined } : { value, written: [value, notation] as const },
  );
}

export const limitsArb: fc.Arbitrary<GeneratedLimits> = fc
  .tuple(limitField(100, 64000, PLATFORM_LIMITS.max.cpu), limitField(64, 524288, PLATFORM_LIMITS.max.memory))
  .chain(([maxCpu, maxMemory]) =>
    fc
      .tuple(limitField(1, maxCpu.value, PLATFORM_LIMITS.default.cpu), limitField(MIN_CONTAINER_MEMORY, maxMemory.value, PLATFORM_LIMITS.default.memory))
      .chain(([defaultCpu, defaultMemory]) =>
        fc
          .tuple(limitField(1, defaultCpu.value, PLATFORM_LIMITS.defaultRequest.cpu), limitField(MIN_CONTAINER_MEMORY, defaultMemory.value, PLATFORM_LIMITS.defaultRequest.memory))
          .map(([requestCpu, requestMemory]) => {
            const fields = { max: [maxCpu, maxMemory], default: [defaultCpu, defaultMemory], defaultRequest: [requestCpu, requestMemory] } as const;
            const written: Record<string, Record<string, string | number>> = {};
            for (const [kind, [cpu, memory]] of Object.entries(fields)) {
              const amounts: Record<string, string | number> = {};
              if (cpu.written) amounts.cpu = cpuText(cpu.written[0], cpu.written[1]);
              if (memory.written) amounts.memory = memoryText(memory.written[0], memory.written[1]);
              if (Object.keys(amounts).length > 0) written[kind] = amounts;
            }
            return {
              effective: {
                max: { cpu: maxCpu.value, memory: maxMemory.value },
                default: { cpu: defaultCpu.value, memory: defaultMemory.value },
                defaultRequest: { cpu: requestCpu.value, memory: requestMemory.value },
              },
              ...(Object.keys(written).length > 0 && { written }),
            };
          }),
      ),
  );
