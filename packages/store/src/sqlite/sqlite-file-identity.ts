import { statSync } from 'node:fs'

/** Which file a path names: its device and inode (bigint: inodes may exceed 2^53). */
export interface FileIdentity {
  dev: bigint
  ino: bigint
}

/** The identity of the file at `path`, or null when there is none. */
export function fileIdentity(path: string): FileIdentity | null {
  const stats = statSync(path, { bigint: true, throwIfNoEntry: false })
  return stats ? { dev: stats.dev, ino: stats.ino } : null
}

export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino
}
