import { Command, Flags } from '@oclif/core';
import { ConfigError } from '../config/config-error.js';
import { redactText } from '../redaction/redact.js';
import { dashArguments } from './argv.js';

/** Flags and error handling every mika command shares. */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      description: 'Path to the config file (default ./config.json, or $MIKA_CONFIG; built-in defaults when absent)',
      helpValue: '<config.json>',
    }),
  };

  /** this.argv with the command's flags first, so that arguments may start with "-" (see dashArguments). */
  protected dashArgv(): string[] {
    const ctor = this.ctor as typeof BaseCommand;
    return dashArguments(this.argv, { ...ctor.baseFlags, ...ctor.flags, ...(ctor.enableJsonFlag ? { json: { type: 'boolean' } } : {}) });
  }

  /**
   * Every failure is one line on stderr, `mika: <what> (<what to check>)`, no stack trace
   * (MIKA_DEBUG=1 adds it). Exit codes: 1 a runtime failure, 2 a usage error or a bad config. The
   * line passes the redaction rule: it may quote the daemon's reply or a connection error.
   */
  protected override async catch(err: Error & { exitCode?: number; code?: string; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof ConfigError) {
      process.stderr.write(`mika: ${redactText(err.message)}\n`);
      return this.exit(2);
    }
    // this.exit() itself throws; let oclif end the process with its code.
    if (err.code === 'EEXIT') return super.catch(err);
    if (err.oclif) {
      // oclif's usage errors (an unknown flag, a missing argument): the first line, and where the usage is.
      const what = err.message
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('See more help'))
        .join(' ')
        .replace(/^Error: /, '');
      process.stderr.write(`mika: ${redactText(what)} (mika help ${this.id?.replaceAll(':', ' ') ?? ''} shows the usage)\n`.replace(' )', ')'));
      return this.exit(err.oclif.exit ?? 2);
    }
    process.stderr.write(`mika: ${redactText(err.message)}\n`);
    if (process.env.MIKA_DEBUG) process.stderr.write(`${redactText(err.stack ?? '')}\n`);
    return this.exit(1);
  }
}
