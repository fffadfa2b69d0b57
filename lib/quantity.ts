/**
 * Kubernetes resource quantities (`500m`, `4`, `16Gi`, `1.5Ti`): parsing for
 * arithmetic in cross-checks and cost reports, and canonical formatting.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */

const SUFFIX_FACTORS: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * A quantity as Kubernetes reads it, without a sign or with `+`: a decimal
 * number (`4`, `1.5`, `.5`, `5.`) with one suffix, binary (`Ki` ... `Ei`),
 * decimal (`m`, `k`, `M` ... `E`) or a decimal exponent (`1e3`, `1E3`, `5e-1`).
 * Amounts are kept as written: the API server reads every form.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */
export const QUANTITY_PATTERN = /^\+?(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E))?$/;

/** A quantity with a minus sign: what Kubernetes reads as a negative amount. */
const NEGATIVE_QUANTITY = /^-(\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;

/** Largest magnitude a Kubernetes quantity can have (2^63-1 of its base unit). */
export const MAX_KUBERNETES_QUANTITY = 2 ** 63 - 1;

/** True when `text` is a quantity this platform accepts. */
export function isQuantity(text: string): boolean {
  return QUANTITY_PATTERN.test(text);
}

/** True when `text` is a quantity with a minus sign, such as `-2` or `-500m`. */
export function isNegativeQuantity(text: string): boolean {
  return NEGATIVE_QUANTITY.test(text);
}

/**
 * The numeric value of a quantity in base units (cores for CPU, bytes for
 * memory and storage); Infinity for exponents beyond what a number holds.
 *
 * @throws Error when `text` is not a quantity; callers validate first.
 */
export function parseQuantity(text: string): number {
  const match = QUANTITY_PATTERN.exec(text);
  if (!match) {
    throw new Error(`"${text}" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)`);
  }
  const [, mantissa, exponent, suffix] = match;
  if (exponent !== undefined) return Number(`${mantissa}e${exponent}`);
  return Number(mantissa) * SUFFIX_FACTORS[suffix ?? ''];
}

/** Powers of ten of the decimal suffixes, and powers of two of the binary ones. */
const DECIMAL_EXPONENTS: Readonly<Record<string, number>> = { '': 0, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_EXPONENTS: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
/** Decimal exponents beyond this are clamped: far outside any quantity the schema accepts. */
const EXPONENT_CLAMP = 40;

/**
 * The exact value of a quantity in thousandths of its base unit (millicores, millibytes),
 * rounded up to 1 as Kubernetes rounds up to its smallest unit: no floating point, so sums of
 * amounts near 2^63 stay exact.
 *
 * @throws Error when `text` is not a quantity; callers validate first.
 */
export function parseMillis(text: string): bigint {
  const match = QUANTITY_PATTERN.exec(text);
  if (!match) {
    throw new Error(`"${text}" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)`);
  }
  const [, mantissa, exponent, suffix] = match;
  const [whole, fraction = ''] = mantissa.split('.');
  let numerator = BigInt(`${whole}${fraction}` || '0') * 1000n;
  let denominator = 10n ** BigInt(fraction.length);
  const power = Math.max(-EXPONENT_CLAMP, Math.min(EXPONENT_CLAMP, exponent !== undefined ? Number(exponent) : (DECIMAL_EXPONENTS[suffix ?? ''] ?? 0)));
  if (power >= 0) numerator *= 10n ** BigInt(power);
  else denominator *= 10n ** BigInt(-power);
  if (suffix !== undefined && BINARY_EXPONENTS[suffix] !== undefined) numerator *= 2n ** BigInt(BINARY_EXPONENTS[suffix]);
  return (numerator + denominator - 1n) / denominator;
}

/** Formats a whole byte count exactly, like {@link formatBytes}: the largest binary unit up to Ti that divides it (`8Gi`, `1536Mi`). */
export function formatBytesExact(bytes: bigint): string {
  for (const [suffix, power] of [['Ti', 40n], ['Gi', 30n], ['Mi', 20n], ['Ki', 10n]] as const) {
    const factor = 2n ** power;
    if (bytes >= factor && bytes % factor === 0n) return `${bytes / factor}${suffix}`;
  }
  return `${bytes}`;
}

/**
 * True when amount `a` is larger than `b` beyond floating-point noise, so
 * that `700m` does not exceed `0.7` and `3 x 100m` fits in `300m`.
 */
export function exceeds(a: number, b: number): boolean {
  return a - b > 1e-9 * Math.max(1, Math.abs(b));
}

/** Bytes in one GiB, for prices quoted per GiB. */
export const GIB = 2 ** 30;

/**
 * Formats a byte count as the largest binary unit that divides it exactly
 * (`8Gi`, `1536Mi`), falling back to a plain byte count.
 */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ];
  const whole = Math.round(bytes);
  for (const [suffix, factor] of units) {
    if (whole >= factor && whole % factor === 0) {
      return `${whole / factor}${suffix}`;
    }
  }
  return `${whole}`;
}
