/**
 * Structured logs: JSON lines when the output is not a terminal (for log
 * shippers), `time LEVEL message key=value ...` when it is.
 */

export type LogFields = Record<string, unknown>
type Level = 'debug' | 'info' | 'warn' | 'error'

export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger
}

export interface LoggerInit {
  out: NodeJS.WritableStream
  /** @default 'json' */
  format?: 'json' | 'text'
  /** Drop lines below this level. @default 'info' */
  level?: Level
  /** @default Date.now */
  clock?: () => number
}

const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error']

/** Errors, bigints and the like as JSON-friendly values. */
function plain(value: unknown): unknown {
  if (value instanceof Error) return value.message
  if (typeof value === 'bigint') return value.toString()
  return value
}

export function createLogger(init: LoggerInit, context: LogFields = {}): Logger {
  const minimum = LEVELS.indexOf(init.level ?? 'info')
  const clock = init.clock ?? Date.now
  const line = (level: Level, msg: string, fields: LogFields): string => {
    const time = new Date(clock()).toISOString()
    const all = { ...context, ...fields }
    if (init.format === 'text') {
      const kv = Object.entries(all).map(([k, v]) => ` ${k}=${JSON.stringify(plain(v))}`)
      return `${time} ${level.toUpperCase()} ${msg}${kv.join('')}\n`
    }
    return `${JSON.stringify({ time, level, msg, ...all }, (_k, v) => plain(v))}\n`
  }
  const at =
    (level: Level) =>
    (msg: string, fields: LogFields = {}): void => {
      if (LEVELS.indexOf(level) >= minimum) init.out.write(line(level, msg, fields))
    }
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => createLogger(init, { ...context, ...fields }),
  }
}

/** Drops everything (tests, library defaults). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
}
