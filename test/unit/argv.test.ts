import { describe, expect, it } from 'vitest';
import { dashArguments, goStyleArgv } from '../../src/cli/argv.js';

describe('goStyleArgv', () => {
  it('turns the seed’s Go-style flags into double-dash flags', () => {
    expect(goStyleArgv(['serve', '-config', 'config.json', '-procs', '2'])).toEqual(['serve', '--config', 'config.json', '--procs', '2']);
    expect(goStyleArgv(['serve', '-config=c.json'])).toEqual(['serve', '--config=c.json']);
  });
  it('leaves short flags, double-dash flags, negative numbers and anything after -- alone', () => {
    expect(goStyleArgv(['-c', 'x', '--procs', '2', '-5', '--', '-config'])).toEqual(['-c', 'x', '--procs', '2', '-5', '--', '-config']);
  });
});

describe('goStyleArgv for mika whitelist', () => {
  it('leaves every word alone: its arguments are peer_id prefixes such as -qB4', () => {
    expect(goStyleArgv(['whitelist', 'add', '-qB4', 'qBittorrent'])).toEqual(['whitelist', 'add', '-qB4', 'qBittorrent']);
    expect(goStyleArgv(['whitelist:remove', '-TR3'])).toEqual(['whitelist:remove', '-TR3']);
  });
});

describe('dashArguments', () => {
  const flags = { json: { type: 'boolean' as const }, config: { char: 'c', type: 'option' as const } };
  it('puts the command’s flags first and every other word after --, wherever they stood', () => {
    expect(dashArguments(['-qB4', 'qBittorrent', '--json'], flags)).toEqual(['--json', '--', '-qB4', 'qBittorrent']);
    expect(dashArguments(['-c', 'x.json', '-TR3', '--config=y.json', 'Transmission', '3'], flags)).toEqual(['--config', 'x.json', '--config=y.json', '--', '-TR3', 'Transmission', '3']);
  });
  it('takes the command’s own flags Go-style too: whitelist add -ZZ9 Test -config FILE is the prefix, the name and the config', () => {
    expect(dashArguments(['-ZZ9', 'Test', '-config', 'c.json', '-json'], flags)).toEqual(['--config', 'c.json', '--json', '--', '-ZZ9', 'Test']);
    expect(dashArguments(['-config=c.json'], flags)).toEqual(['--config=c.json', '--']);
  });
  it('reads a word that only starts like a flag as an argument, and everything after the operator’s -- too', () => {
    expect(dashArguments(['-cB4', '--jsonx', '--', '--json'], flags)).toEqual(['--', '-cB4', '--jsonx', '--json']);
  });
});
