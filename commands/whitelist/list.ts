import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { withApi } from '../../src/cli/with-api.js';
import { loadConfig } from '../../src/config/load.js';
import { blacklistTable, whitelistTable } from '../../src/cli/whitelist-table.js';

export default class WhitelistList extends BaseCommand {
  static override description =
    'List the client whitelist of the running daemon: peer_id prefixes and client names (GET /api/whitelist); with --deny the refused patterns and their reasons (GET /api/blacklist)';

  static override examples = ['<%= config.bin %> whitelist list', '<%= config.bin %> whitelist list -config /etc/mika/config.json -json', '<%= config.bin %> whitelist list -deny'];

  static override flags = {
    deny: Flags.boolean({ description: 'List the blacklist instead: peer_id patterns refused whether whitelisted or not, with the reason shown to the client' }),
  };

  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    const { flags } = await this.parse(WhitelistList, this.dashArgv());
    const { config } = loadConfig({ path: flags.config });
    if (flags.deny) {
      const reply = await withApi(config, (api) => api.blacklist());
      for (const line of blacklistTable(reply.blacklist)) this.log(line);
      return reply;
    }
    const reply = await withApi(config, (api) => api.whitelist());
    for (const line of whitelistTable(reply.whitelist)) this.log(line);
    return reply;
  }
}
