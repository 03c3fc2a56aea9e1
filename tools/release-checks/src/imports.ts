import { readdir, readFile } from 'node:fs/promises'
import { isBuiltin } from 'node:module'
import { join } from 'node:path'
import ts from 'typescript'

/** The package part of a bare specifier (`@scope/name/sub` → `@scope/name`), or undefined for relative ones. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) {
    return undefined
  }
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** The packages a JavaScript or declaration file imports, Node's built-ins left out. */
export function importedPackages(source: string): Set<string> {
  // TypeScript's own pre-scanner: it skips comments (JSDoc examples) and
  // strings, and sees imports, re-exports, require(), import() and import types.
  const { importedFiles } = ts.preProcessFile(source, true, true)
  const found = new Set<string>()
  for (const { fileName } of importedFiles) {
    const name = packageOf(fileName)
    if (name !== undefined && !isBuiltin(fileName)) found.add(name)
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
