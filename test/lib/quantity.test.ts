import { MAX_KUBERNETES_QUANTITY, formatBytes, isNegativeQuantity, isQuantity, parseMillis, parseQuantity } from '../../lib/quantity';
import { addBytes, addCpu } from '../../lib/queueing';

describe('quantities', () => {
  test.each([
    ['500m', 0.5],
    ['4', 4],
    ['1.5', 1.5],
    ['16Gi', 16 * 2 ** 30],
    ['1Ti', 2 ** 40],
    ['2k', 2000],
    ['100M', 1e8],
    // The rest of the Kubernetes grammar: decimal exponents, bare points, a plus sign.
    ['1e3', 1000],
    ['1E3', 1000],
    ['1E', 1e18],
    ['1Ei', 2 ** 60],
    ['5e-1', 0.5],
    ['2e+2', 200],
    ['.5', 0.5],
    ['5.', 5],
    ['+4', 4],
    ['1.5e3', 1500],
  ])('parses %s', (text, value) => {
    expect(isQuantity(text)).toBe(true);
    expect(parseQuantity(text)).toBe(value);
  });

  test.each(['', '-1', '4 cores', '1gb', 'Gi', '1e', '1e1.5', '1e3Gi', '.', '1..5', '0x10', '1 Gi'])('refuses %j', (text) => {
    expect(isQuantity(text)).toBe(false);
    expect(() => parseQuantity(text)).toThrow(`"${text}" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)`);
  });

  test('tells negative amounts apart from other text', () => {
    expect(['-1', '-500m', '-1e3', '-.5'].filter(isNegativeQuantity)).toEqual(['-1', '-500m', '-1e3', '-.5']);
    expect(['1', 'abc', '--1', '-'].filter(isNegativeQuantity)).toEqual([]);
  });

  test('gives amounts beyond Kubernetes a value above its largest quantity, never a wrong small one', () => {
    expect(parseQuantity('9Ei')).toBeGreaterThan(MAX_KUBERNETES_QUANTITY);
    expect(parseQuantity('8Ei') - 1).toBeLessThanOrEqual(MAX_KUBERNETES_QUANTITY);
    expect(parseQuantity('1e400')).toBe(Infinity);
  });

  test('formats bytes with the largest exact binary unit', () => {
    expect(formatBytes(8 * 2 ** 30)).toBe('8Gi');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1536Mi');
    expect(formatBytes(1000)).toBe('1000');
  });
});

describe('exact sums of quantities', () => {
  test('parseMillis reads every form exactly, rounded up to a thousandth', () => {
    expect(parseMillis('9223372036854775807')).toBe(9223372036854775807000n);
    expect(parseMillis('9223372036854775')).toBe(9223372036854775000n);
    expect(parseMillis('1.5Gi')).toBe(1610612736000n);
    expect(parseMillis('250m')).toBe(250n);
    expect(parseMillis('1e3')).toBe(1000000n);
    expect(parseMillis('0.0001')).toBe(1n);
  });

  test('addCpu and addBytes add without floating-point rounding', () => {
    expect(addCpu('9223372036854775', '1m')).toBe('9223372036854775001m');
    expect(addCpu('0.1', '0.2')).toBe('300m');
    expect(addBytes('9223372036854775807', '0')).toBe('9223372036854775807');
    expect(addBytes('320Gi', '512Gi', '440Gi')).toBe('1272Gi');
  });
});
