import { describe, expect, it } from 'vitest';
import { goStyleArgv } from '../../src/cli/argv.js';

describe('goStyleArgv', () => {
  it('turns the seed’s Go-style flags into double-dash flags', () => {
    expect(goStyleArgv(['serve', '-config', 'config.json', '-procs', '2'])).toEqual(['serve', '--config', 'config.json', '--procs', '2']);
    expect(goStyleArgv(['serve', '-config=c.json'])).toEqual(['serve', '--config=c.json']);
  });
  it('leaves short flags, double-dash flags, negative numbers and anything after -- alone', () => {
    expect(goStyleArgv(['-c', 'x', '--procs', '2', '-5', '--', '-config'])).toEqual(['-c', 'x', '--procs', '2', '-5', '--', '-config']);
  });
});
