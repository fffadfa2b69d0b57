import { PORT_RANGE, PORT_RANGE_PARTS, portRange, portRangeVariable } from '../../devkit/ports';

describe('portRange', () => {
  test('outside jest a control plane may take the whole range', () => {
    expect(portRange('')).toEqual(PORT_RANGE);
    expect(portRangeVariable('not a number')).toBe('20000-32767');
  });

  test('the parts of the first workers are disjoint, within the range, and of one size', () => {
    const parts = Array.from({ length: PORT_RANGE_PARTS }, (_, index) => portRange(String(index + 1)));
    expect(parts[0]).toEqual({ first: 20000, last: 23191 });
    for (const [index, part] of parts.entries()) {
      expect(part.first).toBeGreaterThanOrEqual(PORT_RANGE.first);
      expect(part.last).toBeLessThanOrEqual(PORT_RANGE.last);
      expect(part.last - part.first).toBe(parts[0].last - parts[0].first);
      if (index > 0) expect(part.first).toBe(parts[index - 1].last + 1);
    }
  });

  test('a worker beyond the parts shares one', () => {
    expect(portRange(String(PORT_RANGE_PARTS + 1))).toEqual(portRange('1'));
  });

  test('the worker comes from JEST_WORKER_ID by default', () => {
    expect(portRange()).toEqual(portRange(process.env.JEST_WORKER_ID));
    expect(portRange()).not.toEqual(PORT_RANGE);
  });
});
