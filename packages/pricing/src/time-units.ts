/**
 * Milliseconds per minute, hour and day: the one set of time constants of the project. A "day" is
 * a UTC day; JavaScript time has no leap seconds, so every UTC day is exactly DAY_MS long.
 */
export const MINUTE_MS = 60_000
export const HOUR_MS = 60 * MINUTE_MS
export const DAY_MS = 24 * HOUR_MS
