import { isIP } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'

/**
 * Field checkers for the config schema. Each takes the raw TOML value and
 * returns the typed value or a string saying what is wrong (the caller adds
 * the key path and the source).
 */
export type Check<T> = (value: unknown) => T | Problem

/** What is wrong with a value, and where below the checked value (`[2]`, `.listen`). */
export interface Problem {
  problem: string
  at: string
}

export const problem = (text: string, at = ''): Problem => ({ problem: text, at })

export function isProblem<T>(v: T | Problem): v is Problem {
  return typeof v === 'object' && v !== null && 'problem' in v && 'at' in v
}

const describe = (value: unknown): string =>
  Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`

export const string: Check<string> = (v) =>
  typeof v === 'string' ? v : problem(`expected a string, got ${describe(v)}`)

export const boolean: Check<boolean> = (v) =>
  typeof v === 'boolean' ? v : problem(`expected true or false, got ${describe(v)}`)

export function oneOf<const T extends string>(choices: readonly T[]): Check<T> {
  return (v) =>
    typeof v === 'string' && (choices as readonly string[]).includes(v)
      ? (v as T)
      : problem(
          `expected one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${JSON.stringify(v)}`,
        )
}

/** A whole number in [min, max]. */
export function integer(min: number, max: number): Check<number> {
  return (v) => {
    const n = typeof v === 'bigint' ? Number(v) : v
    if (typeof n !== 'number' || !Number.isInteger(n))
      return problem(`expected an integer, got ${describe(v)}`)
    if (n < min || n > max) return problem(`must be between ${min} and ${max}, got ${n}`)
    return n
  }
}

/** `check`, or `undefined` when the key is absent (the library default then applies). */
export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v) => (v === undefined ? undefined : check(v))
}

export function arrayOf<T>(item: Check<T>, maxItems: number): Check<T[]> {
  return (v) => {
    if (!Array.isArray(v)) return problem(`expected an array, got ${describe(v)}`)
    if (v.length > maxItems) return problem(`at most ${maxItems} entries, got ${v.length}`)
    const out: T[] = []
    for (const [i, raw] of v.entries()) {
      const r = item(raw)
      if (isProblem(r)) return problem(r.problem, `[${i}]${r.at}`)
      out.push(r)
    }
    return out
  }
}

export const multiaddrString: Check<string> = (v) => {
  const s = string(v)
  if (isProblem(s)) return s
  try {
    multiaddr(s)
    return s
  } catch {
    return problem(`${JSON.stringify(s)} is not a multiaddr (e.g. /ip4/0.0.0.0/tcp/9001)`)
  }
}

/** `host:port`, as the gRPC and metrics listeners take it. */
export const hostPort: Check<string> = (v) => {
  const s = string(v)
  if (isProblem(s)) return s
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(s)
  const port = m ? Number(m[2]) : -1
  if (!m || port > 65535)
    return problem(`${JSON.stringify(s)} is not host:port (e.g. 127.0.0.1:50051)`)
  return s
}

/** An IPv4 or IPv6 address, without port. */
export const ipAddress: Check<string> = (v) => {
  const s = string(v)
  if (isProblem(s)) return s
  return isIP(s) === 0 ? problem(`${JSON.stringify(s)} is not an IP address (e.g. 127.0.0.1)`) : s
}

export const httpUrl: Check<string> = (v) =>
  urlWith(v, ['http:', 'https:'], 'http://127.0.0.1:8899')

/** A websocket URL, or "" meaning "derive it from the RPC URL". */
export const wsUrlOrEmpty: Check<string> = (v) =>
  v === '' ? '' : urlWith(v, ['ws:', 'wss:'], 'ws://127.0.0.1:8900')

function urlWith(v: unknown, protocols: string[], example: string): string | Problem {
  const s = string(v)
  if (isProblem(s)) return s
  try {
    const url = new URL(s)
    if (protocols.includes(url.protocol)) return s
  } catch {}
  return problem(`${JSON.stringify(s)} is not a ${protocols.join(' or ')} URL (e.g. ${example})`)
}

/** A base58 Solana address: 32 to 44 characters of the base58 alphabet, or "" when unset. */
export const base58AddressOrEmpty: Check<string> = (v) => {
  const s = string(v)
  if (isProblem(s) || s === '') return s
  return /^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(s)
    ? s
    : problem(`${JSON.stringify(s)} is not a base58 Solana address`)
}

/** A libp2p PeerId string (base58 `12D3Koo…` / `Qm…` or a CID). */
export const peerIdString: Check<string> = (v) => {
  const s = string(v)
  if (isProblem(s)) return s
  return /^(12D3Koo|16Uiu2|Qm|b)[1-9A-HJ-NP-Za-km-z2-7]{20,}$/.test(s)
    ? s
    : problem(`${JSON.stringify(s)} is not a PeerId`)
}

/** A checked field with the value it takes when the key is absent (`undefined`: required, or a sub-table). */
export interface Field<T> {
  check: Check<T>
  default: T | undefined
}

export const field = <T>(check: Check<T>, fallback?: T): Field<T> => ({ check, default: fallback })

type TableOf<S extends Record<string, Field<unknown>>> = {
  [K in keyof S]: S[K] extends Field<infer T> ? T : never
}

/**
 * A TOML table with exactly these keys: unknown keys and wrong types are
 * problems naming the key; absent keys take their default.
 */
export function table<S extends Record<string, Field<unknown>>>(spec: S): Check<TableOf<S>> {
  return (v) => {
    const raw = v ?? {}
    if (typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Date) {
      return problem(`expected a table, got ${describe(v)}`)
    }
    const entries = raw as Record<string, unknown>
    for (const key of Object.keys(entries)) {
      if (!Object.hasOwn(spec, key)) {
        return problem(`unknown key (known: ${Object.keys(spec).join(', ')})`, `.${key}`)
      }
    }
    const out: Record<string, unknown> = {}
    for (const [key, f] of Object.entries(spec)) {
      const value = entries[key]
      if (value === undefined && f.default !== undefined) {
        out[key] = f.default
        continue
      }
      // An absent sub-table checks as an empty one (its own defaults apply).
      const r = f.check(value)
      if (isProblem(r)) {
        const text = value === undefined && r.at === '' ? 'is required' : r.problem
        return problem(text, `.${key}${r.at}`)
      }
      out[key] = r
    }
    return out as TableOf<S>
  }
}
