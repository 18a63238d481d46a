import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { ledgerTotals, storeTotals } from '../helpers/transfer-ledger.js';
import { useFaultRig } from './fault-rig.js';

const rig = useFaultRig();
/** A hang detector, not a speed figure: the drain takes milliseconds; the load would go on for 40 s. */
const EXIT_BOUND_MS = 15_000;

describe('when mika gets SIGTERM under load', () => {
  it('answers every request sent before the signal, exits 0 while clients still announce, and counted exactly what it acknowledged', { timeout: 60_000 }, async () => {
    const { site, admin, startMika } = rig();
    // No pause between a peer's announces: the signal finds requests at every stage. The peers go
    // on announcing through the shutdown on their keep-alive connections, as clients do.
    const { mika, load } = await rig().underLoad(30, { pauseMs: 0, maxPerPeer: 1_000_000, maxMs: 40_000 });

    const signalAt = performance.now();
    mika.child.kill('SIGTERM');
    const exit = await Promise.race([mika.exited, new Promise((r) => setTimeout(() => r('still running'), EXIT_BOUND_MS))]);
    await load.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    // Only those certainly on the wire before the signal: sentAt is a little late, never early.
    const before = load.exchanges.filter((x) => x.sentAt !== undefined && x.sentAt < signalAt);
    expect(before.filter((x) => x.outcome !== 'success')).toEqual([]);

    const again = await startMika();
    try {
      await load.resend();
      expect(await storeTotals(admin, site)).toEqual(ledgerTotals(site));
    } finally {
      expect(await again.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
