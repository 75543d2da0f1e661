/** Ends a command with an exit code and an optional message for stderr. */
export class CliExit extends Error {
  readonly exitCode: number

  constructor(exitCode: number, message = '') {
    super(message)
    this.exitCode = exitCode
  }
}
