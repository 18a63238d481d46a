/** At most this many torrents are counted per minute; announces on others that minute go uncounted. */
const MAX_TORRENTS_PER_MINUTE = 200_000;

export interface ActiveTorrent {
  infoHash: string;
  /** Announces in the 60 seconds before `now` (estimated, see AnnounceActivity). */
  announces: number;
}

/**
 * Announces per torrent over the last minute, for "the busiest torrents". The announce path only
 * bumps a Map entry: counts go into the bucket of the current clock minute, and the bucket of the
 * minute before is kept. The last 60 seconds are then estimated as the current bucket plus the part
 * of the previous one that the window still covers (a sliding-window counter: exact when the rate
 * is steady, never more than one minute's worth off).
 */
export class AnnounceActivity {
  private minute = -1;
  private current = new Map<string, number>();
  private previous = new Map<string, number>();

  /** Counts one announce on `infoHash` (lowercase hex) at unix second `now`. */
  record(infoHash: string, now: number): void {
    const minute = Math.floor(now / 60);
    if (minute !== this.minute) this.rotate(minute);
    const n = this.current.get(infoHash);
    if (n !== undefined) this.current.set(infoHash, n + 1);
    else if (this.current.size < MAX_TORRENTS_PER_MINUTE) this.current.set(infoHash, 1);
  }

  /** The `limit` torrents with the most announces in the 60 seconds before `now`, busiest first. */
  top(limit: number, now: number): ActiveTorrent[] {
    const minute = Math.floor(now / 60);
    // Read as of `now` without moving the buckets: a quiet tracker may not have rotated yet.
    const current = minute === this.minute ? this.current : undefined;
    const previous = minute === this.minute ? this.previous : minute === this.minute + 1 ? this.current : undefined;
    const weight = 1 - (now - minute * 60) / 60;
    const counts = new Map<string, number>();
    for (const [hash, n] of previous ?? []) counts.set(hash, n * weight);
    for (const [hash, n] of current ?? []) counts.set(hash, (counts.get(hash) ?? 0) + n);

    const best: ActiveTorrent[] = [];
    for (const [infoHash, estimate] of counts) {
      const announces = Math.round(estimate);
      if (announces === 0 || (best.length === limit && announces <= best[best.length - 1]!.announces)) continue;
      // Insertion into a short sorted list: the limit is small, the number of torrents may not be.
      let i = best.length;
      while (i > 0 && best[i - 1]!.announces < announces) i--;
      best.splice(i, 0, { infoHash, announces });
      if (best.length > limit) best.pop();
    }
    return best;
  }

  private rotate(minute: number): void {
    const old = this.previous;
    this.previous = minute === this.minute + 1 ? this.current : new Map();
    old.clear();
    this.current = old;
    this.minute = minute;
  }
}
