/**
 * An announce the ledger cannot take exactly: a figure it would add (credited upload or download,
 * a reported counter times the torrent's multiplier) is not an integer below 2^53. The store found
 * it before writing anything, so the announce changed nothing; the tracker answers with a failure
 * naming the parameter.
 */
export class FigureRangeError extends Error {
  override readonly name = 'FigureRangeError';
  constructor(readonly param: 'uploaded' | 'downloaded') {
    super(`${param} too large: the credited figure would exceed 2^53 - 1`);
  }
}
