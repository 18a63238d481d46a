/** A config that cannot be used: the message names the field and the rule it breaks. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`config: ${field}: ${rule}`);
  }
}
