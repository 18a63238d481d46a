import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { withApi } from '../src/cli/with-api.js';
import { loadConfig } from '../src/config/load.js';
import { signalReload } from '../src/daemon/pidfile.js';

export default class Reload extends BaseCommand {
  static override description =
    'Make the running mika serve read its config file again, through the API (POST /api/reload); a config that fails validation is refused and the old one kept';

  static override examples = ['<%= config.bin %> reload', '<%= config.bin %> reload --config /etc/mika/config.json', '<%= config.bin %> reload --signal'];

  static override flags = {
    signal: Flags.boolean({ description: 'Send SIGUSR2 to the pid in the pidfile (config pidfile) instead, once it is checked to be a running mika serve; the outcome is then only in the daemon\'s log', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Reload);
    // The file is checked here first: a config that fails validation exits 2 before the daemon is asked.
    const { config } = loadConfig({ path: flags.config });
    if (flags.signal) {
      const pid = signalReload(config.pidfile);
      this.log(`> Sent SIGUSR2 to ${pid}`);
      return;
    }
    // The daemon still listens where it started: an api.listen edited since then is not it yet.
    const { changed, needs_restart: restart } = await withApi(config, (api) => api.reload(), 'an edited api.listen takes a restart; --signal reaches the daemon by its pid');
    this.log(`> Reloaded: ${changed.length > 0 ? changed.join(', ') : 'nothing changed'}`);
    if (restart.length > 0) this.log(`> Needs a restart: ${restart.join(', ')}`);
  }
}
