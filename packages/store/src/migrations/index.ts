import { initialMigration } from './001-initial.js'
import { callTagsByTimeMigration } from './002-call-tags-by-time.js'
import { int8CountsMigration } from './003-int8-counts.js'
import { budgetReservationsMigration } from './004-budget-reservations.js'
import { dailyRollupsMigration } from './005-daily-rollups.js'
import { rawPartsByTimeMigration } from './006-raw-parts-by-time.js'
import { tagRollupsMigration } from './007-tag-rollups.js'
import { selfContainedRollupsMigration } from './008-self-contained-rollups.js'
import { dropRawPartsIndexesMigration } from './009-drop-raw-parts-indexes.js'
import { reservationCallIndexMigration } from './010-reservation-call-index.js'
import type { Migration } from './migration.js'

/** Every migration, in version order. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  initialMigration,
  callTagsByTimeMigration,
  int8CountsMigration,
  budgetReservationsMigration,
  dailyRollupsMigration,
  rawPartsByTimeMigration,
  tagRollupsMigration,
  selfContainedRollupsMigration,
  dropRawPartsIndexesMigration,
  reservationCallIndexMigration,
]

/** The schema version this build of the store writes and understands. */
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version

export type { Migration }
