// `pnpm check:examples`: type-checks the JSDoc `@example` blocks of every public export (the
// declarations each package's `exports` entry points export, and their members). Each example
// becomes a module under test-output/doc-examples/ that imports the entry point's exports, with the
// example's own `import` lines hoisted and its body inside an async function (so `await` works).
// Names an example takes as given (`store`, `usage`...) are declared, with their real types, in
// scripts/doc-example-context.d.ts; any other unknown name is an error. Diagnostics point at the
// example's line in the source file.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import ts from 'typescript'
import { ROOT, workspacePackages } from './pack-workspace.mjs'

const OUT = join(ROOT, 'test-output/doc-examples')
const CONTEXT = join(ROOT, 'scripts/doc-example-context.d.ts')

/** The source file of each `exports` entry point: ./dist/x/index.d.ts -> src/x/index.ts. */
function entryPoints() {
  const entries = []
  for (const pkg of workspacePackages()) {
    for (const [subpath, target] of Object.entries(pkg.manifest.exports ?? {})) {
      if (typeof target !== 'object' || !target.types) continue
      const source = join(
        pkg.dir,
        target.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'),
      )
      entries.push({
        specifier: subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`,
        source,
      })
    }
  }
  return entries
}

function compilerOptions() {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.test.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )
  return { ...parsed.options, noUnusedLocals: false, noUnusedParameters: false }
}

/** The `@example` blocks of a declaration and, for classes and interfaces, of their members. */
function examplesOf(declaration) {
  const found = []
  const visit = (node, name) => {
    for (const tag of ts.getJSDocTags(node)) {
      if (tag.tagName.text !== 'example') continue
      const text = ts.getTextOfJSDocComment(tag.comment) ?? ''
      const source = node.getSourceFile()
      // The example's text starts on the line after the tag.
      const line = source.getLineAndCharacterOfPosition(tag.getStart()).line + 2
      found.push({ name, text, file: source.fileName, line, key: `${source.fileName}:${tag.pos}` })
    }
  }
  const name = declaration.name?.getText() ?? 'default'
  visit(declaration, name)
  if (ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration)) {
    for (const member of declaration.members) {
      if (member.name) visit(member, `${name}.${member.name.getText()}`)
    }
  }
  return found
}

/** A module that type-checks one example against the entry point it belongs to. */
function exampleModule(entry, exportNames, example) {
  // An example that shows data (a pricing file's JSON, say) documents a format, not code.
  const firstCode = example.text
    .split('\n')
    .find((line) => line.trim() !== '' && !line.trim().startsWith('//'))
  if (firstCode !== undefined && /^\s*[[{"]/.test(firstCode)) return null
  const lines = example.text.split('\n')
  const imports = lines.filter((line) => /^\s*import\s/.test(line))
  const body = lines.map((line) => (/^\s*import\s/.test(line) ? '' : line))
  const own = exportNames
    .filter(({ name }) => !imports.some((line) => new RegExp(`\\b${name}\\b`).test(line)))
    .map(({ name, isValue }) => (isValue ? name : `type ${name}`))
  const header = [
    `/// <reference path=${JSON.stringify(relative(OUT, CONTEXT))} />`,
    own.length > 0 ? `import { ${own.join(', ')} } from '${entry.specifier}'` : '',
    ...imports,
    `export async function example(): Promise<void> {`,
  ]
  return { header, text: [...header, ...body, '}', ''].join('\n') }
}

export function checkDocExamples() {
  const options = compilerOptions()
  const entries = entryPoints()
  const program = ts.createProgram(
    entries.map((entry) => entry.source),
    options,
  )
  const checker = program.getTypeChecker()
  rmSync(OUT, { recursive: true, force: true })
  mkdirSync(OUT, { recursive: true })
  const seen = new Set()
  const modules = []
  for (const entry of entries) {
    const source = program.getSourceFile(entry.source)
    const moduleSymbol = source && checker.getSymbolAtLocation(source)
    if (!moduleSymbol) throw new Error(`${entry.source}: not a module`)
    const exports = checker.getExportsOfModule(moduleSymbol)
    const aliased = (symbol) =>
      symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    const names = exports.map((symbol) => ({
      name: symbol.getName(),
      isValue: (aliased(symbol).flags & ts.SymbolFlags.Value) !== 0,
    }))
    for (const symbol of exports) {
      const target = aliased(symbol)
      for (const declaration of target.declarations ?? []) {
        for (const example of examplesOf(declaration)) {
          if (seen.has(example.key)) continue
          seen.add(example.key)
          const module = exampleModule(entry, names, example)
          if (module === null) continue
          const { header, text } = module
          const file = join(OUT, `${modules.length}-${example.name.replace(/\W+/g, '-')}.ts`)
          writeFileSync(file, text)
          modules.push({ file, example, offset: header.length })
        }
      }
    }
  }
  const check = ts.createProgram([CONTEXT, ...modules.map((module) => module.file)], {
    ...options,
    noEmit: true,
  })
  const problems = []
  for (const diagnostic of ts.getPreEmitDiagnostics(check)) {
    const module = modules.find((candidate) => candidate.file === diagnostic.file?.fileName)
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ')
    if (!module || diagnostic.start === undefined) {
      problems.push(message)
      continue
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
    const at = `${relative(ROOT, module.example.file)}:${module.example.line + line - module.offset}`
    problems.push(`${at}: @example of ${module.example.name}: ${message}`)
  }
  return { examples: modules.length, problems }
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  mkdirSync(dirname(OUT), { recursive: true })
  const { examples, problems } = checkDocExamples()
  for (const problem of problems) console.error(problem)
  if (problems.length > 0) process.exitCode = 1
  else console.log(`doc examples: ${examples} type-check`)
}
