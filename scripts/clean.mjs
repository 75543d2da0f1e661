// `pnpm clean`: removes every package's build output (dist/ and tsconfig.tsbuildinfo). tsc -b never
// deletes the output of a source file that was moved or removed, and the release check refuses a
// tarball that ships such a leftover.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { workspacePackages } from './pack-workspace.mjs'

for (const pkg of workspacePackages()) {
  for (const output of ['dist', 'tsconfig.tsbuildinfo']) {
    rmSync(join(pkg.dir, output), { recursive: true, force: true })
  }
}
