import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { serve } from '../src/daemon/serve.js';

export default class Serve extends BaseCommand {
  static override description = 'Run the HTTP tracker (announce and scrape) on the configured store';

  static override examples = ['<%= config.bin %> serve', '<%= config.bin %> serve -config /etc/mika/config.json', '<%= config.bin %> serve -config config.json -procs 2'];

  static override flags = {
    procs: Flags.integer({ description: 'Worker processes sharing the ports (redis store only); overrides config procs', min: 1 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    await serve({ configPath: flags.config, procs: flags.procs });
  }
}
