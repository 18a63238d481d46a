const BARS = '▁▂▃▄▅▆▇█';

/**
 * `values` as a bar chart `width` characters wide, scaled from 0 to their maximum. A longer series
 * is averaged into `width` cells (each the mean of its share of the points), so the whole history
 * fits; a shorter one is as long as it is.
 */
export function sparkline(values: readonly number[], width: number): string {
  const cells = values.length > width ? resample(values, width) : values;
  let max = 0;
  for (const v of cells) if (v > max) max = v;
  let out = '';
  for (const v of cells) out += BARS[max === 0 ? 0 : Math.round((Math.max(v, 0) / max) * (BARS.length - 1))];
  return out;
}

function resample(values: readonly number[], width: number): number[] {
  const n = values.length;
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * n) / width);
    const to = Math.floor(((i + 1) * n) / width);
    let sum = 0;
    for (let j = from; j < to; j++) sum += values[j]!;
    out.push(sum / (to - from));
  }
  return out;
}
