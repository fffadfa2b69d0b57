import { formatBytes, isQuantity, parseQuantity } from '../lib/quantity';

describe('quantities', () => {
  test.each([
    ['500m', 0.5],
    ['4', 4],
    ['1.5', 1.5],
    ['16Gi', 16 * 2 ** 30],
    ['1Ti', 2 ** 40],
    ['2k', 2000],
    ['100M', 1e8],
  ])('parses %s', (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });

  test.each(['', '-1', '4 cores', '1gb', '1e3', 'Gi'])('refuses %j', (text) => {
    expect(isQuantity(text)).toBe(false);
    expect(() => parseQuantity(text)).toThrow(`"${text}" is not a Kubernetes quantity (examples: 500m, 4, 16Gi)`);
  });

  test('formats bytes with the largest exact binary unit', () => {
    expect(formatBytes(8 * 2 ** 30)).toBe('8Gi');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1536Mi');
    expect(formatBytes(1000)).toBe('1000');
  });
});
