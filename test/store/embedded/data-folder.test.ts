import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../../src/store/embedded/embedded-store.js';
import { tempDir } from '../../helpers/temp-dir.js';

const user = { id: 7, passkey: 'k'.repeat(32), name: 'kept', canLeech: true, enabled: true, leechSlots: 0 };

/** A data folder that holds one user, then `value` put at `key` behind mika's back; returns the folder. */
async function folderWithRecord(key: string, value: unknown): Promise<string> {
  const path = tempDir('folder');
  const store = new EmbeddedStore({ path });
  await store.open();
  await store.putUser(user);
  await store.close();
  const db = open({ path: join(path, 'mika.mdb') });
  await db.put(key, value);
  await db.close();
  return path;
}

describe('the embedded store’s data folder', () => {
  it('a second store on a folder in use is refused, naming the process that holds it', async () => {
    const path = tempDir('folder');
    const first = new EmbeddedStore({ path });
    await first.open();
    try {
      await expect(new EmbeddedStore({ path }).open()).rejects.toThrow(`is in use by process ${process.pid} (another mika serve?)`);
    } finally {
      await first.close();
    }
    // Given back on close: the folder opens again.
    const again = new EmbeddedStore({ path });
    await again.open();
    await again.close();
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const path = tempDir('folder');
    // No process has pid 2^22 + 1 (above Linux's pid_max).
    writeFileSync(join(path, 'mika.lock'), `${2 ** 22 + 1}\n`);
    const store = new EmbeddedStore({ path });
    await store.open();
    expect(readFileSync(join(path, 'mika.lock'), 'utf8').trim()).toBe(String(process.pid));
    await store.close();
  });

  it('a damaged data file is refused, and left as it was', async () => {
    const path = tempDir('folder');
    const store = new EmbeddedStore({ path });
    await store.open();
    await store.putUser(user);
    await store.close();
    const file = join(path, 'mika.mdb');
    const damaged = readFileSync(file);
    damaged.fill(0x41, 0, 4096);
    writeFileSync(file, damaged);
    await expect(new EmbeddedStore({ path }).open()).rejects.toThrow(/mika\.mdb is not a readable mika data file \(no LMDB header\): refusing to start rather than start empty/);
    expect(readFileSync(file).equals(damaged)).toBe(true);
  });

  it('a damaged page in the middle of the file is refused, not read as a smaller ledger', async () => {
    const path = tempDir('folder');
    // Every batch a checkpoint: the users are records only, no copy of them in a commit log.
    const store = new EmbeddedStore({ path, checkpointMs: 0 });
    await store.open();
    await store.putUsers(Array.from({ length: 3000 }, (_, i) => ({ ...user, id: i + 1, passkey: String(i).padStart(32, 'k') })));
    await store.close();
    const file = join(path, 'mika.mdb');
    const damaged = readFileSync(file);
    // A leaf page of the users (the one holding user 1501's record): LMDB has no checksums, and a
    // scan over it ends early without an error.
    const page = Math.floor(damaged.indexOf(String(1500).padStart(32, 'k')) / 4096);
    expect(page).toBeGreaterThan(1);
    damaged.fill(0x5a, page * 4096, (page + 1) * 4096);
    writeFileSync(file, damaged);
    await expect(new EmbeddedStore({ path }).open()).rejects.toThrow(/mika\.mdb is damaged.*refusing to start on part of the ledger/);
  });

  it('a commit-log record that does not read is refused, not skipped', async () => {
    const path = await folderWithRecord('l/000000000000007', { not: 'a list' });
    await expect(new EmbeddedStore({ path }).open()).rejects.toThrow(/mika\.mdb is damaged \(a commit-log record that is not a list of key, value pairs\): refusing to start/);
  });

  it('a truncated data file is refused', async () => {
    const path = tempDir('folder');
    writeFileSync(join(path, 'mika.mdb'), Buffer.alloc(100));
    await expect(new EmbeddedStore({ path }).open()).rejects.toThrow(/100 bytes, shorter than its two header pages/);
  });

  it('a file written by a newer mika is refused with what to do', async () => {
    const path = await folderWithRecord('!format', { format: 99, by: 'mika' });
    await expect(new EmbeddedStore({ path }).open()).rejects.toThrow(/was written by a newer mika \(data format 99; this one reads 3\)/);
  });

  it('an LMDB file that is not mika’s is refused', async () => {
    const path = tempDir('folder');
    const db = open({ path: join(path, 'mika.mdb') });
    await db.put('someone-else', 1);
    await db.close();
    await expect(new EmbeddedStore({ path }).open()).rejects.toThrow(/holds records but no mika format mark/);
  });

  it('keeps the registry and the ledger across a close', async () => {
    const path = tempDir('folder');
    const store = new EmbeddedStore({ path });
    await store.open();
    await store.putUser(user);
    await store.close();
    const again = new EmbeddedStore({ path });
    await again.open();
    expect(again.userByPasskey(user.passkey)).toEqual(user);
    await again.close();
  });

  it('a file of data format 1 (peer rows as MessagePack arrays, a record count of its own) is read, and marked 3 once opened', async () => {
    const path = tempDir('folder');
    const ih = 'ab'.repeat(20);
    const peerId = Buffer.from('-qB4650-000000000001', 'latin1');
    const record = Buffer.alloc(44);
    peerId.copy(record);
    Buffer.from([127, 0, 0, 1, 0x1a, 0xe1]).copy(record, 20);
    const db = open({ path: join(path, 'mika.mdb') });
    await db.put('!format', { format: 1, by: 'mika' });
    await db.put('!records', 2);
    await db.put(`ru/${user.id}`, user);
    await db.put(`p/${ih}/${user.id}:${peerId.toString('latin1')}`, [record, 5000, 0, 0, 1_800_000_000]);
    await db.close();
    const store = new EmbeddedStore({ path });
    await store.open();
    const [peer] = await store.peers(ih);
    expect(peer).toMatchObject({ userId: user.id, peerId: peerId.toString('hex'), ipv4: '127.0.0.1', ipv4Port: 6881, uploaded: 5000, left: 0, lastSeen: 1_800_000_000 });
    await store.close();
    const after = open({ path: join(path, 'mika.mdb') });
    expect(after.get('!format')).toEqual({ format: 3, by: 'mika' });
    expect(after.get('!records')).toBeUndefined();
    await after.close();
  });
});
