/**
 * Structured logs: one JSON object per line when the output is not a
 * terminal (for log shippers), `time LEVEL message key=value` when it is.
 * The logger is `@paraloom/interface`'s `Logger`, so the app hands it to
 * every library component as is.
 */
import {
  componentName,
  type LogFields,
  type Logger,
  type LogLevel,
  ParaloomError,
} from '@paraloom/interface'

/** A `Logger` that can also bind fields to every line of a child. */
export interface CliLogger extends Logger {
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): CliLogger
  /** A logger whose lines carry `component` (the parent's, then `name`: `p2p:gossip`). */
  forComponent(name: string): CliLogger
}

export interface LoggerInit {
  out: NodeJS.WritableStream
  /** @default 'json' */
  format?: 'json' | 'text'
  /** Lines below this level are dropped. @default 'info' */
  level?: LogLevel
  clock?: () => number
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export function createLogger(init: LoggerInit, bound: LogFields = {}): CliLogger {
  const { out, format = 'json', level = 'info', clock = Date.now } = init
  const write = (lvl: LogLevel, message: string, fields: LogFields = {}): void => {
    if (RANK[lvl] < RANK[level]) return
    const time = new Date(clock()).toISOString()
    const all = { ...bound, ...fields }
    out.write(
      format === 'json'
        ? `${jsonLine({ time, level: lvl, msg: message, ...all })}\n`
        : textLine(time, lvl, message, all),
    )
  }
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(init, { ...bound, ...fields }),
    forComponent: (name) =>
      createLogger(init, { ...bound, component: componentName(componentOf(bound), name) }),
  }
}

function componentOf(fields: LogFields): string | undefined {
  return typeof fields.component === 'string' ? fields.component : undefined
}

function jsonLine(record: LogFields): string {
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString()
    // Our errors carry their code and metadata (and cause) into the line.
    if (value instanceof ParaloomError) return value.toObject()
    if (value instanceof Error) return { name: value.name, message: value.message }
    if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
    return value
  })
}

function textLine(time: string, level: LogLevel, message: string, fields: LogFields): string {
  const pairs = Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`)
  return `${time} ${level.toUpperCase().padEnd(5)} ${message}${pairs.length ? ` ${pairs.join(' ')}` : ''}\n`
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message)
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v
  if (typeof v === 'bigint') return v.toString()
  return JSON.stringify(v) ?? String(v)
}
