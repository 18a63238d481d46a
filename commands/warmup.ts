import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { withApi } from '../src/cli/with-api.js';
import { loadConfig } from '../src/config/load.js';
import { plainProgress, silentProgress, ttyProgress } from '../src/warmup/progress.js';
import { reportJson } from '../src/warmup/report.js';
import { warmup } from '../src/warmup/warmup.js';

export default class Warmup extends BaseCommand {
  static override description =
    'Load the client whitelist, the users and the torrents of the site database (config sql.*) into the running daemon, through its bulk API; a second run changes nothing';

  static override examples = ['<%= config.bin %> warmup', '<%= config.bin %> warmup -prune', '<%= config.bin %> warmup -config /etc/mika/config.json -json'];

  static override flags = {
    prune: Flags.boolean({ description: 'Also remove the users and torrents the daemon holds that the site database no longer has', default: false }),
    'batch-size': Flags.integer({ description: 'Rows per bulk request (the API takes up to 10,000); default 10,000 into the embedded or memory store, 5,000 into Redis', min: 1, max: 10_000 }),
  };

  static override enableJsonFlag = true;

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Warmup);
    const { config } = loadConfig({ path: flags.config });
    const out = process.stdout;
    const progress = this.jsonEnabled() ? silentProgress : out.isTTY ? ttyProgress(out) : plainProgress(out);
    const report = await withApi(config, (api) => warmup({ sql: config.sql, api, batchSize: flags['batch-size'], prune: flags.prune, progress }));
    return reportJson(report);
  }
}
