import { describe, expect, it } from 'vitest';
import { ledgerTotals, peerStandings, storeTotals } from '../helpers/transfer-ledger.js';
import { killWithAnnouncesInFlight, useFaultRig } from './fault-rig.js';

const rig = useFaultRig();

describe('when mika is killed with SIGKILL under load on the Redis store', () => {
  it('after a restart and the clients’ re-sends, every user’s and torrent’s totals equal the acknowledged counters exactly', { timeout: 60_000 }, async () => {
    const { site, admin, startMika } = rig();
    // No pause between a peer's announces: at any moment most of them have one in flight.
    const { mika, load } = await rig().underLoad(30, { pauseMs: 0 });

    await killWithAnnouncesInFlight(mika, load);

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
