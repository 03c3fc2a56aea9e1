/**
 * Declarative bincode schemas (wire.md, "Wire format"). One description per
 * type drives its encoded size, encoder, bounded decoder and canonical JSON.
 * Every schema knows the minimum size of its encoding, which is what a length
 * or count prefix is checked against before anything is allocated.
 */
import { CodecError, InvalidValueError } from './errors.js'
import { fromHex, toHex } from './hex.js'
import type { Reader } from './reader.js'
import type { Writer } from './writer.js'

export interface Schema<T> {
  /** Fewest bytes any value of this type encodes to. */
  readonly minSize: number
  /** Exact encoded size of `value`; throws `InvalidValueError` for a value that does not fit. */
  size(value: T): number
  /** Writes `value`, already checked by `size`. */
  write(w: Writer, value: T): void
  /** Reads one value; throws only `CodecError`. Byte fields are views into the input. */
  read(r: Reader): T
  /** Canonical JSON (wire.md): u64/i64 as decimal strings, bytes as lowercase hex. */
  toJson(value: T): unknown
  /** Parses canonical JSON; throws `InvalidValueError` with the path of the bad value. */
  fromJson(json: unknown): T
}

/** Rebuilds an `InvalidValueError` from a nested schema with `segment` in front of its path. */
function within(err: unknown, segment: string): unknown {
  if (!(err instanceof InvalidValueError)) return err
  return new InvalidValueError(`$${segment}${err.path.slice(1)}`, err.reason)
}

function describe(json: unknown): string {
  if (json === null) return 'null'
  if (Array.isArray(json)) return 'an array'
  if (typeof json === 'string') return `string ${JSON.stringify(json.slice(0, 40))}`
  if (typeof json === 'object') return 'an object'
  return `${typeof json} ${String(json)}`
}

function invalid(reason: string): InvalidValueError {
  return new InvalidValueError('$', reason)
}

/** `size` of a fixed-size schema: check the value, then the constant size. */
function sizeAfter<T>(check: (v: unknown) => T, size: number): (v: T) => number {
  return (v) => {
    check(v)
    return size
  }
}

function isPlainObject(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
}

// ---- integers -------------------------------------------------------------

function smallUint(bits: 8 | 32): Schema<number> {
  const bytes = bits / 8
  const max = 2 ** bits - 1
  const check = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      throw invalid(`expected an integer 0..${max} (u${bits}), got ${describe(v)}`)
    }
    return v
  }
  return {
    minSize: bytes,
    size: sizeAfter(check, bytes),
    write: bits === 8 ? (w, v) => w.u8(v) : (w, v) => w.u32(v),
    read: bits === 8 ? (r) => r.u8('u8') : (r) => r.u32('u32'),
    toJson: (v) => v,
    fromJson: check,
  }
}

function bigInteger(signed: boolean): Schema<bigint> {
  const name = signed ? 'i64' : 'u64'
  const min = signed ? -(2n ** 63n) : 0n
  const max = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n
  const digits = signed ? /^-?\d{1,20}$/ : /^\d{1,20}$/
  const check = (v: unknown): bigint => {
    if (typeof v !== 'bigint' || v < min || v > max) {
      throw invalid(`expected a bigint ${min}..${max} (${name}), got ${describe(v)}`)
    }
    return v
  }
  return {
    minSize: 8,
    size: sizeAfter(check, 8),
    write: signed ? (w, v) => w.i64(v) : (w, v) => w.u64(v),
    read: signed ? (r) => r.i64(name) : (r) => r.u64(name),
    toJson: (v) => v.toString(),
    // Canonical JSON carries 64-bit integers as decimal strings; a JSON number
    // is accepted only where it is exact.
    fromJson(json) {
      if (typeof json === 'string' && digits.test(json)) return check(BigInt(json))
      if (typeof json === 'number' && Number.isSafeInteger(json)) return check(BigInt(json))
      throw invalid(`expected a decimal string (${name}), got ${describe(json)}`)
    },
  }
}

export const u8: Schema<number> = smallUint(8)
export const u32: Schema<number> = smallUint(32)
export const u64: Schema<bigint> = bigInteger(false)
export const i64: Schema<bigint> = bigInteger(true)

export const bool: Schema<boolean> = {
  minSize: 1,
  size(v) {
    if (typeof v !== 'boolean') throw invalid(`expected a boolean, got ${describe(v)}`)
    return 1
  },
  write: (w, v) => w.u8(v ? 1 : 0),
  read(r) {
    const at = r.pos
    const tag = r.u8('bool')
    if (tag > 1) throw new CodecError('InvalidTag', at, `bool must be 0 or 1, got ${tag}`)
    return tag === 1
  },
  toJson: (v) => v,
  fromJson(json) {
    if (typeof json !== 'boolean') throw invalid(`expected a boolean, got ${describe(json)}`)
    return json
  },
}

// ---- bytes and strings ----------------------------------------------------

function checkBytes(v: unknown, length?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) throw invalid(`expected a Uint8Array, got ${describe(v)}`)
  if (length !== undefined && v.length !== length) {
    throw invalid(`expected ${length} bytes, got ${v.length}`)
  }
  return v
}

function bytesFromJson(json: unknown, length?: number): Uint8Array {
  if (typeof json !== 'string') throw invalid(`expected a hex string, got ${describe(json)}`)
  return checkBytes(fromHex(json), length)
}

/** `[u8; N]`: N raw bytes, no length. Decodes to a view into the input. */
export function fixedBytes(length: number): Schema<Uint8Array> {
  return {
    minSize: length,
    size: (v) => checkBytes(v, length).length,
    write: (w, v) => w.raw(v),
    read: (r) => r.take(length, `[u8; ${length}]`),
    toJson: toHex,
    fromJson: (json) => bytesFromJson(json, length),
  }
}

function checkMax(n: number, max: number | undefined, unit: string): void {
  if (max !== undefined && n > max) throw invalid(`${n} ${unit}, at most ${max} allowed`)
}

/** `Vec<u8>`: u64 length then the bytes. Decodes to a view into the input. */
export function bytes(options: { max?: number } = {}): Schema<Uint8Array> {
  const { max } = options
  return {
    minSize: 8,
    size(v) {
      checkMax(checkBytes(v).length, max, 'bytes')
      return 8 + v.length
    },
    write(w, v) {
      w.length(v.length)
      w.raw(v)
    },
    read(r) {
      const n = r.count(1, max, 'Vec<u8>', 'bytes')
      return r.take(n, 'Vec<u8>')
    },
    toJson: toHex,
    fromJson(json) {
      const v = bytesFromJson(json)
      checkMax(v.length, max, 'bytes')
      return v
    },
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()
const LONE_SURROGATE = /\p{Surrogate}/u

/** `String`: u64 byte length then UTF-8; `maxBytes` caps the byte length. */
export function string(options: { maxBytes?: number } = {}): Schema<string> {
  const { maxBytes } = options
  const check = (v: unknown): string => {
    if (typeof v !== 'string') throw invalid(`expected a string, got ${describe(v)}`)
    // A Rust String cannot hold a lone surrogate; UTF-8 would silently replace it.
    if (LONE_SURROGATE.test(v)) throw invalid('string contains a lone UTF-16 surrogate')
    return v
  }
  return {
    minSize: 8,
    size(v) {
      const n = Buffer.byteLength(check(v), 'utf8')
      checkMax(n, maxBytes, 'UTF-8 bytes')
      return 8 + n
    },
    write(w, v) {
      const start = w.pos
      w.pos += 8
      const { written } = utf8Encoder.encodeInto(v, w.bytes.subarray(w.pos))
      w.pos = start
      w.length(written)
      w.pos += written
    },
    read(r) {
      const n = r.count(1, maxBytes, 'String', 'bytes')
      const at = r.pos
      const raw = r.take(n, 'String')
      try {
        return utf8Decoder.decode(raw)
      } catch {
        throw new CodecError('InvalidUtf8', at, `String of ${n} bytes is not valid UTF-8`)
      }
    },
    toJson: (v) => v,
    fromJson(json) {
      const v = check(json)
      checkMax(Buffer.byteLength(v, 'utf8'), maxBytes, 'UTF-8 bytes')
      return v
    },
  }
}

// ---- containers -----------------------------------------------------------

/** `Vec<T>`: u64 count then the items; `max` caps the count. */
export function vec<T>(item: Schema<T>, options: { max?: number } = {}): Schema<T[]> {
  const { max } = options
  return {
    minSize: 8,
    size(v) {
      if (!Array.isArray(v)) throw invalid(`expected an array, got ${describe(v)}`)
      checkMax(v.length, max, 'items')
      let n = 8
      for (let i = 0; i < v.length; i++) {
        try {
          n += item.size(v[i] as T)
        } catch (err) {
          throw within(err, `[${i}]`)
        }
      }
      return n
    },
    write(w, v) {
      w.length(v.length)
      for (const x of v) item.write(w, x)
    },
    read(r) {
      const n = r.count(item.minSize, max, 'Vec')
      const out: T[] = new Array(n)
      for (let i = 0; i < n; i++) out[i] = item.read(r)
      return out
    },
    toJson: (v) => v.map((x) => item.toJson(x)),
    fromJson(json) {
      if (!Array.isArray(json)) throw invalid(`expected an array, got ${describe(json)}`)
      checkMax(json.length, max, 'items')
      return json.map((x, i) => {
        try {
          return item.fromJson(x)
        } catch (err) {
          throw within(err, `[${i}]`)
        }
      })
    },
  }
}

/** `Option<T>`: tag 0 (None, `null`) or 1 (Some) then T. */
export function option<T>(inner: Schema<T>): Schema<T | null> {
  return {
    minSize: 1,
    size: (v) => (v === null ? 1 : 1 + inner.size(v)),
    write(w, v) {
      if (v === null) {
        w.u8(0)
      } else {
        w.u8(1)
        inner.write(w, v)
      }
    },
    read(r) {
      const at = r.pos
      const tag = r.u8('Option tag')
      if (tag === 0) return null
      if (tag === 1) return inner.read(r)
      throw new CodecError('InvalidTag', at, `Option tag must be 0 or 1, got ${tag}`)
    },
    toJson: (v) => (v === null ? null : inner.toJson(v)),
    fromJson: (json) => (json === null ? null : inner.fromJson(json)),
  }
}

// ---- structs --------------------------------------------------------------

/** One schema per field of `T`, in wire (declaration) order. */
export type Fields<T> = { readonly [K in keyof T]-?: Schema<T[K]> }

interface Field {
  /** TS name (camelCase). */
  readonly key: string
  /** Rust and canonical-JSON name (snake_case). */
  readonly json: string
  readonly schema: Schema<unknown>
}

const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/**
 * The fields of a struct or enum variant. Object key order is the wire
 * order; JSON names are the snake_case form of the TS names.
 */
class FieldList {
  readonly fields: readonly Field[]
  readonly minSize: number

  constructor(fields: Readonly<Record<string, Schema<unknown>>>) {
    this.fields = Object.entries(fields).map(([key, schema]) => ({
      key,
      json: snakeCase(key),
      schema,
    }))
    this.minSize = this.fields.reduce((n, f) => n + f.schema.minSize, 0)
  }

  size(v: Record<string, unknown>): number {
    if (!isPlainObject(v)) throw invalid(`expected an object, got ${describe(v)}`)
    let n = 0
    for (const f of this.fields) {
      try {
        n += f.schema.size(v[f.key])
      } catch (err) {
        throw within(err, `.${f.key}`)
      }
    }
    return n
  }

  write(w: Writer, v: Record<string, unknown>): void {
    for (const f of this.fields) f.schema.write(w, v[f.key])
  }

  readInto(r: Reader, out: Record<string, unknown>): void {
    for (const f of this.fields) out[f.key] = f.schema.read(r)
  }

  toJson(v: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const f of this.fields) out[f.json] = f.schema.toJson(v[f.key])
    return out
  }

  fromJsonInto(json: unknown, out: Record<string, unknown>): void {
    if (!isPlainObject(json)) throw invalid(`expected an object, got ${describe(json)}`)
    const known = new Set(this.fields.map((f) => f.json))
    for (const key of Object.keys(json)) {
      if (!known.has(key)) throw new InvalidValueError(`$.${key}`, 'unknown field')
    }
    for (const f of this.fields) {
      if (!(f.json in json)) throw new InvalidValueError(`$.${f.json}`, 'missing field')
      try {
        out[f.key] = f.schema.fromJson(json[f.json])
      } catch (err) {
        throw within(err, `.${f.json}`)
      }
    }
  }
}

/** A struct: its fields in declaration order, nothing else. */
export function struct<T extends object>(fields: Fields<T>): Schema<T> {
  const list = new FieldList(fields as Readonly<Record<string, Schema<unknown>>>)
  type Obj = Record<string, unknown>
  return {
    minSize: list.minSize,
    size: (v) => list.size(v as Obj),
    write: (w, v) => list.write(w, v as Obj),
    read(r) {
      const out: Obj = {}
      list.readInto(r, out)
      return out as T
    },
    toJson: (v) => list.toJson(v as Obj),
    fromJson(json) {
      const out: Obj = {}
      list.fromJsonInto(json, out)
      return out as T
    },
  }
}

// ---- enums ----------------------------------------------------------------

function readTag(r: Reader, count: number, name: string): number {
  const at = r.pos
  const tag = r.u32(`${name} variant index`)
  if (tag >= count) {
    throw new CodecError(
      'InvalidTag',
      at,
      `${name} variant index ${tag}, expected 0 <= i < ${count}`,
    )
  }
  return tag
}

/** An enum of unit variants only, as a string union. Wire: u32 index; JSON: `"Name"`. */
export function unitEnum<T extends string>(name: string, variants: readonly T[]): Schema<T> {
  const index = new Map<unknown, number>(variants.map((v, i) => [v, i]))
  const check = (v: unknown): T => {
    if (!index.has(v))
      throw invalid(`expected one of ${variants.join(', ')} (${name}), got ${describe(v)}`)
    return v as T
  }
  return {
    minSize: 4,
    size: sizeAfter(check, 4),
    write: (w, v) => w.u32(index.get(v)!),
    read: (r) => variants[readTag(r, variants.length, name)]!,
    toJson: (v) => v,
    fromJson: check,
  }
}

/** The field schemas of each variant of a union discriminated on `type`, in declaration order. */
export type Variants<T extends { type: string }> = {
  readonly [K in T['type']]: Fields<Omit<Extract<T, { type: K }>, 'type'>>
}

/**
 * An enum whose variants may carry fields, as a union discriminated on
 * `type`. Wire: u32 index then the variant's fields. JSON: `"Name"` for a
 * variant without fields, `{"Name": {fields}}` otherwise.
 */
export function taggedEnum<T extends { type: string }>(
  name: string,
  variants: Variants<T>,
): Schema<T> {
  const list = Object.entries(variants as Record<string, Record<string, Schema<unknown>>>).map(
    ([type, fields]) => ({ type, fields: new FieldList(fields) }),
  )
  const byType = new Map(list.map((v, i) => [v.type, { ...v, index: i }]))
  const variantOf = (type: unknown) => {
    const v = byType.get(type as string)
    if (v === undefined) throw invalid(`expected a ${name} variant, got ${describe(type)}`)
    return v
  }
  type Obj = Record<string, unknown>
  return {
    minSize: 4 + Math.min(...list.map((v) => v.fields.minSize)),
    size(v) {
      if (!isPlainObject(v)) throw invalid(`expected an object, got ${describe(v)}`)
      return 4 + variantOf(v.type).fields.size(v as Obj)
    },
    write(w, v) {
      const variant = byType.get(v.type)!
      w.u32(variant.index)
      variant.fields.write(w, v as Obj)
    },
    read(r) {
      const variant = list[readTag(r, list.length, name)]!
      const out: Obj = { type: variant.type }
      variant.fields.readInto(r, out)
      return out as T
    },
    toJson(v) {
      const { fields } = byType.get(v.type)!
      return fields.fields.length === 0 ? v.type : { [v.type]: fields.toJson(v as Obj) }
    },
    fromJson(json) {
      if (typeof json === 'string') {
        const variant = variantOf(json)
        if (variant.fields.fields.length > 0) {
          throw invalid(`${name} variant ${json} has fields: write {"${json}": {...}}`)
        }
        return { type: json } as T
      }
      if (!isPlainObject(json) || Object.keys(json).length !== 1) {
        throw invalid(
          `expected "Variant" or {"Variant": {fields}} (${name}), got ${describe(json)}`,
        )
      }
      const [type, body] = Object.entries(json)[0]!
      const variant = variantOf(type)
      if (variant.fields.fields.length === 0) {
        throw new InvalidValueError(
          `$.${type}`,
          `${name} variant ${type} has no fields: write "${type}"`,
        )
      }
      const out: Obj = { type }
      try {
        variant.fields.fromJsonInto(body, out)
      } catch (err) {
        throw within(err, `.${type}`)
      }
      return out as T
    },
  }
}
