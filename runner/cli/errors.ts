// Errors the CLI turns into a message and an exit code. Anything else is a harness bug: it is
// reported as such (with the stack only under ECERT_DEBUG=1), exit code 70.

export const EXIT = {
  ok: 0,
  /** Tests failed, document invalid, evidence altered. */
  failed: 1,
  /** Usage, configuration or unreadable input. */
  usage: 2,
  /** The hub or a node could not be reached or started. */
  unreachable: 3,
  internal: 70,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    /** What the user can do about it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.usage, hint);
    this.name = 'UsageError';
  }
}

export class UnreachableError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.unreachable, hint);
    this.name = 'UnreachableError';
  }
}
