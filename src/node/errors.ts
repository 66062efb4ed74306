/**
 * Errors a user can fix (a bad flag, a missing file, a broken run folder).
 * The CLI prints their message alone — no stack trace — and exits non-zero.
 */
export class UserError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UserError';
  }
}
