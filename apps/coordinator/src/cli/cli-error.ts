/** @module The one error the `c3po` command reports as it is: `c3po: <message>`, exit status 1. */
export class CliError extends Error {
  override name = 'CliError';
}
