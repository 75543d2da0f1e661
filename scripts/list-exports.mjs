// Lists the public exports of every package entry point (`exports` in each package.json), values
// and types apart, at a git revision or in the working tree: `node scripts/list-exports.mjs [REV]`.
// Reads the index files syntactically (re-exports by name, `export *` followed), so it works on any
// revision without building it.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import ts from 'typescript'
import { ROOT } from './pack-workspace.mjs'

const rev = process.argv[2]
const read = (path) =>
  rev
    ? execFileSync('git', ['show', `${rev}:${path}`], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
    : readFileSync(join(ROOT, path), 'utf8')
const tryRead = (path) => {
  try {
    return read(path)
  } catch {
    return null
  }
}

/** Exported names of a module file: { values, types }, following `export * from`. */
function exportsOf(path, seen = new Set()) {
  const values = new Set()
  const types = new Set()
  if (seen.has(path)) return { values, types }
  seen.add(path)
  const text = tryRead(path) ?? tryRead(path.replace(/\.ts$/, '.tsx'))
  if (text === null) return { values, types }
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
  const exported = (node) =>
    ts.getModifiers?.(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const target = statement.moduleSpecifier?.text
      if (!statement.exportClause && target) {
        const inner = exportsOf(
          normalize(join(dirname(path), target.replace(/\.js$/, '.ts'))),
          seen,
        )
        inner.values.forEach((name) => values.add(name))
        inner.types.forEach((name) => types.add(name))
      } else if (statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) {
          ;(statement.isTypeOnly || element.isTypeOnly ? types : values).add(element.name.text)
        }
      }
    } else if (exported(statement)) {
      if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
        types.add(statement.name.text)
      } else if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations)
          values.add(declaration.name.getText())
      } else if (statement.name) {
        values.add(statement.name.text)
      }
    }
  }
  return { values, types }
}

/** Every workspace package, in dependency order (DESIGN.md section 2); one missing at REV is skipped. */
const packageDirs = [
  'packages/pricing',
  'packages/store',
  'packages/budget',
  'packages/meter',
  'packages/estimate',
  'packages/cli',
  'apps/dashboard',
  'apps/proxy',
]
for (const dir of packageDirs) {
  const manifestText = tryRead(`${dir}/package.json`)
  if (manifestText === null) continue
  const manifest = JSON.parse(manifestText)
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target !== 'object') continue
    const typesPath = target.types
    const source = `${dir}/${typesPath.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')}`
    const { values, types } = exportsOf(source)
    const name = subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`
    console.log(`${name}`)
    console.log(`  values: ${[...values].sort().join(', ') || '-'}`)
    console.log(`  types:  ${[...types].sort().join(', ') || '-'}`)
  }
}
