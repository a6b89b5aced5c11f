/** A mistake in how a command was called: printed with the usage, exit code 2, no stack trace. */
export class UsageError extends Error {}
