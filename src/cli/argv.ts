// The seed took Go-style flags (`-config config.json -procs 2`). oclif wants `--config`; this turns a
// single-dash word of two or more letters into its double-dash form, so both spellings work.
// Single letters (`-c`), negative numbers and everything after `--` are left alone.

const GO_STYLE = /^-[a-zA-Z][a-zA-Z0-9-]+(=.*)?$/;

export function goStyleArgv(argv: readonly string[]): string[] {
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
