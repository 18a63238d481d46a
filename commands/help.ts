import { Args, loadHelpClass } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';

export default class Help extends BaseCommand {
  static override description = 'Show how to use mika, or one command (the same as mika <command> -h)';

  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help serve', '<%= config.bin %> help whitelist add'];

  static override args = { command: Args.string({ required: false, description: 'The command, e.g. serve or whitelist add' }) };

  static override strict = false;

  async run(): Promise<void> {
    const { argv } = await this.parse(Help);
    const HelpClass = await loadHelpClass(this.config);
    await new HelpClass(this.config, this.config.pjson.oclif.helpOptions).showHelp(argv as string[]);
  }
}
