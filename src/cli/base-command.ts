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
   * A problem the operator can fix is one line on stderr, no stack trace; bad config exits 2. The
   * line passes the redaction rule: it may quote the daemon's reply or a connection error.
   */
  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof ConfigError) {
      process.stderr.write(`mika: ${redactText(err.message)}\n`);
      return this.exit(2);
    }
    if (err.oclif) return super.catch(err);
    process.stderr.write(`mika: ${redactText(err.message)}\n`);
    if (process.env.MIKA_DEBUG) process.stderr.write(`${redactText(err.stack ?? '')}\n`);
    return this.exit(1);
  }
}
