/**
 * The workflows log every step as JSON lines (to the console); a history of hundreds of cases would bury whatever
 * runs it (`npm start`'s window, a test's output), so while `run` runs they go nowhere. Its own errors still throw.
 * @example const history = await quietly(() => generateHistory({ seed: 18, end: Date.now() }));
 */
export async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const saved = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  const none = () => {};
  Object.assign(console, { log: none, info: none, warn: none, error: none, debug: none });
  try {
    return await run();
  } finally {
    Object.assign(console, saved);
  }
}
