import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { withApi } from '../../src/cli/with-api.js';
import { loadConfig } from '../../src/config/load.js';

export default class WhitelistAdd extends BaseCommand {
  static override description =
    'Allow a client by peer_id prefix on the running daemon, or rename the client of a listed prefix (POST /api/whitelist). A prefix may start with "-" as it is: mika whitelist add -qB4 qBittorrent';

  static override examples = [
    '<%= config.bin %> whitelist add -qB4 qBittorrent 4',
    '<%= config.bin %> whitelist add -TR3 Transmission -json',
    '<%= config.bin %> whitelist add -- -json Some Client',
    '<%= config.bin %> whitelist add -deny -UT2 uTorrent 2 is not allowed here',
  ];

  static override flags = {
    deny: Flags.boolean({ description: 'Refuse the clients instead (POST /api/blacklist, checked besides the whitelist): the words after the pattern are the reason shown to them; "?" in the pattern matches any one byte' }),
  };

  static override args = {
    prefix: Args.string({ required: true, description: 'Leading characters of the peer_id, 1 to 20, e.g. -qB4' }),
    client: Args.string({ required: true, description: 'Client name shown to operators (the words after the prefix, joined by spaces); with --deny the reason shown to the refused client' }),
  };

  // The client name may be several words without quotes.
  static override strict = false;

  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    const { args, argv, flags } = await this.parse(WhitelistAdd, this.dashArgv());
    const { config } = loadConfig({ path: flags.config });
    const client = (argv as string[]).slice(1).join(' ');
    if (flags.deny) {
      const { created, item } = await withApi(config, (api) => api.putBlacklist({ pattern: args.prefix, reason: client }));
      this.log(`> ${created ? 'Denied' : 'Changed the reason of'} ${JSON.stringify(item.pattern)}: ${item.reason}`);
      return { created, denied: true, ...item };
    }
    const { created, item } = await withApi(config, (api) => api.putWhitelist({ prefix: args.prefix, client }));
    this.log(`> ${created ? 'Added' : 'Renamed'} ${JSON.stringify(item.prefix)}: ${item.client}`);
    return { created, ...item };
  }
}
