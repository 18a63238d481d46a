import { BaseCommand } from '../../src/cli/base-command.js';
import { withApi } from '../../src/cli/with-api.js';
import { loadConfig } from '../../src/config/load.js';
import { whitelistTable } from '../../src/cli/whitelist-table.js';

export default class WhitelistList extends BaseCommand {
  static override description = 'List the client whitelist of the running daemon: peer_id prefixes and client names (GET /api/whitelist)';

  static override examples = ['<%= config.bin %> whitelist list', '<%= config.bin %> whitelist list -config /etc/mika/config.json -json'];

  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    const { flags } = await this.parse(WhitelistList, this.dashArgv());
    const { config } = loadConfig({ path: flags.config });
    const reply = await withApi(config, (api) => api.whitelist());
    for (const line of whitelistTable(reply.whitelist)) this.log(line);
    return reply;
  }
}
