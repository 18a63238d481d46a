import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { loadConfig } from '../src/config/load.js';
import { genkey } from '../src/tls/genkey.js';

export default class Genkey extends BaseCommand {
  static override description = 'Write a new private key and self-signed certificate for the API listener, at the paths in config (api.tls_key, api.tls_cert)';

  static override examples = ['<%= config.bin %> genkey', '<%= config.bin %> genkey -host tracker.example.org -days 825 -force'];

  static override flags = {
    host: Flags.string({ description: 'Extra DNS name or address for the certificate (repeatable); localhost, 127.0.0.1 and ::1 are always in it', multiple: true, default: [] }),
    days: Flags.integer({ description: 'Days the certificate is valid', default: 365, min: 1, max: 3650 }),
    'key-type': Flags.string({ description: 'ec: ECDSA P-256; rsa: RSA 2048', options: ['ec', 'rsa'], default: 'ec' }),
    force: Flags.boolean({ description: 'Replace an existing key and certificate', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Genkey);
    const { config } = loadConfig({ path: flags.config });
    this.log('> Generating new keys...');
    const made = await genkey({
      keyPath: config.api.tls_key,
      certPath: config.api.tls_cert,
      hosts: flags.host,
      days: flags.days,
      keyType: flags['key-type'] as 'ec' | 'rsa',
      force: flags.force,
    });
    this.log(`> Key:         ${made.keyPath} (mode 0600)`);
    this.log(`> Certificate: ${made.certPath}, valid to ${made.validTo}`);
    this.log(`> Names:       ${made.subjectAltName}`);
    this.log(`> SHA-256:     ${made.fingerprint256}`);
    if (flags.force) this.log('> A running mika serve keeps the old pair until you run: mika reload');
  }
}
