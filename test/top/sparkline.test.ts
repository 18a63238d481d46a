import { describe, expect, it } from 'vitest';
import { sparkline } from '../../src/top/sparkline.js';

describe('sparkline', () => {
  it('draws each value as a bar scaled from 0 to the maximum', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 20)).toBe('▁▂▃▄▅▆▇█');
  });

  it('draws all-zero (and empty) series flat', () => {
    expect(sparkline([0, 0, 0], 10)).toBe('▁▁▁');
    expect(sparkline([], 10)).toBe('');
  });

  it('averages a series longer than the width into `width` cells', () => {
    // Pairs average to 0, 7, 0, 7.
    expect(sparkline([0, 0, 7, 7, 0, 0, 7, 7], 4)).toBe('▁█▁█');
    expect(sparkline(Array.from({ length: 300 }, (_, i) => i), 60)).toHaveLength(60);
  });
});
