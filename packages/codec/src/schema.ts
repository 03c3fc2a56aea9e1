/**
 * Declarative bincode schemas (wire.md, "Wire format"). One description per
 * type drives its canonical JSON and, through compile.ts, its size function,
 * encoder and bounded decoder: each schema emits the code for its own part.
 * Every schema knows the minimum size of its encoding, which is what a length
 * or count prefix is checked against before anything is allocated.
 */
import {
  badCount,
  badTag,
  Code,
  copyBytes,
  i64From,
  invalidAt,
  type Path,
  truncated,
  u64From,
  utf8Bytes,
  viewSource,
  write64,
  writeLength,
  writeUtf8,
} from './compile.js'
import { CodecError, InvalidValueError } from './errors.js'
import { fromHex, toHex } from './hex.js'

export interface Schema<T> {
  /** Fewest bytes any value of this type encodes to. */
  readonly minSize: number
  /** Canonical JSON (wire.md): u64/i64 as decimal strings, bytes as lowercase hex. */
  toJson(value: T): unknown
  /** Parses canonical JSON; throws `InvalidValueError` with the path of the bad value. */
  fromJson(json: unknown): T
  /**
   * Emits code that checks the value in variable `v` and adds its exact
   * encoded size to `n`; a value that does not fit throws
   * `InvalidValueError` naming `path`.
   */
  emitSize(c: Code, v: string, path: Path): void
  /** Emits code that writes the checked value in `v` into `out` at `p`, advancing `p`. */
  emitWrite(c: Code, v: string): void
  /**
   * Emits code that reads one value at `p`, checking the bytes that remain
   * first; returns the name of the variable that holds it.
   */
  emitRead(c: Code): string
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

function isPlainObject(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
}

/**
 * A length or cap of a schema definition, checked to be a non-negative
 * integer: these are the only numbers a schema splices into generated code.
 */
function definedSize<N extends number | undefined>(n: N, what: string): N {
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) {
    throw new TypeError(`${what} must be a non-negative integer, got ${String(n)}`)
  }
  return n
}

// ---- code snippets shared by the schemas ------------------------------------

/** Emits: throw `Truncated` unless `n` more bytes remain for `what`. */
function emitNeed(c: Code, n: number, what: string): void {
  c.line(
    `if (len - p < ${n}) throw ${c.constant(truncated)}(p, ${n}, len - p, ${Code.literal(what)});`,
  )
}

/** The expression of the little-endian u32 at `p + at`. */
function u32At(at: number): string {
  const byte = (i: number) => `b[p + ${at + i}]`
  return `((${byte(0)} | (${byte(1)} << 8) | (${byte(2)} << 16) | (${byte(3)} << 24)) >>> 0)`
}

/** Emits the little-endian stores of the u32 expression `v` at `p`, advancing `p`. */
function emitWriteU32(c: Code, v: string): void {
  c.line(
    `out[p] = ${v}; out[p + 1] = ${v} >>> 8; out[p + 2] = ${v} >>> 16; out[p + 3] = ${v} >>> 24; p += 4;`,
  )
}

/** Emits: throw `InvalidValueError` at `path` (worded by `check`) when `failed`. */
function emitCheck(
  c: Code,
  failed: string,
  v: string,
  path: Path,
  check: (v: unknown) => unknown,
): void {
  c.line(
    `if (${failed}) throw ${c.constant(invalidAt)}(${path.expression()}, ${c.constant(check)}, ${v});`,
  )
}

/**
 * Emits the read of a u64 length or count prefix and its checks, before the
 * caller allocates or loops (wire.md rules 2 and 4): `count × itemBytes`
 * against the bytes that remain (`Truncated`), then the schema cap `max`
 * (`TooLarge`). Both words are compared as they are, so 2^64-1 fails at
 * once. Returns the variable holding the count.
 */
function emitCount(
  c: Code,
  minItemBytes: number,
  max: number | undefined,
  what: string,
  unit: string,
): string {
  // An item of zero bytes would make any count fit; count it as one byte.
  const itemBytes = Math.max(1, minItemBytes)
  const lo = c.local('n')
  const hi = c.local('h')
  emitNeed(c, 8, `${what} length`)
  c.line(`const ${lo} = ${u32At(0)}, ${hi} = ${u32At(4)}; p += 8;`)
  // lo < 2^32 and itemBytes is a small schema constant, so the product is exact.
  const fits = itemBytes === 1 ? lo : `${lo} * ${itemBytes}`
  const capped = max === undefined ? '' : ` || ${lo} > ${max}`
  c.line(
    `if (${hi} !== 0 || ${fits} > len - p${capped}) throw ${c.constant(badCount)}(p - 8, ${lo}, ${hi}, ${itemBytes}, len - p, ${max ?? 0}, ${Code.literal(what)}, ${Code.literal(unit)});`,
  )
  return lo
}

/** Emits the read of a u32 enum index below `count`; returns its variable. */
function emitTag(c: Code, count: number, name: string): string {
  const what = `${name} variant index`
  const tag = c.local('t')
  emitNeed(c, 4, what)
  c.line(`const ${tag} = ${u32At(0)};`)
  c.line(
    `if (${tag} >= ${count}) throw ${c.constant(badTag)}(p, ${tag}, ${count}, ${Code.literal(what)});`,
  )
  c.line('p += 4;')
  return tag
}

function badByteTag(what: string): (at: number, tag: number) => CodecError {
  return (at, tag) => new CodecError('InvalidTag', at, `${what} must be 0 or 1, got ${tag}`)
}
const badBool = badByteTag('bool')
const badOptionTag = badByteTag('Option tag')

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
  // For a number, `(v & 255) === v` and `v >>> 0 === v` hold exactly for the integers in range.
  const inRange = (v: string) => (bits === 8 ? `(${v} & 255) !== ${v}` : `${v} >>> 0 !== ${v}`)
  return {
    minSize: bytes,
    toJson: (v) => v,
    fromJson: check,
    emitSize(c, v, path) {
      emitCheck(c, `typeof ${v} !== 'number' || ${inRange(v)}`, v, path, check)
      c.line(`n += ${bytes};`)
    },
    emitWrite(c, v) {
      if (bits === 8) c.line(`out[p++] = ${v};`)
      else emitWriteU32(c, v)
    },
    emitRead(c) {
      const v = c.local('u')
      emitNeed(c, bytes, `u${bits}`)
      if (bits === 8) c.line(`const ${v} = b[p++];`)
      else c.line(`const ${v} = ${u32At(0)}; p += 4;`)
      return v
    },
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
    toJson: (v) => v.toString(),
    // Canonical JSON carries 64-bit integers as decimal strings; a JSON number
    // is accepted only where it is exact.
    fromJson(json) {
      if (typeof json === 'string' && digits.test(json)) return check(BigInt(json))
      if (typeof json === 'number' && Number.isSafeInteger(json)) return check(BigInt(json))
      throw invalid(`expected a decimal string (${name}), got ${describe(json)}`)
    },
    emitSize(c, v, path) {
      emitCheck(c, `typeof ${v} !== 'bigint' || ${v} < ${min}n || ${v} > ${max}n`, v, path, check)
      c.line('n += 8;')
    },
    emitWrite(c, v) {
      c.line(`${c.constant(write64)}(out, p, ${v}); p += 8;`)
    },
    emitRead(c) {
      const v = c.local('u')
      emitNeed(c, 8, name)
      c.line(
        `const ${v} = ${c.constant(signed ? i64From : u64From)}(${u32At(0)}, ${u32At(4)}); p += 8;`,
      )
      return v
    },
  }
}

export const u8: Schema<number> = smallUint(8)
export const u32: Schema<number> = smallUint(32)
export const u64: Schema<bigint> = bigInteger(false)
export const i64: Schema<bigint> = bigInteger(true)

const checkBool = (v: unknown): boolean => {
  if (typeof v !== 'boolean') throw invalid(`expected a boolean, got ${describe(v)}`)
  return v
}

export const bool: Schema<boolean> = {
  minSize: 1,
  toJson: (v) => v,
  fromJson: checkBool,
  emitSize(c, v, path) {
    emitCheck(c, `typeof ${v} !== 'boolean'`, v, path, checkBool)
    c.line('n += 1;')
  },
  emitWrite(c, v) {
    c.line(`out[p++] = ${v} ? 1 : 0;`)
  },
  emitRead(c) {
    const v = c.local('x')
    emitNeed(c, 1, 'bool')
    c.line(`if (b[p] > 1) throw ${c.constant(badBool)}(p, b[p]);`)
    c.line(`const ${v} = b[p++] === 1;`)
    return v
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

/**
 * `[u8; N]`: N raw bytes, no length. Decodes to a copy, or to a view into the
 * input when the caller asks for views (`copy` false in the generated code).
 */
export function fixedBytes(length: number): Schema<Uint8Array> {
  definedSize(length, 'fixedBytes length')
  const check = (v: unknown) => checkBytes(v, length)
  return {
    minSize: length,
    toJson: toHex,
    fromJson: (json) => bytesFromJson(json, length),
    emitSize(c, v, path) {
      emitCheck(c, `!(${v} instanceof Uint8Array) || ${v}.length !== ${length}`, v, path, check)
      c.line(`n += ${length};`)
    },
    emitWrite(c, v) {
      c.line(`out.set(${v}, p); p += ${length};`)
    },
    emitRead(c) {
      const v = c.local('a')
      emitNeed(c, length, `[u8; ${length}]`)
      c.line(
        `const ${v} = copy ? ${c.constant(copyBytes)}(b, p, ${length}) : ${viewSource(String(length))}; p += ${length};`,
      )
      return v
    },
  }
}

function checkMax(n: number, max: number | undefined, unit: string): void {
  if (max !== undefined && n > max) throw invalid(`${n} ${unit}, at most ${max} allowed`)
}

/** `Vec<u8>`: u64 length then the bytes. Decodes to a view into the input. */
export function bytes(options: { max?: number } = {}): Schema<Uint8Array> {
  const max = definedSize(options.max, 'bytes max')
  const check = (v: unknown) => checkMax(checkBytes(v).length, max, 'bytes')
  const capped = (v: string) => (max === undefined ? '' : ` || ${v}.length > ${max}`)
  return {
    minSize: 8,
    toJson: toHex,
    fromJson(json) {
      const v = bytesFromJson(json)
      checkMax(v.length, max, 'bytes')
      return v
    },
    emitSize(c, v, path) {
      emitCheck(c, `!(${v} instanceof Uint8Array)${capped(v)}`, v, path, check)
      c.line(`n += 8 + ${v}.length;`)
    },
    emitWrite(c, v) {
      c.line(
        `${c.constant(writeLength)}(out, p, ${v}.length); out.set(${v}, p + 8); p += 8 + ${v}.length;`,
      )
    },
    emitRead(c) {
      const n = emitCount(c, 1, max, 'Vec<u8>', 'bytes')
      const v = c.local('a')
      c.line(`const ${v} = ${viewSource(n)}; p += ${n};`)
      return v
    },
  }
}

const LONE_SURROGATE = /\p{Surrogate}/u

function checkString(v: unknown): string {
  if (typeof v !== 'string') throw invalid(`expected a string, got ${describe(v)}`)
  // A Rust String cannot hold a lone surrogate; UTF-8 would silently replace it.
  if (LONE_SURROGATE.test(v)) throw invalid('string contains a lone UTF-16 surrogate')
  return v
}

/** UTF-8 length of a string that may be encoded; -1 if it holds a lone surrogate. */
function encodableLength(v: string): number {
  return LONE_SURROGATE.test(v) ? -1 : Buffer.byteLength(v, 'utf8')
}

/** `String`: u64 byte length then UTF-8; `maxBytes` caps the byte length. */
export function string(options: { maxBytes?: number } = {}): Schema<string> {
  const maxBytes = definedSize(options.maxBytes, 'string maxBytes')
  const check = (v: unknown) =>
    checkMax(Buffer.byteLength(checkString(v), 'utf8'), maxBytes, 'UTF-8 bytes')
  return {
    minSize: 8,
    toJson: (v) => v,
    fromJson(json) {
      const v = checkString(json)
      checkMax(Buffer.byteLength(v, 'utf8'), maxBytes, 'UTF-8 bytes')
      return v
    },
    emitSize(c, v, path) {
      const n = c.local('s')
      emitCheck(c, `typeof ${v} !== 'string'`, v, path, check)
      c.line(`const ${n} = ${c.constant(encodableLength)}(${v});`)
      const capped = maxBytes === undefined ? '' : ` || ${n} > ${maxBytes}`
      emitCheck(c, `${n} < 0${capped}`, v, path, check)
      c.line(`n += 8 + ${n};`)
    },
    emitWrite(c, v) {
      c.line(`p = ${c.constant(writeUtf8)}(out, p, ${v});`)
    },
    emitRead(c) {
      const n = emitCount(c, 1, maxBytes, 'String', 'bytes')
      const v = c.local('s')
      c.line(`const ${v} = ${c.constant(utf8Bytes)}(b, p, ${n}); p += ${n};`)
      return v
    },
  }
}

// ---- containers -----------------------------------------------------------

/** `Vec<T>`: u64 count then the items; `max` caps the count. */
export function vec<T>(item: Schema<T>, options: { max?: number } = {}): Schema<T[]> {
  const max = definedSize(options.max, 'vec max')
  const check = (v: unknown) => {
    if (!Array.isArray(v)) throw invalid(`expected an array, got ${describe(v)}`)
    checkMax(v.length, max, 'items')
  }
  return {
    minSize: 8,
    toJson: (v) => v.map((x) => item.toJson(x)),
    fromJson(json) {
      check(json)
      return (json as unknown[]).map((x, i) => {
        try {
          return item.fromJson(x)
        } catch (err) {
          throw within(err, `[${i}]`)
        }
      })
    },
    emitSize(c, v, path) {
      const capped = max === undefined ? '' : ` || ${v}.length > ${max}`
      emitCheck(c, `!Array.isArray(${v})${capped}`, v, path, check)
      c.line(`n += 8;`)
      const i = c.local('i')
      const x = c.local('e')
      c.line(`for (let ${i} = 0; ${i} < ${v}.length; ${i}++) {`)
      c.line(`const ${x} = ${v}[${i}];`)
      item.emitSize(c, x, path.index(i))
      c.line('}')
    },
    emitWrite(c, v) {
      const i = c.local('i')
      c.line(`${c.constant(writeLength)}(out, p, ${v}.length); p += 8;`)
      const x = c.local('e')
      c.line(`for (let ${i} = 0; ${i} < ${v}.length; ${i}++) {`)
      c.line(`const ${x} = ${v}[${i}];`)
      item.emitWrite(c, x)
      c.line('}')
    },
    emitRead(c) {
      const n = emitCount(c, item.minSize, max, 'Vec', 'items')
      const v = c.local('l')
      const i = c.local('i')
      c.line(`const ${v} = new Array(${n});`)
      c.line(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`)
      c.line(`${v}[${i}] = ${item.emitRead(c)};`)
      c.line('}')
      return v
    },
  }
}

/** `Option<T>`: tag 0 (None, `null`) or 1 (Some) then T. */
export function option<T>(inner: Schema<T>): Schema<T | null> {
  return {
    minSize: 1,
    toJson: (v) => (v === null ? null : inner.toJson(v)),
    fromJson: (json) => (json === null ? null : inner.fromJson(json)),
    emitSize(c, v, path) {
      c.line(`n += 1;`)
      c.line(`if (${v} !== null) {`)
      inner.emitSize(c, v, path)
      c.line('}')
    },
    emitWrite(c, v) {
      c.line(`if (${v} === null) {`)
      c.line('out[p++] = 0;')
      c.line('} else {')
      c.line('out[p++] = 1;')
      inner.emitWrite(c, v)
      c.line('}')
    },
    emitRead(c) {
      const v = c.local('o')
      emitNeed(c, 1, 'Option tag')
      c.line(`let ${v} = null;`)
      c.line('if (b[p] === 1) {')
      c.line('p++;')
      c.line(`${v} = ${inner.emitRead(c)};`)
      c.line(`} else if (b[p] === 0) p++;`)
      c.line(`else throw ${c.constant(badOptionTag)}(p, b[p]);`)
      return v
    },
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

const checkObject = (v: unknown): void => {
  if (!isPlainObject(v)) throw invalid(`expected an object, got ${describe(v)}`)
}

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

  /** Emits the size code of every field of the object in `v` (already checked to be one). */
  emitSize(c: Code, v: string, path: Path): void {
    for (const f of this.fields) {
      const x = c.local('f')
      c.line(`const ${x} = ${v}[${Code.literal(f.key)}];`)
      f.schema.emitSize(c, x, path.field(f.key))
    }
  }

  emitWrite(c: Code, v: string): void {
    for (const f of this.fields) {
      const x = c.local('f')
      c.line(`const ${x} = ${v}[${Code.literal(f.key)}];`)
      f.schema.emitWrite(c, x)
    }
  }

  /**
   * Emits the reads of every field, then one object literal (so every decoded
   * value of the type shares one hidden class); returns its variable.
   * `head` is source for leading properties (an enum's `type`).
   */
  emitRead(c: Code, head = ''): string {
    const values = this.fields.map((f) => `${Code.literal(f.key)}: ${f.schema.emitRead(c)}`)
    const v = c.local('r')
    c.line(`const ${v} = { ${[head, ...values].filter((x) => x !== '').join(', ')} };`)
    return v
  }

  toJson(v: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const f of this.fields) out[f.json] = f.schema.toJson(v[f.key])
    return out
  }

  fromJsonInto(json: unknown, out: Record<string, unknown>): void {
    checkObject(json)
    const object = json as Record<string, unknown>
    const known = new Set(this.fields.map((f) => f.json))
    for (const key of Object.keys(object)) {
      if (!known.has(key)) throw new InvalidValueError(`$.${key}`, 'unknown field')
    }
    for (const f of this.fields) {
      if (!(f.json in object)) throw new InvalidValueError(`$.${f.json}`, 'missing field')
      try {
        out[f.key] = f.schema.fromJson(object[f.json])
      } catch (err) {
        throw within(err, `.${f.json}`)
      }
    }
  }
}

const notObject = (v: string) => `typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})`

/** A struct: its fields in declaration order, nothing else. */
export function struct<T extends object>(fields: Fields<T>): Schema<T> {
  const list = new FieldList(fields as Readonly<Record<string, Schema<unknown>>>)
  type Obj = Record<string, unknown>
  return {
    minSize: list.minSize,
    toJson: (v) => list.toJson(v as Obj),
    fromJson(json) {
      const out: Obj = {}
      list.fromJsonInto(json, out)
      return out as T
    },
    emitSize(c, v, path) {
      emitCheck(c, notObject(v), v, path, checkObject)
      list.emitSize(c, v, path)
    },
    emitWrite: (c, v) => list.emitWrite(c, v),
    emitRead: (c) => list.emitRead(c),
  }
}

// ---- enums ----------------------------------------------------------------

/** An enum of unit variants only, as a string union. Wire: u32 index; JSON: `"Name"`. */
export function unitEnum<T extends string>(name: string, variants: readonly T[]): Schema<T> {
  const known = new Set<unknown>(variants)
  const check = (v: unknown): T => {
    if (!known.has(v))
      throw invalid(`expected one of ${variants.join(', ')} (${name}), got ${describe(v)}`)
    return v as T
  }
  const literals = variants.map(Code.literal)
  return {
    minSize: 4,
    toJson: (v) => v,
    fromJson: check,
    emitSize(c, v, path) {
      emitCheck(c, literals.map((l) => `${v} !== ${l}`).join(' && '), v, path, check)
      c.line('n += 4;')
    },
    emitWrite(c, v) {
      // Variant lists are short: a chain of string compares beats a Map lookup.
      const index = c.local('t')
      const chain = literals.slice(0, -1).map((l, i) => `${v} === ${l} ? ${i} : `)
      c.line(`const ${index} = ${chain.join('')}${literals.length - 1};`)
      emitWriteU32(c, index)
    },
    emitRead(c) {
      const tag = emitTag(c, variants.length, name)
      return `${c.constant(variants)}[${tag}]`
    },
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
    ([type, fields], index) => ({
      type,
      index,
      literal: Code.literal(type),
      fields: new FieldList(fields),
    }),
  )
  const byType = new Map(list.map((v) => [v.type, v]))
  const variantOf = (type: unknown) => {
    const v = byType.get(type as string)
    if (v === undefined) throw invalid(`expected a ${name} variant, got ${describe(type)}`)
    return v
  }
  const check = (v: unknown) => {
    checkObject(v)
    variantOf((v as Obj).type)
  }
  type Obj = Record<string, unknown>
  return {
    minSize: 4 + Math.min(...list.map((v) => v.fields.minSize)),
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
    emitSize(c, v, path) {
      emitCheck(c, notObject(v), v, path, check)
      c.line(`switch (${v}.type) {`)
      for (const variant of list) {
        c.line(`case ${variant.literal}: {`)
        variant.fields.emitSize(c, v, path)
        c.line('break; }')
      }
      c.line(
        `default: throw ${c.constant(invalidAt)}(${path.expression()}, ${c.constant(check)}, ${v});`,
      )
      c.line('}')
      c.line('n += 4;')
    },
    emitWrite(c, v) {
      c.line(`switch (${v}.type) {`)
      for (const variant of list) {
        c.line(`case ${variant.literal}: {`)
        emitWriteU32(c, String(variant.index))
        variant.fields.emitWrite(c, v)
        c.line('break; }')
      }
      c.line('}')
    },
    emitRead(c) {
      const tag = emitTag(c, list.length, name)
      const v = c.local('r')
      c.line(`let ${v};`)
      c.line(`switch (${tag}) {`)
      for (const variant of list) {
        c.line(`case ${variant.index}: {`)
        c.line(`${v} = ${variant.fields.emitRead(c, `type: ${variant.literal}`)};`)
        c.line('break; }')
      }
      c.line('}')
      return v
    },
  }
}
