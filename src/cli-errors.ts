/** A mistake on the command line: printed as one line, exit 64. */
export class UsageError extends Error {
  override name = 'UsageError';
}
