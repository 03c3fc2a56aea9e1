import { createLogger, parseHostPort, UsageError } from '@paraloom/cli-kit'
import type { Command } from 'commander'
import { createHttpServer, type HttpServer } from '../http/server.js'
import { createMonitor } from '../monitor.js'
import { openStore } from '../store/store.js'
import { type CliIo, integerOption, openOrUsage } from './shared.js'

interface RunOptions {
  validator: string[]
  label: Map<string, string>
  db: string
  http?: string
  offlineThresholdMs: number
  quorum: number
  rttRefreshMs: number
}

/**
 * The default command: watch the validators, keep the database, serve the
 * dashboard, until SIGINT/SIGTERM.
 */
export function configureRun(program: Command, io: CliIo): Command {
  return program
    .option(
      '--validator <host:port>',
      'gRPC address of a validator node to watch (repeat for each)',
      (value: string, all: string[]) => {
        parseHostPort('--validator', value)
        return [...all, value]
      },
      [] as string[],
    )
    .option(
      '--label <addr=name>',
      'a name for the validator watched at ADDR, shown on the dashboard (repeat for each)',
      parseLabel,
      new Map<string, string>(),
    )
    .option('--db <file>', 'SQLite database file (created if missing)')
    .option('--http <host:port>', 'serve the dashboard, /metrics and /healthz here')
    .addOption(
      integerOption(
        '--offline-threshold-ms <n>',
        'how long each observer must see a validator OFFLINE before it counts, in ms',
        0,
        2 ** 40,
      ).default(30_000),
    )
    .addOption(
      integerOption('--quorum <n>', 'distinct observers that must agree', 2, 1024).default(2),
    )
    .addOption(
      integerOption(
        '--rtt-refresh-ms <n>',
        "how often each validator's ListPeers is asked for current RTTs, in ms (0: never)",
        0,
        3_600_000,
      ).default(5000),
    )
    .action(async (opts: RunOptions, cmd: Command) => {
      if (opts.validator.length === 0) cmd.error('error: at least one --validator is required')
      if (opts.db === undefined) cmd.error("error: required option '--db <file>' not specified")
      const listen = opts.http === undefined ? undefined : parseHostPort('--http', opts.http, 0)
      const logger = createLogger({ out: io.stderr, format: io.isTty ? 'text' : 'json' })
      // Stopped while the CLI was still loading: there is nothing to start, or to stop.
      if (io.shutdown.aborted) return
      const store = openOrUsage(() => openStore({ file: opts.db }))
      let http: HttpServer | undefined
      const monitor = createMonitor({
        validators: opts.validator,
        store,
        logger,
        quorum: opts.quorum,
        offlineThresholdMs: opts.offlineThresholdMs,
        watcher: { refreshIntervalMs: opts.rttRefreshMs },
      })
      try {
        monitor.start()
        if (listen !== undefined) {
          http = createHttpServer({ monitor, logger, labels: opts.label, ...listen })
          await http.start()
        }
        if (!io.shutdown.aborted) {
          await new Promise((resolve) =>
            io.shutdown.addEventListener('abort', resolve, { once: true }),
          )
        }
        logger.info('shutting down')
      } finally {
        await http?.stop()
        await monitor.stop()
        store.close()
      }
    })
}

/** Most `--label` flags, and longest name, accepted. */
const MAX_LABELS = 1024
const MAX_LABEL_CHARS = 64

/** `ADDR=NAME` (ADDR as given to --validator) into `all`; a UsageError naming the flag otherwise. */
function parseLabel(value: string, all: Map<string, string>): Map<string, string> {
  const eq = value.lastIndexOf('=')
  const name = value.slice(eq + 1)
  if (eq <= 0 || name === '' || name.length > MAX_LABEL_CHARS) {
    throw new UsageError(
      `--label must be HOST:PORT=NAME with a name of 1 to ${MAX_LABEL_CHARS} characters, got "${value}"`,
    )
  }
  const address = value.slice(0, eq)
  parseHostPort('--label', address)
  if (!all.has(address) && all.size >= MAX_LABELS)
    throw new UsageError(`--label: at most ${MAX_LABELS} labels`)
  return new Map(all).set(address, name)
}
