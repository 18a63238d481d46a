// The seed took Go-style flags (`-config config.json -procs 2`). oclif wants `--config`; this turns a
// single-dash word of two or more letters into its double-dash form, so both spellings work.
// Single letters (`-c`), negative numbers and everything after `--` are left alone, and so is every
// word of `mika whitelist …`, whose arguments are peer_id prefixes such as `-qB4`: there the
// command itself tells its own flags (`-config`, `-json`) from the arguments (dashArguments).

const GO_STYLE = /^-[a-zA-Z][a-zA-Z0-9-]+(=.*)?$/;
const DASH_ARGUMENTS = /^whitelist(:|$)/;

export function goStyleArgv(argv: readonly string[]): string[] {
  if (DASH_ARGUMENTS.test(argv[0] ?? '')) return [...argv];
  const out: string[] = [];
  let rest = false;
  for (const arg of argv) {
    if (rest) out.push(arg);
    else if (arg === '--') {
      rest = true;
      out.push(arg);
    } else out.push(GO_STYLE.test(arg) ? `-${arg}` : arg);
  }
  return out;
}

/** A flag as oclif declares it: enough to tell its words from the arguments. */
export interface FlagShape {
  char?: string | undefined;
  type: 'boolean' | 'option';
}

/**
 * A command's argv with its own flags first and then `--` and every other word, so oclif reads words
 * that start with "-" (`mika whitelist add -qB4 qBittorrent`) as arguments instead of unknown flags.
 * The flags may stand anywhere; a `--` of the operator's ends them as usual.
 */
export function dashArguments(argv: readonly string[], flags: Record<string, FlagShape>): string[] {
  const byWord = new Map<string, { name: string; flag: FlagShape }>();
  for (const [name, flag] of Object.entries(flags)) {
    byWord.set(`--${name}`, { name, flag });
    // Go-style `-config` too (goStyleArgv leaves these commands' words alone).
    if (name.length > 1) byWord.set(`-${name}`, { name, flag });
    if (flag.char) byWord.set(`-${flag.char}`, { name, flag });
  }
  const own: string[] = [];
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    const eq = word.startsWith('-') ? word.indexOf('=') : -1;
    const known = byWord.get(eq > 0 ? word.slice(0, eq) : word);
    if (!known) args.push(word);
    else if (eq > 0) own.push(`--${known.name}=${word.slice(eq + 1)}`);
    else if (known.flag.type === 'option' && i + 1 < argv.length) own.push(`--${known.name}`, argv[++i]!);
    else own.push(`--${known.name}`);
  }
  return [...own, '--', ...args];
}
