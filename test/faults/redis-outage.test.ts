import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { RedisServer } from '../helpers/redis-server.js';
import { ledgerTotals, peerStandings, storeTotals } from '../helpers/transfer-ledger.js';
import { useFaultRig } from './fault-rig.js';

const rig = useFaultRig();
const OUTAGE_MS = 10_000;
/** Longest an announce may wait for its reply, outage or not: mika's Redis command and connect timeouts are 2 s. */
const REPLY_BOUND_MS = 5_000;

const down = { begin: (r: RedisServer) => r.stop('SIGKILL'), end: (r: RedisServer) => r.start() };
const hung = { begin: async (r: RedisServer) => r.freeze(), end: async (r: RedisServer) => r.thaw() };
const outages = [
  // Refuses connections: mika's commands fail at once.
  { how: 'down (killed, then started again)', ...down, load: {} },
  // Hangs with its connections open: mika's commands time out, and the ones sent meanwhile run
  // when it goes on, their replies long given up.
  { how: 'hung (SIGSTOP, then SIGCONT)', ...hung, load: {} },
  // The same with two worker processes and a new connection per announce: a peer's announces take
  // turns between the workers' Redis connections, so one given up on runs after the next.
  { how: 'hung behind two worker processes', ...hung, load: { procs: 2, keepAlive: false } },
];

describe.each(outages)('when redis-server is $how for 10 s under load', ({ begin, end, load: shape }) => {
  it('mika answers every announce with HTTP 200, a bencoded failure while Redis is away, serves fully after, and the ledger holds', { timeout: 60_000 }, async () => {
    const { site, admin, redis } = rig();
    const { mika, load } = await rig().underLoad(20, { replyTimeoutMs: REPLY_BOUND_MS, ...shape });

    await begin(redis);
    const downAt = performance.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const upAt = performance.now();
    await end(redis);
    // Full service within a bound: mika reconnects with a backoff of at most 2 s.
    await load.successesEach(10, 15_000);
    await load.stop();

    expect(mika.child.exitCode).toBeNull();
    // No reset, no 5xx, no hang: every request got a complete HTTP 200 bencoded reply in time.
    expect(load.exchanges.filter((x) => x.outcome === 'error')).toEqual([]);
    const during = load.exchanges.filter((x) => x.startedAt > downAt && x.endedAt < upAt);
    expect(during.length).toBeGreaterThan(OUTAGE_MS / 1000);
    expect(new Set(during.map((x) => `${x.outcome}: ${x.detail}`))).toEqual(new Set(['failure: tracker storage unavailable']));

    // Redis kept every acknowledged write (AOF); an announce whose reply was lost may have been applied.
    expect(await peerStandings(admin, site, load.exchanges)).not.toContain('unexplained');
    await load.resend();
    expect(await storeTotals(admin, site)).toEqual(ledgerTotals(site));
    expect(await mika.stop()).toEqual({ code: 0, signal: null });
  });
});
