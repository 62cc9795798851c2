/**
 * An error meant for a person at a terminal: entry points print its message alone, without a stack trace,
 * because it already says what to do.
 */
export class SetupError extends Error {
  override name = 'SetupError';
}

/** Runs an entry point, printing a SetupError as a plain message and exiting non-zero. */
export function runMain(main: () => Promise<unknown>): void {
  main().then(
    () => undefined,
    (err: unknown) => {
      if (err instanceof SetupError) {
        process.stderr.write(`\ngeminiflow: ${err.message}\n`);
      } else {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      }
      process.exit(1);
    },
  );
}
