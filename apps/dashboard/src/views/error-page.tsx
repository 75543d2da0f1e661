/**
 * The page shown for a bad query string (400) or an unknown call (404). The message is escaped
 * like every other value.
 */
import type { FC } from 'hono/jsx'

/** The error page body. */
export const ErrorPage: FC<{ status: number; message: string; backHref: string }> = ({
  status,
  message,
  backHref,
}) => (
  <section class="panel error-panel" data-testid="error">
    <h1>
      {status === 404 ? 'Not found' : status === 400 ? 'Bad request' : 'Something went wrong'}
    </h1>
    <p class="error-message">{message}</p>
    <p>
      <a href={backHref}>Back to the overview</a>
    </p>
  </section>
)
