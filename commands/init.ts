import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { DEFAULT_CONFIG_PATH } from '../src/config/load.js';
import { initConfig } from '../src/setup/init.js';

export default class Init extends BaseCommand {
  static override description =
    'Write a config file ready to serve: a new API key in api.keys, and the API\'s TLS key and self-signed certificate beside it (what mika genkey writes)';

  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init -config /etc/mika/config.json -host tracker.example.org'];

  static override flags = {
    host: Flags.string({ description: 'Extra DNS name or address for the certificate (repeatable)', multiple: true, default: [] }),
    force: Flags.boolean({ description: 'Replace an existing config file, key and certificate', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Init);
    const made = await initConfig({ path: flags.config ?? process.env.MIKA_CONFIG ?? DEFAULT_CONFIG_PATH, hosts: flags.host, force: flags.force });
    this.log(`> Config:      ${made.path} (mode 0600)`);
    this.log(`> API key:     ${made.apiKey} (api.keys)`);
    this.log(`> Key:         ${made.tls.keyPath} (mode 0600)`);
    this.log(`> Certificate: ${made.tls.certPath}, valid to ${made.tls.validTo}`);
    this.log('> Next: mika serve, then add a user, a torrent and a client (README "Quick start")');
  }
}
