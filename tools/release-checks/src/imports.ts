import { readdir, readFile } from 'node:fs/promises'
import { isBuiltin } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import ts from 'typescript'

/** The package part of a bare specifier (`@scope/name/sub` → `@scope/name`), or undefined for relative ones. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) {
    return undefined
  }
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** Every specifier a JavaScript or declaration file imports. */
function importSpecifiers(source: string): string[] {
  // TypeScript's own pre-scanner: it skips comments (JSDoc examples) and
  // strings, and sees imports, re-exports, require(), import() and import types.
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName)
}

/** The packages a JavaScript or declaration file imports, Node's built-ins left out. */
export function importedPackages(source: string): Set<string> {
  const found = new Set<string>()
  for (const specifier of importSpecifiers(source)) {
    const name = packageOf(specifier)
    if (name !== undefined && !isBuiltin(specifier)) found.add(name)
  }
  return found
}

/**
 * The packages that importing the built module `entry` loads: those it and
 * every file it reaches through relative imports import, Node's built-ins
 * left out. Shows what an entry point drags in (e.g. a subpath's
 * dependencies staying out of the main entry point).
 */
export async function reachablePackages(entry: string): Promise<Set<string>> {
  const found = new Set<string>()
  const seen = new Set<string>()
  const queue = [resolve(entry)]
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue
    seen.add(file)
    for (const specifier of importSpecifiers(await readFile(file, 'utf8'))) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier))
      else if (!isBuiltin(specifier)) {
        const name = packageOf(specifier)
        if (name !== undefined) found.add(name)
      }
    }
  }
  return found
}

/**
 * Packages that files under `<packageDir>/dist` import (code or types) but
 * the package's `dependencies`, `peerDependencies` and
 * `optionalDependencies` do not declare. A consumer's install may still
 * happen to provide them (hoisted from another package), so this is checked
 * on the files, not by trying to run them.
 */
export async function undeclaredImports(packageDir: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    name: string
    dependencies?: Record<string, string>
    peerDependencies?: Record<string, string>
    optionalDependencies?: Record<string, string>
  }
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ])
  const undeclared = new Set<string>()
  for (const file of await readdir(join(packageDir, 'dist'), { recursive: true })) {
    if (!/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(file)) continue
    const source = await readFile(join(packageDir, 'dist', file), 'utf8')
    for (const name of importedPackages(source)) {
      if (!declared.has(name)) undeclared.add(`${name} (dist/${file})`)
    }
  }
  return [...undeclared].sort()
}
