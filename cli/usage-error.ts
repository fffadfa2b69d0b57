/** A wrong invocation of a command ('' for mlp itself): one line and a pointer to the help, exit status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
  }
}
