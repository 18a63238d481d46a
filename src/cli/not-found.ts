import type { Hook } from '@oclif/core';
import { closest } from './closest.js';

/**
 * oclif's command_not_found hook: one line in mika's error style with the nearest command name, and
 * exit 2 (a usage error).
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  const typed = opts.id.replaceAll(':', ' ');
  const names = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' '));
  const near = closest(typed, names);
  process.stderr.write(`mika: no command "${typed}" (${near ? `did you mean "mika ${near}"? ` : ''}mika help lists the commands)\n`);
  process.exit(2);
};

export default hook;
