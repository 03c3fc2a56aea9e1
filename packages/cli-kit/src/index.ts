/**
 * @packageDocumentation
 *
 * What every Paraloom command-line program (`paraloom`, `peer-monitor`)
 * shares, so operators meet the same conventions everywhere: structured logs
 * (JSON lines for log shippers, `time LEVEL message key=value` on a
 * terminal; `createLogger` implements `@paraloom/interface`'s `Logger`),
 * usage errors that print one line and exit 2, and flag parsers whose errors
 * name the flag.
 *
 * @example
 * ```ts
 * import { createLogger, ExitCode, isUsageError, parseHostPort } from '@paraloom/cli-kit'
 *
 * const log = createLogger({ out: process.stdout, format: process.stdout.isTTY ? 'text' : 'json' })
 * try {
 *   const { host, port } = parseHostPort('--listen', process.argv[2] ?? '127.0.0.1:8080')
 *   log.info('listening', { host, port })
 * } catch (err) {
 *   if (!isUsageError(err)) throw err
 *   process.stderr.write(`my-tool: ${err.message}\n`)
 *   process.exitCode = ExitCode.usage
 * }
 * ```
 */
export { runBin } from './bin.js'
export { duration } from './duration.js'
export { type CliLogger, createLogger, type LoggerInit } from './logger.js'
export { onParentExit, PARENT_PIPE_ENV, type ParentPipeIo } from './parent.js'
export {
  type ShutdownReason,
  type ShutdownSignals,
  watchShutdownSignals,
} from './shutdown.js'
export { addUrlOption, givenUrl, type UrlFlags, urlFlag } from './url-flag.js'
export {
  type CliIo,
  type CliMain,
  type CommandOutput,
  ExitCode,
  integerFlag,
  isUsageError,
  parseHostPort,
  processIo,
  routeCommander,
  runProgram,
  UsageError,
} from './usage.js'
export { packageVersion } from './version.js'
