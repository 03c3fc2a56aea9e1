import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { userEnv } from './env.js'
import { runCommand } from './run.js'

const require = createRequire(import.meta.url)

/** A README's example, named after its package. */
export interface ReadmeExample {
  packageName: string
  code: string
}

/** An opening fence: up to 3 spaces, 3+ backticks or tildes, then the info string. */
const OPENING_FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/

/**
 * The first fenced code block whose language is `ts` or `typescript`, or
 * undefined when there is none. An unclosed block runs to the end (as
 * CommonMark reads it).
 */
export function firstTypeScriptBlock(markdown: string): string | undefined {
  const lines = markdown.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const open = OPENING_FENCE.exec(lines[i]!)
    if (open === null) continue
    const fence = open[1]!
    const closing = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`)
    let end = i + 1
    while (end < lines.length && !closing.test(lines[end]!)) end++
    const language = open[2]!.toLowerCase()
    if (language === 'ts' || language === 'typescript') {
      return lines.slice(i + 1, end).join('\n')
    }
    i = end
  }
  return undefined
}

/** The first TypeScript block of `<packageDir>/README.md`; throws when it has none. */
export async function readmeExample(
  packageName: string,
  packageDir: string,
): Promise<ReadmeExample> {
  const file = join(packageDir, 'README.md')
  const code = firstTypeScriptBlock(await readFile(file, 'utf8'))
  if (code === undefined) throw new Error(`${file}: no \`\`\`ts example`)
  return { packageName, code }
}

/** A cold tsc over the libp2p and Solana typings: well under a minute. */
const TYPECHECK_TIMEOUT_MS = 180_000

/**
 * Writes each example to `<projectDir>/readme-examples/<name>.ts` and
 * type-checks them with `tsc --noEmit` the way a user's strict NodeNext
 * project would: imports resolve from `projectDir`'s `node_modules`, Node's
 * types come from this repository's `@types/node`. Rejects with tsc's
 * diagnostics (file, line, column) on any error.
 */
export async function typecheckExamples(
  projectDir: string,
  examples: readonly ReadmeExample[],
  options?: { signal?: AbortSignal },
): Promise<void> {
  const dir = join(projectDir, 'readme-examples')
  await mkdir(dir, { recursive: true })
  const files: string[] = []
  for (const example of examples) {
    const file = `${example.packageName.replace(/^@/, '').replace(/\//g, '-')}.ts`
    await writeFile(join(dir, file), `${example.code}\n`)
    files.push(file)
  }
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      // As nearly every project (and this repository) does: libp2p's and
      // @solana/kit's typings need DOM lib names otherwise.
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [dirname(dirname(require.resolve('@types/node/package.json')))],
    },
    files,
  }
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
  await runCommand(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], {
    cwd: dir,
    env: userEnv(),
    timeoutMs: TYPECHECK_TIMEOUT_MS,
    signal: options?.signal,
  })
}
