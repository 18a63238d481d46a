import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { loadConfig } from '../src/config/load.js';
import { explainedSource, topClient } from '../src/top/top-client.js';
import { runTop, topOnce } from '../src/top/run-top.js';

const seconds = Flags.custom<number>({
  parse: async (input) => {
    const n = Number(input);
    if (!Number.isFinite(n) || n < 0.1 || n > 3600) throw new Error(`--interval must be a number of seconds from 0.1 to 3600, not ${JSON.stringify(input)}`);
    return n;
  },
});

export default class Top extends BaseCommand {
  static override description =
    'A live dashboard of a running mika serve, through its API: requests per second, errors by reason, swarms, storage, the busiest torrents';

  static override examples = [
    '<%= config.bin %> top',
    '<%= config.bin %> top -config /etc/mika/config.json -interval 2',
    '<%= config.bin %> top -url https://tracker.example.org:34001 -ca mika-api.crt -key $MIKA_KEY',
    '<%= config.bin %> top -once -json',
  ];

  static override flags = {
    url: Flags.string({ description: 'The API to watch (default: api.listen of the config, on loopback)', helpValue: 'https://host:port' }),
    key: Flags.string({ description: 'API key (default: the first of api.keys, else api.username/api.password)' }),
    ca: Flags.string({ description: 'PEM certificate of the API to trust (default: api.tls_cert of the config)', helpValue: '<file.crt>' }),
    interval: seconds({ description: 'Seconds between refreshes', default: 1 }),
    limit: Flags.integer({ description: 'Rows of the busiest-torrents table', default: 10, min: 1, max: 100 }),
    once: Flags.boolean({ description: 'Print one snapshot (after two readings one interval apart, for the rates) and exit', default: false }),
    json: Flags.boolean({ description: 'With --once: the snapshot as JSON', default: false, dependsOn: ['once'] }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Top);
    const { config } = loadConfig({ path: flags.config });
    const intervalMs = Math.round(flags.interval * 1000);
    const client = topClient(config, { url: flags.url, key: flags.key, ca: flags.ca, intervalMs });
    const opts = { url: client.baseUrl, intervalMs, limit: flags.limit };
    const source = explainedSource(client);
    try {
      if (flags.once) this.log(await topOnce(source, { ...opts, json: flags.json, columns: process.stdout.columns }));
      else await runTop(source, opts);
    } finally {
      await client.close();
    }
  }
}
