// Writing the ASCII of a reply's head and bencode straight into its buffer: for the few short texts
// and numbers of a reply, a JS byte loop costs less than making a string and crossing into C++
// (Buffer#write) for each.

/** Digits of a whole number ≥ 0 written in decimal. */
export function decimalLength(n: number): number {
  let len = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    len++;
  }
  return len;
}

/** Writes the whole number `n` ≥ 0 in decimal at `at`; returns the offset after it. */
export function putDecimal(out: Buffer, at: number, n: number): number {
  const end = at + decimalLength(n);
  for (let i = end - 1; i >= at; i--) {
    out[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/** Writes the one-byte text `s` (ASCII or latin1) at `at`; returns the offset after it. */
export function putAscii(out: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return at + s.length;
}

/** Copies `from[start..end)` to `out` at `at` with a byte loop (a few bytes: cheaper than Buffer#copy); returns the offset after it. */
export function putBytes(out: Buffer, at: number, from: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) out[at++] = from[i]!;
  return at;
}
