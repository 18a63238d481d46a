/**
 * `text` with each lone surrogate replaced by U+FFFD: the text UTF-8 can carry, and what
 * Buffer.from(text) would write anyway. Lua's cjson refuses a lone surrogate's \u escape, which
 * JSON.stringify writes, so text bound for a script as JSON passes through this first.
 */
export const wellFormed = (text: string): string => (text as string & { toWellFormed(): string }).toWellFormed();
