import { describe, expect, it } from 'vitest';
import { ApiClientError, type ApiClient } from '../../src/api/client.js';
import { USER_DEFAULTS } from '../../src/api/schemas.js';
import { columnsOrItems, toColumns } from '../../src/warmup/columns.js';

describe('toColumns', () => {
  it('makes one array per field, value i from item i, in item order', () => {
    expect(toColumns([{ user_id: 1, passkey: 'a' }, { user_id: 2, passkey: 'b' }], USER_DEFAULTS)).toEqual({ user_id: [1, 2], passkey: ['a', 'b'] });
  });
  it('gives an item without a field another item has that field’s default, whichever item has it', () => {
    const items = [{ user_id: 1, passkey: 'a' }, { user_id: 2, passkey: 'b', can_leech: false, leech_slots: 3 }, { user_id: 3, passkey: 'c', hnr_immune: true }];
    expect(toColumns(items, USER_DEFAULTS)).toEqual({
      user_id: [1, 2, 3],
      passkey: ['a', 'b', 'c'],
      can_leech: [true, false, true],
      leech_slots: [0, 3, 0],
      hnr_immune: [false, false, true],
    });
  });
  it('treats a field set to undefined as left out, and no items as no columns', () => {
    expect(toColumns([{ user_id: 1, passkey: 'a', enabled: undefined }], USER_DEFAULTS)).toEqual({ user_id: [1], passkey: ['a'] });
    expect(toColumns([], USER_DEFAULTS)).toEqual({});
  });
});

describe('columnsOrItems', () => {
  const api = {} as ApiClient;
  const reply = { written: 1, unchanged: 0, conflicts: [] };

  it('sends columns while the daemon takes them', async () => {
    const sent: string[] = [];
    const send = columnsOrItems<number>(async () => (sent.push('columns'), reply), async () => (sent.push('items'), reply));
    await send(api, [1]);
    await send(api, [2]);
    expect(sent).toEqual(['columns', 'columns']);
  });
  it('falls back to the array of objects for good once a daemon without the columns route answers 404', async () => {
    const sent: string[] = [];
    const send = columnsOrItems<number>(
      async () => {
        sent.push('columns');
        throw new ApiClientError(404, 'not_found', 'no route POST /api/bulk/users/columns');
      },
      async () => (sent.push('items'), reply),
    );
    expect(await send(api, [1])).toEqual(reply);
    await send(api, [2]);
    expect(sent).toEqual(['columns', 'items', 'items']);
  });
  it('passes any other failure on', async () => {
    const send = columnsOrItems<number>(
      async () => {
        throw new ApiClientError(400, 'invalid_request', 'body.passkey.0 must match pattern');
      },
      async () => reply,
    );
    await expect(send(api, [1])).rejects.toThrow('body.passkey.0');
  });
});
