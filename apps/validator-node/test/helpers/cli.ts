// Two ways to run the `paraloom` CLI in tests: in-process through runCli with
// in-memory streams, and as a real child process of the built binary.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import type { CliMain } from '@paraloom/cli-kit'
import { runCli } from '../../src/cli.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = []
  stream.on('data', (chunk: Buffer) => chunks.push(chunk))
  return () => Buffer.concat(chunks).toString('utf8')
}

/**
 * Runs the CLI in this process on `argv`, with `stdin` as its whole standard
 * input (empty if omitted); `main` is the paraloom CLI unless a test builds its own.
 */
export async function runCliCapture(
  argv: string[],
  stdin = '',
  main: CliMain = runCli,
): Promise<CliResult> {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }
  const stdout = collect(io.stdout)
  const stderr = collect(io.stderr)
  io.stdin.end(stdin)
  const code = await main(argv, io)
  return { code, stdout: stdout(), stderr: stderr() }
}

/** The built CLI entry point (`pnpm build` writes it). */
export const builtCliPath = fileURLToPath(new URL('../../dist/bin/paraloom.js', import.meta.url))

export interface SpawnCliOptions {
  /** Written to the child's stdin, which is then closed. Default: nothing. */
  stdin?: string
  /** Kill the child (by its pid) if it has not exited after this long. Default 20000 ms. */
  timeoutMs?: number
  /** Extra environment variables. */
  env?: Record<string, string>
}

/**
 * Runs the built `dist/bin/paraloom.js` as a real child process. Resolves with
 * its exit code and output; a child killed on timeout rejects.
 */
export function spawnCli(argv: string[], options: SpawnCliOptions = {}): Promise<CliResult> {
  if (!existsSync(builtCliPath)) {
    return Promise.reject(new Error(`${builtCliPath} is missing: build the package first`))
  }
  const { stdin = '', timeoutMs = 20_000, env = {} } = options
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCliPath, ...argv], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => stdout.push(c))
    child.stderr.on('data', (c: Buffer) => stderr.push(c))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
    }, timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const out = Buffer.concat(stdout).toString('utf8')
      const err = Buffer.concat(stderr).toString('utf8')
      if (timedOut) {
        reject(new Error(`paraloom ${argv.join(' ')} killed after ${timeoutMs} ms\n${err}`))
      } else {
        resolve({ code: code ?? (signal === null ? 1 : 128), stdout: out, stderr: err })
      }
    })
    // The child may exit before reading its input (e.g. on a usage error).
    child.stdin.on('error', () => {})
    child.stdin.end(stdin)
  })
}
