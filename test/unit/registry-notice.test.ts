import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/store/redis/registry-codec.js';

describe('a change notice on the events channel', () => {
  it('names one record, with no origin, in the single form', () => {
    expect(parseMessage('u 42')).toEqual({ origin: undefined, records: [{ kind: 'u', id: 42 }] });
    expect(parseMessage(`t ${'ab'.repeat(20)}`)).toEqual({ origin: undefined, records: [{ kind: 't', infoHash: 'ab'.repeat(20) }] });
    expect(parseMessage('w -TR 3')).toEqual({ origin: undefined, records: [{ kind: 'w', prefix: '-TR 3' }] });
  });

  it('names every record of a bulk put, with the writing store as origin', () => {
    expect(parseMessage('U 0f1e 1 2 30')).toEqual({ origin: '0f1e', records: [1, 2, 30].map((id) => ({ kind: 'u', id })) });
    expect(parseMessage(`T 0f1e ${'a'.repeat(40)} ${'b'.repeat(40)}`)).toEqual({
      origin: '0f1e',
      records: [{ kind: 't', infoHash: 'a'.repeat(40) }, { kind: 't', infoHash: 'b'.repeat(40) }],
    });
  });

  it('is ignored when it names no record it can read', () => {
    expect(parseMessage('u x')).toBeUndefined();
    expect(parseMessage('u ')).toBeUndefined();
    expect(parseMessage('x 1')).toBeUndefined();
    expect(parseMessage('U 0f1e x 7')).toEqual({ origin: '0f1e', records: [{ kind: 'u', id: 7 }] });
  });
});
