/**
 * The one logger contract of every Paraloom package. The app creates the
 * logger (`createLogger` of `@paraloom/cli-kit` implements it) and hands it
 * to each component, which names itself with {@link Logger.forComponent}
 * (js-libp2p's `logger.forComponent` shape). A library given no logger logs
 * nothing ({@link noopLogger}): it never writes to the console on its own.
 */

/** Severity of a log line, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Structured fields of one line (peer ids, counts, error messages, ...). */
export type LogFields = Record<string, unknown>

export interface Logger {
  /** Chatter an operator turns on to debug (a round's details, a rejected message). */
  debug(message: string, fields?: LogFields): void
  /** What the node did that an operator wants in the log (started, a transition). */
  info(message: string, fields?: LogFields): void
  /** Something went wrong and was handled (a failed round, a dropped client). */
  warn(message: string, fields?: LogFields): void
  /** Something went wrong that needs the operator. */
  error(message: string, fields?: LogFields): void
  /**
   * The logger of a part of this component: its lines carry the field
   * `component`, named by {@link componentName} (`p2p` then `gossip` gives
   * `p2p:gossip`).
   */
  forComponent(name: string): Logger
}

/**
 * The `component` of a child logger: `name` under a root logger, else the
 * parent's component and `name` joined by a colon (`paraloom:p2p:discovery`).
 * Every implementation names its children this way.
 */
export function componentName(parent: string | undefined, name: string): string {
  return parent === undefined || parent === '' ? name : `${parent}:${name}`
}

/** A logger that drops every line: the default of every library component. */
export const noopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  forComponent: () => noopLogger,
}
