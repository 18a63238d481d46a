// How the dashboard writes numbers and times: compact enough for a column, never ambiguous.

const counts = new Intl.NumberFormat('en-US');

/** 1234567 → "1,234,567". */
export const formatCount = (n: number): string => counts.format(n);

/** Per-second rates: one decimal, "–" before there are two samples to tell it. */
export const formatRate = (n: number | null): string => (n === null ? '–' : n.toFixed(1));

/** Seconds as "3d 4h", "2h 05m", "4m 09s" or "9s": the two largest units. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(s % 60)}s`;
  return `${s}s`;
}
