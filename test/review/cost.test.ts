import { HOURS_PER_MONTH, formatMoney, quotaMonthlyCost, roundCents } from '../../review/cost';
import { fixturePlatform } from '../support/fixtures';

describe('cost', () => {
  const platform = fixturePlatform();
  platform.spec.pricing = { currency: 'USD', cpuCoreHour: 0.035, memoryGiBHour: 0.0045, storageGiBMonth: 0.1 };
  platform.spec.defaultGpuType = 'a100-80gb';
  platform.spec.gpuTypes['a100-80gb'].hourlyPrice = 2.9;

  test('prices a quota: cores, GiB and GPUs by the hour for 730 hours, storage by the month', () => {
    // cpu 96 × 0.035 × 730 = 2,452.80; memory 512 × 0.0045 × 730 = 1,681.92;
    // gpu 16 × 2.90 (the default type a100-80gb) × 730 = 33,872.00; storage 1024 × 0.10 = 102.40
    expect(HOURS_PER_MONTH).toBe(730);
    expect(quotaMonthlyCost(platform, { cpu: '96', memory: '512Gi', gpu: 16, storage: '1Ti', pods: 120 })).toEqual({
      cpu: 2452.8,
      memory: 1681.92,
      gpu: 33872,
      storage: 102.4,
      total: 38109.12,
    });
  });

  test('counts millicores and MiB', () => {
    // cpu 0.5 × 0.035 × 730 = 12.775; memory 0.5 × 0.0045 × 730 = 1.6425; storage 0.5 × 0.10 = 0.05 → 14.4675 → 14.47
    expect(quotaMonthlyCost(platform, { cpu: '500m', memory: '512Mi', gpu: 0, storage: '512Mi', pods: 1 }).total).toBe(14.47);
  });

  test('rounds an exact half cent up, also where binary floating point holds it a hair below', () => {
    // 173 GiB × 0.0045 × 730 = 568.305 exactly, computed as 568.30499999999995; 1.005 is held as 1.00499999999999989.
    expect(roundCents(173 * 0.0045 * 730)).toBe(568.31);
    expect(roundCents(1.005)).toBe(1.01);
    expect(roundCents(-1.005)).toBe(-1);
    expect(roundCents(2.9 * 730)).toBe(2117);
    expect(roundCents(1136.975)).toBe(1136.98);
  });

  test('formats money with the currency, and signs deltas', () => {
    expect(formatMoney(17520, 'USD')).toBe('$17,520.00');
    expect(formatMoney(17520, 'USD', true)).toBe('+$17,520.00');
    expect(formatMoney(-639.04, 'USD', true)).toBe('-$639.04');
    expect(formatMoney(0, 'USD', true)).toBe('$0.00');
    expect(formatMoney(1234.5, 'EUR')).toBe('€1,234.50');
    expect(roundCents(2.9 * 730)).toBe(2117);
  });
});
