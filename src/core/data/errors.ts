/**
 * Errors raised while reading or checking data sets.
 *
 * A `DataError` always names where the bad bytes came from (a file name, a
 * URL, or a description such as "IDX data"), so a CLI or a web page can show
 * its message as it is: `train-images-idx3-ubyte: truncated: …`.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  /** Where the data came from, e.g. a file name. */
  readonly source: string;
  /** The problem, without the source prefix. */
  readonly detail: string;

  constructor(source: string, detail: string, options?: ErrorOptions) {
    super(`${source}: ${detail}`, options);
    this.source = source;
    this.detail = detail;
  }
}
