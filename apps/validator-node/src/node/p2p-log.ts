/**
 * libp2p's `ComponentLogger` on top of the node's structured logger, so
 * libp2p's own errors can land in the validator's log instead of a `DEBUG=`
 * namespace nobody enables. Its internals are far too chatty for `info` (a
 * line per stream), so only their errors pass, at `debug`. (The Paraloom
 * node's own lines do not come this way: p2p takes the node's `Logger`.)
 */
import { componentName, type Logger } from '@paraloom/interface'

/** The shape of libp2p's per-component logger (`@libp2p/interface` Logger). */
interface ComponentLog {
  // biome-ignore lint/suspicious/noExplicitAny: libp2p's printf-style signature
  (formatter: any, ...args: any[]): void
  // biome-ignore lint/suspicious/noExplicitAny: libp2p's printf-style signature
  error(formatter: any, ...args: any[]): void
  // biome-ignore lint/suspicious/noExplicitAny: libp2p's printf-style signature
  trace(formatter: any, ...args: any[]): void
  enabled: boolean
  newScope(name: string): ComponentLog
}

export interface P2pLogInit {
  logger: Logger
  /** Is the node logging at `debug`? Then libp2p's errors are formatted and written. */
  debug: boolean
}

/** A libp2p `ComponentLogger` writing to `logger` (pass it as p2p's `libp2pLogger`). */
export function p2pComponentLogger(init: P2pLogInit): {
  forComponent(name: string): ComponentLog
} {
  return { forComponent: (name) => componentLog(init, name) }
}

function componentLog(init: P2pLogInit, component: string): ComponentLog {
  const { logger } = init
  // Its chatter is never written.
  const log = ((_formatter: unknown, ..._args: unknown[]) => {}) as ComponentLog
  log.error = (formatter: unknown, ...args: unknown[]) => {
    if (init.debug) logger.debug(formatLine(formatter, args), { component })
  }
  log.trace = () => {}
  log.enabled = false
  log.newScope = (name) => componentLog(init, componentName(component, name))
  return log
}

/**
 * printf-style formatting as libp2p's loggers use it: `%s %d %o %O %j` and
 * libp2p's own `%p` (peer id), `%a` (multiaddr), `%c` (CID), `%b %t %m`
 * (bytes), `%e` (error); `%%` is a percent sign. Extra arguments are appended.
 */
export function formatLine(formatter: unknown, args: readonly unknown[]): string {
  if (typeof formatter !== 'string') return [formatter, ...args].map(show).join(' ')
  let i = 0
  const line = formatter.replace(/%([a-zA-Z%])/g, (whole, code: string) => {
    if (code === '%') return '%'
    if (i >= args.length) return whole
    return show(args[i++])
  })
  return [line, ...args.slice(i).map(show)].join(' ')
}

function show(value: unknown): string {
  if (value instanceof Error) return value.message
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  if (typeof value === 'string') return value
  if (value !== null && typeof value === 'object') {
    const text = String(value)
    if (text !== '[object Object]') return text // PeerId, Multiaddr, CID
    try {
      return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
    } catch {
      return text
    }
  }
  return String(value)
}
