import { readFileSync } from 'node:fs';

/** mika's version from its package.json (found above this file, in src/ and in dist/src/ alike). */
export const VERSION: string = (() => {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if ((pkg.name === 'mika-tracker' || pkg.name === 'mika') && pkg.version) return pkg.version;
    } catch {
      // not here: look one folder up
    }
  }
  return '0.0.0';
})();
