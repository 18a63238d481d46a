import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_RECORDS } from '../../../src/store/embedded/group-commit.js';
import { EmbeddedStore } from '../../../src/store/embedded/embedded-store.js';
import { DATA_FILE } from '../../../src/store/embedded/layout.js';
import type { User } from '../../../src/store/records.js';
import { tempDir } from '../../helpers/temp-dir.js';

// A bulk import's batch is written as a checkpoint at once: logging it would make the next
// checkpoint encode and write each of its records a second time (a fresh warmup's records are
// all new, so the log saves nothing on them).

const user = (id: number): User => ({ id, passkey: `${String(id).padStart(8, '0')}${'k'.repeat(24)}`, name: `u${id}`, canLeech: true, enabled: true, leechSlots: 0 });
const users = (from: number, n: number) => Array.from({ length: n }, (_, i) => user(from + i));

describe('a bulk put on the embedded store', () => {
  it(`writes a batch of ${CHECKPOINT_RECORDS} records or more as a checkpoint, a small one to the commit log, and a crash after either loses neither`, async () => {
    const path = tempDir('bulk-checkpoint');
    const store = new EmbeddedStore({ path, checkpointMs: 60_000 });
    await store.open();
    try {
      const before = { checkpoints: store.checkpointCount, commits: store.commitCount };
      await store.putUsers(users(1, CHECKPOINT_RECORDS));
      expect(store.checkpointCount).toBe(before.checkpoints + 1);
      await store.putUsers(users(5000, 10));
      expect(store.checkpointCount).toBe(before.checkpoints + 1);
      expect(store.commitCount).toBe(before.commits + 2);

      // What a SIGKILL now leaves: the file as committed, no closing checkpoint.
      const copy = tempDir('bulk-checkpoint-copy');
      copyFileSync(join(path, DATA_FILE), join(copy, DATA_FILE));
      const reopened = new EmbeddedStore({ path: copy });
      await reopened.open();
      try {
        expect(reopened.counts().users).toBe(CHECKPOINT_RECORDS + 10);
        expect(reopened.userById(CHECKPOINT_RECORDS)).toEqual(user(CHECKPOINT_RECORDS));
        expect(reopened.userById(5009)).toEqual(user(5009));
      } finally {
        await reopened.close();
      }
    } finally {
      await store.close();
    }
  });
});
