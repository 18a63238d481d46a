import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { ledgerTotals, peerStandings, storeTotals } from '../helpers/transfer-ledger.js';
import { useFaultRig } from './fault-rig.js';

const rig = useFaultRig();

describe('when mika is killed with SIGKILL under load on the Redis store', () => {
  it('after a restart and the clients’ re-sends, every user’s and torrent’s totals equal the acknowledged counters exactly', { timeout: 60_000 }, async () => {
    const { site, admin, startMika } = rig();
    // No pause between a peer's announces: at any moment most of them have one in flight.
    const { mika, load } = await rig().underLoad(30, { pauseMs: 0 });

    // Killed while at least half of the peers wait for a reply (on a loaded machine the load itself
    // may be descheduled, and a kill between two waves would cut nothing off).
    await eventually(() => load.inFlight() >= Math.ceil(load.peers.length / 2), 5_000, 1);
    const killedAt = performance.now();
    mika.child.kill('SIGKILL');
    expect(await mika.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await load.stop();
    // Announces on the wire when mika died got no reply: applied or lost, nobody can tell yet.
    const cut = load.exchanges.filter((x) => x.outcome === 'error' && x.startedAt < killedAt);
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.every((x) => /socket hang up|ECONNRESET|EPIPE/.test(x.detail ?? ''))).toBe(true);

    const again = await startMika();
    try {
      // The store holds each peer's acknowledged counters, or those of its announce cut off by the kill.
      expect(await peerStandings(admin, site, load.exchanges)).not.toContain('unexplained');
      // Each client re-sends its last unanswered announce: it adds 0 where it was applied, its delta where not.
      await load.resend();
      expect(await storeTotals(admin, site)).toEqual(ledgerTotals(site));
    } finally {
      expect(await again.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
