// Python's grpcio (Debian's python3-grpcio) as a gRPC client that is not
// ours: stubs generated at test time by protoc from the repo's .proto files.
import { execFile } from 'node:child_process'
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { TestProcess } from '@paraloom/test-utils'

// Debian's python3-grpcio installs for the system interpreter, whatever `python3` is on PATH.
export const PYTHON = '/usr/bin/python3'
const GRPC_PYTHON_PLUGIN = '/usr/bin/grpc_python_plugin'
/** The standard reflection protos (Debian's grpc-proto): nothing of ours. */
const REFLECTION_PROTOS = '/usr/share/grpc-proto/grpc/reflection'
const REPO_PROTOS = fileURLToPath(new URL('../../../../proto', import.meta.url))
const PACKAGES_HINT =
  'apt-get install python3-grpcio protobuf-compiler protobuf-compiler-grpc grpc-proto (scripts/ci-apt-packages)'

const run = promisify(execFile)

/** Runs a tool with a deadline; on failure, says which packages provide it. */
export async function tool(file: string, args: string[], timeoutMs = 30_000): Promise<string> {
  try {
    const { stdout } = await run(file, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 })
    return stdout
  } catch (err) {
    const e = err as { message: string; stderr?: string }
    throw new Error(`${file} ${args.join(' ')} failed (${PACKAGES_HINT}): ${e.stderr || e.message}`)
  }
}

/** Generates the Python stubs into `dir` and returns it. */
export async function generateStubs(dir: string): Promise<string> {
  const src = join(dir, 'proto')
  const out = join(dir, 'stubs')
  await mkdir(join(src, 'ext'), { recursive: true })
  await mkdir(out)
  // Under ext/ so the generated modules do not shadow grpcio's `grpc` package;
  // the proto packages (and so the wire names) stay grpc.health.v1 etc.
  await copyFile(join(REPO_PROTOS, 'grpc/health/v1/health.proto'), join(src, 'ext/health.proto'))
  for (const v of ['v1', 'v1alpha']) {
    await copyFile(
      join(REFLECTION_PROTOS, v, 'reflection.proto'),
      join(src, `ext/reflection_${v}.proto`),
    )
  }
  await tool('protoc', [
    `-I${REPO_PROTOS}`,
    `-I${src}`,
    `--python_out=${out}`,
    `--grpc_out=${out}`,
    `--plugin=protoc-gen-grpc=${GRPC_PYTHON_PLUGIN}`,
    join(REPO_PROTOS, 'paraloom/v1/peer_monitor.proto'),
    join(REPO_PROTOS, 'paraloom/v1/gossip.proto'),
    join(REPO_PROTOS, 'paraloom/v1/query.proto'),
    join(src, 'ext/health.proto'),
    join(src, 'ext/reflection_v1.proto'),
    join(src, 'ext/reflection_v1alpha.proto'),
  ])
  return out
}

/**
 * A long-running Python script (e.g. a Serve client) whose stdout is JSON
 * lines. `stop()` ends it by its pid.
 */
export class PythonProcess {
  private constructor(private readonly process: TestProcess) {}

  static spawn(args: string[]): PythonProcess {
    return new PythonProcess(TestProcess.start(PYTHON, args, { name: 'python' }))
  }

  /** The first line `match` accepts; rejects when the script exits first or after `timeoutMs`. */
  async waitFor(
    what: string,
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs = 30_000,
  ): Promise<Record<string, unknown>> {
    const line = await this.process.waitForLine(
      (l) => match(JSON.parse(l) as Record<string, unknown>),
      timeoutMs,
      what,
    )
    return JSON.parse(line) as Record<string, unknown>
  }

  /** SIGTERM by pid, SIGKILL if it lingers; resolves once it has exited. */
  async stop(): Promise<void> {
    await this.process.stop(10_000)
  }
}
