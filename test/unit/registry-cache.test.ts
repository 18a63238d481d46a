import { describe, expect, it } from 'vitest';
import { RegistryCache } from '../../src/store/registry-cache.js';

// A re-read of Redis (RegistrySync) sent before this instance's own write of a record must not undo
// that write when its reply lands after it: the cluster contract's "a client removed from the
// whitelist is refused" saw the removed prefix come back now and then.
describe('the registry cache during a re-read', () => {
  it('tells a re-read which records this instance wrote after it began', () => {
    const cache = new RegistryCache();
    cache.setWhitelist({ prefix: '-TR3', client: 'Transmission' });
    const since = cache.beginRead();
    cache.deleteWhitelist('-TR3');
    expect(cache.writtenSince('w', '-TR3', since)).toBe(true);
    expect(cache.writtenSince('w', '-qB4', since)).toBe(false);
    cache.endRead();
  });

  it('does not count the re-read’s own writes, nor writes made while no read is under way', () => {
    const cache = new RegistryCache();
    cache.setUser({ id: 1, passkey: 'a'.repeat(32), name: 'a', canLeech: true, enabled: true, leechSlots: 0 });
    const first = cache.beginRead();
    const second = cache.beginRead();
    cache.applying(() => cache.deleteUser(1));
    expect(cache.writtenSince('u', 1, first)).toBe(false);
    expect(cache.writtenSince('u', 1, second)).toBe(false);
    cache.endRead();
    cache.endRead();
    const later = cache.beginRead();
    expect(cache.writtenSince('u', 1, later)).toBe(false);
    cache.endRead();
  });
});
