import { describe, expect, it } from 'vitest';
import { ledgerTotals, peerStandings, storeTotals } from '../helpers/transfer-ledger.js';
import { killWithAnnouncesInFlight, useEmbeddedFaultRig } from './fault-rig.js';

const rig = useEmbeddedFaultRig();

describe('when mika is killed with SIGKILL under load on the embedded store', () => {
  it('after a restart on the same data folder and the clients’ re-sends, every user’s and torrent’s totals equal the acknowledged counters exactly', { timeout: 60_000 }, async () => {
    const { site, admin, startMika } = rig();
    // No pause between a peer's announces: at any moment most of them have one in flight.
    const { mika, load } = await rig().underLoad(30, { pauseMs: 0 });

    // Group commit holds a batch's announces until its fsync: most of the time many are in flight.
    await killWithAnnouncesInFlight(mika, load);

    // mika is gone (its lock is stale): the folder is ours to read. It holds each peer's
    // acknowledged counters, or those of its announce cut off by the kill.
    await admin.open();
    expect(await peerStandings(admin, site, load.exchanges)).not.toContain('unexplained');
    await admin.close();

    const again = await startMika();
    // Each client re-sends its last unanswered announce: it adds 0 where it was applied, its delta
    // where not. Were the peers' last counters lost, every re-send would count as a first announce.
    await load.resend();
    expect(await again.stop()).toEqual({ code: 0, signal: null });
    await admin.open();
    expect(await storeTotals(admin, site)).toEqual(ledgerTotals(site));
  });
});
