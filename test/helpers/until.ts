/** Waits until `ready()` holds, looking every 20 ms; fails after `ms`. */
export async function until(ready: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
