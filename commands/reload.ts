import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { reloadDaemon } from '../src/cli/reload-daemon.js';
import { loadConfig } from '../src/config/load.js';
import { signalReload } from '../src/daemon/pidfile.js';

export default class Reload extends BaseCommand {
  static override description =
    'Make the running mika serve read its config file, its API key and certificate and the API keys again, through the API (POST /api/reload); a config that fails validation is refused and the old one kept. After mika genkey -force the API still serves the old certificate, which this side no longer trusts: the daemon is then reloaded by a signal to the pid in the pidfile';

  static override examples = ['<%= config.bin %> reload', '<%= config.bin %> reload -config /etc/mika/config.json', '<%= config.bin %> reload -signal'];

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
    const outcome = await reloadDaemon(config);
    if (outcome.by === 'signal') {
      this.log(`> The API still serves the certificate api.tls_cert had before: sent SIGUSR2 to ${outcome.pid} (pidfile) instead`);
      this.log('> Reloaded: the API serves the certificate of api.tls_cert now');
      return;
    }
    const { changed, needs_restart: restart } = outcome.reply;
    this.log(`> Reloaded: ${changed.length > 0 ? changed.join(', ') : 'nothing changed'}`);
    if (restart.length > 0) this.log(`> Needs a restart: ${restart.join(', ')}`);
  }
}
