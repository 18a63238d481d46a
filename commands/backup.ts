import { Args } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { loadConfig } from '../src/config/load.js';
import { backupDataFolder } from '../src/store/embedded/backup.js';

export default class Backup extends BaseCommand {
  static override description =
    'Write a consistent copy of the embedded store\'s data file (store.path/mika.mdb) to <file>, while mika serves or not; docs/operations.md shows how to restore it';

  static override examples = ['<%= config.bin %> backup /var/backups/mika-$(date +%F).mdb', '<%= config.bin %> backup --config /etc/mika/config.json copy.mdb'];

  static override args = {
    file: Args.string({ description: 'Where to write the copy (must not exist)', required: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Backup);
    const { config } = loadConfig({ path: flags.config });
    const made = await backupDataFolder(config.store, args.file);
    this.log(`> Backup: ${made.file} (${made.bytes.toLocaleString('en-US')} bytes, ${made.records.toLocaleString('en-US')} users, torrents and whitelist entries)`);
  }
}
