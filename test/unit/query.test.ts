import { describe, expect, it } from 'vitest';
import { TrackerFailure } from '../../src/tracker/failure.js';
import { parseQuery, percentDecode } from '../../src/tracker/query.js';

describe('percentDecode', () => {
  it('turns every escape into its byte, never through UTF-8', () => {
    expect(percentDecode('%00%FF%fe%2B%20', 'x')).toEqual(Buffer.from([0, 255, 254, 0x2b, 0x20]));
  });
  it('keeps a literal "+" as 0x2B', () => {
    expect(percentDecode('a+b', 'x')).toEqual(Buffer.from('a+b'));
  });
  it.each(['%', '%4', '%G0', 'ab%'])('rejects the truncated or bad escape %s, naming the parameter', (s) => {
    expect(() => percentDecode(s, 'info_hash')).toThrow(new TrackerFailure('malformed', 'malformed parameter info_hash: bad percent-escape'));
  });
});

describe('parseQuery', () => {
  it('keeps repeated parameters in order', () => {
    const q = parseQuery('/x/scrape?info_hash=a&info_hash=%62');
    expect(q.get('info_hash')).toEqual([Buffer.from('a'), Buffer.from('b')]);
  });
  it('takes a parameter without "=" as empty and skips empty pairs', () => {
    const q = parseQuery('/a?compact&&event=');
    expect(q.get('compact')).toEqual([Buffer.alloc(0)]);
    expect(q.get('event')).toEqual([Buffer.alloc(0)]);
    expect(q.size).toBe(2);
  });
  it('splits only at the first "=" of a pair', () => {
    expect(parseQuery('/a?k=v=w').get('k')).toEqual([Buffer.from('v=w')]);
  });
  it('gives nothing for a URL without a query', () => {
    expect(parseQuery('/a/announce').size).toBe(0);
  });
});
