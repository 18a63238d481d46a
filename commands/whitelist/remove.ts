import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { withApi } from '../../src/cli/with-api.js';
import { loadConfig } from '../../src/config/load.js';

export default class WhitelistRemove extends BaseCommand {
  static override description = 'Stop allowing a peer_id prefix on the running daemon (DELETE /api/whitelist/:prefix). A prefix may start with "-" as it is: mika whitelist remove -qB4';

  static override examples = ['<%= config.bin %> whitelist remove -qB4', '<%= config.bin %> whitelist remove -TR3 -json', '<%= config.bin %> whitelist remove -- -json'];

  static override args = {
    prefix: Args.string({ required: true, description: 'The prefix as listed by mika whitelist list' }),
  };

  static override flags = {
    deny: Flags.boolean({ description: 'Remove a blacklist pattern instead (DELETE /api/blacklist/:pattern): its clients may announce again' }),
  };

  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(WhitelistRemove, this.dashArgv());
    const { config } = loadConfig({ path: flags.config });
    await withApi(config, (api) => (flags.deny ? api.deleteBlacklist(args.prefix) : api.deleteWhitelist(args.prefix)));
    this.log(`> Removed ${JSON.stringify(args.prefix)}`);
    return { removed: args.prefix };
  }
}
