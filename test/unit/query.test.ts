import { describe, expect, it } from 'vitest';
import { announcePasskey } from '../../src/tracker/announce-route.js';
import { TrackerFailure } from '../../src/tracker/failure.js';
import { parseQuery, percentDecode } from '../../src/tracker/query.js';
import { readAnnounceParams } from '../../src/tracker/announce-params.js';

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
    expect(q.get('info_hash')).toEqual(['a', '%62']);
  });
  it('takes a parameter without "=" as empty and skips empty pairs', () => {
    const q = parseQuery('/a?compact&&event=');
    expect(q.get('compact')).toEqual(['']);
    expect(q.get('event')).toEqual(['']);
    expect(q.size).toBe(2);
  });
  it('splits only at the first "=" of a pair', () => {
    expect(parseQuery('/a?k=v=w').get('k')).toEqual(['v=w']);
  });
  it('gives nothing for a URL without a query', () => {
    expect(parseQuery('/a/announce').size).toBe(0);
  });
});

describe('announcePasskey', () => {
  it.each([
    ['/abc/announce?x=1', 'abc'],
    ['/announce/abc?x=1', 'abc'],
    ['/announce/abc', 'abc'],
    ['/announce', undefined],
    ['/announce/', undefined],
    ['//announce', undefined],
    ['/a/b/announce', undefined],
    ['/abc/scrape', undefined],
    [`/${'k'.repeat(129)}/announce`, undefined],
  ])('%s has passkey %s', (url, passkey) => {
    expect(announcePasskey(url)).toBe(passkey);
  });
});

describe('readAnnounceParams (the query scanned in place)', () => {
  const base = 'info_hash=%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA%AA&peer_id=-qB4630-123456789012&port=6881&uploaded=1&downloaded=2&left=3';
  it('reads the parameters as parseQuery split them: names decoded, unknown names skipped, a value-less name empty', () => {
    const p = readAnnounceParams(`/pk/announce?${base.replace('port', 'p%6Frt')}&&foo=bar&compact&event=started&numwant=`);
    expect([p.port, p.uploaded, p.downloaded, p.left, p.event, p.compact, p.numwant]).toEqual([6881, 1, 2, 3, 'started', true, undefined]);
    expect(p.infoHash).toEqual(Buffer.alloc(20, 0xaa));
  });

  it('fails a parameter given twice (an encoded name counts) and a bad escape in any name, with the messages it had', () => {
    expect(() => readAnnounceParams(`/a?${base}&le%66t=4`)).toThrow('malformed parameter left: given more than once');
    expect(() => readAnnounceParams(`/a?${base}&x%G0=1`)).toThrow('malformed parameter name: bad percent-escape');
    expect(() => readAnnounceParams(`/a?${base.replace('&port=6881', '')}&event=x`)).toThrow('malformed parameter event: must be started');
  });
});
