/**
 * `tokenledger report | head -2`: once the reader has gone, writing to stdout fails with EPIPE.
 * That is the reader's choice, not an error of ours: stop quietly (exit 0, like `seq`), instead of
 * an unhandled 'error' event and a stack trace.
 */
export function exitQuietlyOnClosedOutput(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
}
