import { describe, expect, it } from 'vitest';
import { ledgerTotals, storeTotals } from '../helpers/transfer-ledger.js';
import { useEmbeddedFaultRig } from './fault-rig.js';

const rig = useEmbeddedFaultRig();

describe('when mika on the embedded store gets SIGTERM under load', () => {
  it('exits 0, and what it acknowledged is in the data file exactly, the re-sends after a restart included', { timeout: 60_000 }, async () => {
    const { site, admin, startMika } = rig();
    const { mika, load } = await rig().underLoad(30, { pauseMs: 0, maxPerPeer: 1_000_000, maxMs: 40_000 });
    mika.child.kill('SIGTERM');
    expect(await mika.exited).toEqual({ code: 0, signal: null });
    await load.stop();

    const again = await startMika();
    await load.resend();
    expect(await again.stop()).toEqual({ code: 0, signal: null });
    // Both processes are gone: the folder is ours to read.
    await admin.open();
    expect(await storeTotals(admin, site)).toEqual(ledgerTotals(site));
  });
});
