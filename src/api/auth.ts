import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from './api-error.js';

export interface Credentials {
  keys: readonly string[];
  username: string;
  password: string;
}

// Secrets are compared as SHA-256 digests with timingSafeEqual: equal lengths, constant time, and the
// length of a configured secret does not leak either.
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const same = (a: Buffer, b: Buffer): boolean => timingSafeEqual(a, b);

/** Checks an Authorization header against the configured API keys (Bearer) and basic-auth pair. */
export class ApiAuth {
  private readonly keys: Buffer[];
  private readonly basic: Buffer | undefined;

  constructor(c: Credentials) {
    this.keys = c.keys.map(digest);
    this.basic = c.username === '' ? undefined : digest(`${c.username}:${c.password}`);
  }

  /** Throws a 401 ApiError unless `header` carries valid credentials. */
  check(header: string | undefined): void {
    if (header === undefined || header === '') throw new ApiError(401, 'unauthorized', 'credentials required: Authorization: Bearer <api key>, or basic auth');
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    let ok = false;
    if (scheme === 'bearer') {
      const d = digest(value);
      // Every key is compared, so the time does not tell which one matched.
      for (const k of this.keys) ok = same(k, d) || ok;
    } else if (scheme === 'basic' && this.basic) {
      ok = same(this.basic, digest(Buffer.from(value, 'base64').toString('utf8')));
    }
    if (!ok) throw new ApiError(401, 'unauthorized', 'invalid credentials');
  }
}
