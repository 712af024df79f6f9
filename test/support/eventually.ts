/** Polls until `check` passes; the deadline is far beyond need, so only a real failure fails. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Polls until `check` answers true (a throw counts as not yet); fails naming `what` after `timeoutMs`. */
export function untilTrue(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  return eventually(async () => {
    if (!(await check().catch(() => false))) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
  }, timeoutMs);
}
