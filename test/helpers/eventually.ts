/** Polls `check` every `every` ms until it returns true; throws after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 3000, every = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, every));
  }
}
