/**
 * Compiles a schema (schema.ts) once, when its wire type is defined, into
 * specialised functions: `size` (checks the value and returns its exact
 * encoded length), `encode` and `encodeInto` (the same checks, then the
 * writes) and `decode` (the size cap, then the bounded reader). Every nested struct, option, enum and vec item is
 * inlined, so a call does no per-field dispatch and allocates nothing but
 * the result, as protobufjs and avsc do.
 *
 * Why `new Function`: straight-line code per type is what lets V8 give each
 * decoded object one hidden class and keep every read in registers; a tree of
 * closures measured slower (docs/perf/codec.md). It is safe because nothing
 * from the input or the values is ever spliced into the source: only our own
 * schema definitions are, and of those only integers checked at definition
 * time (lengths, caps) and strings (field names, variant names) that enter
 * the source as `JSON.stringify` literals. Everything else the code needs
 * (variant lists, check functions, error helpers, the type's name) is passed
 * in as bound constants, not as source.
 *
 * Conventions of the generated code: the decoder reads `b` (the input),
 * `len` (its length), `ab` and `off` (its buffer and byte offset), `p` (the
 * position) and `copy` (copy fixed-size byte arrays instead of viewing them); the size function adds to `n`; the writer
 * writes into `out` at `p`.
 */
import { CodecError, InvalidValueError } from './errors.js'
import { allocateOutput } from './output.js'
import type { DecodeOptions } from './wire-type.js'

/** The source of one generated function, with the constants it sees. */
export class Code {
  private readonly body: string[] = []
  private readonly constants = new Map<unknown, string>()
  private locals = 0

  /** A fresh local variable name. */
  local(prefix: string): string {
    return `${prefix}${this.locals++}`
  }

  /** The name under which the generated code sees `value` (bound once, not spliced in). */
  constant(value: unknown): string {
    let name = this.constants.get(value)
    if (name === undefined) {
      // Named after the function where there is one, for whoever reads the generated source.
      const hint = typeof value === 'function' && /^\w+$/.test(value.name) ? value.name : 'k'
      name = `${hint}_${this.constants.size}`
      this.constants.set(value, name)
    }
    return name
  }

  /** A string literal (`JSON.stringify` quotes and escapes any string safely). */
  static literal(text: string): string {
    return JSON.stringify(text)
  }

  line(source: string): void {
    this.body.push(source)
  }

  /** Builds `function (params) { body }` with the constants bound as closure variables. */
  build<F>(params: string, prologue: string, epilogue: string): F {
    const values = [...this.constants.keys()]
    const names = [...this.constants.values()]
    const source = [
      `"use strict";`,
      ...names.map((name, i) => `const ${name} = constants[${i}];`),
      `return function (${params}) {`,
      prologue,
      ...this.body,
      epilogue,
      `};`,
    ].join('\n')
    return new Function('constants', source)(values) as F
  }
}

/** A piece of a {@link Path}: fixed text, or the name of a loop variable. */
type PathPart = { readonly text: string } | { readonly variable: string }

/**
 * Where a value sits inside the encoded value, as a JS expression the
 * generated code evaluates only on error: e.g. `"$.blocks[" + i3 + "].header"`.
 */
export class Path {
  static readonly root = new Path([{ text: '$' }])

  private constructor(private readonly parts: readonly PathPart[]) {}

  /** `.key` appended. */
  field(key: string): Path {
    return this.append(`.${key}`)
  }

  /** `[i]` appended, `i` being the name of a loop variable of the generated code. */
  index(variable: string): Path {
    return new Path([...this.append('[').parts, { variable }, { text: ']' }])
  }

  /** The JS expression. */
  expression(): string {
    return this.parts.map((p) => ('text' in p ? Code.literal(p.text) : p.variable)).join(' + ')
  }

  private append(text: string): Path {
    const last = this.parts[this.parts.length - 1]
    if (last !== undefined && 'text' in last) {
      return new Path([...this.parts.slice(0, -1), { text: last.text + text }])
    }
    return new Path([...this.parts, { text }])
  }
}

// ---- helpers the generated code calls (bound as constants) ----------------

const TWO_POW_32 = 4294967296
/** Largest `hi` word of a u64 whose value still fits a double exactly (2^53). */
const SAFE_HI = 0x200000

/** `Truncated` at `at`: `what` needs `need` bytes where `remain` are left. */
export function truncated(at: number, need: number, remain: number, what: string): CodecError {
  return new CodecError('Truncated', at, `${what} needs ${need} bytes, ${remain} remain`)
}

/** The error of a length or count prefix that fails its check (wire.md rules 2 and 4). */
export function badCount(
  at: number,
  lo: number,
  hi: number,
  itemBytes: number,
  remain: number,
  max: number,
  what: string,
  unit: string,
): CodecError {
  if (hi !== 0 || lo * itemBytes > remain) {
    const declared = BigInt(hi) * BigInt(TWO_POW_32) + BigInt(lo)
    return new CodecError(
      'Truncated',
      at,
      `${what} declares ${declared} ${unit} of at least ${itemBytes} bytes, ${remain} bytes remain`,
    )
  }
  return new CodecError('TooLarge', at, `${what} declares ${lo} ${unit}, at most ${max} allowed`)
}

export function badTag(at: number, tag: number, count: number, what: string): CodecError {
  return new CodecError('InvalidTag', at, `${what} ${tag}, expected 0 <= i < ${count}`)
}

/** A u64 from its two little-endian words: one allocation while it fits 2^53. */
export function u64From(lo: number, hi: number): bigint {
  return hi < SAFE_HI ? BigInt(hi * TWO_POW_32 + lo) : (BigInt(hi) << 32n) | BigInt(lo)
}

/** An i64 from its two little-endian words. */
export function i64From(lo: number, hi: number): bigint {
  if (hi < SAFE_HI) return BigInt(hi * TWO_POW_32 + lo)
  if (hi >= TWO_POW_32 - SAFE_HI) return BigInt((hi - TWO_POW_32) * TWO_POW_32 + lo)
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo))
}

const scratch = new DataView(new ArrayBuffer(8))

/**
 * Writes a checked u64 or i64 little-endian at `p`: through a double while
 * it is exact (no allocation), through a scratch DataView otherwise.
 */
export function write64(out: Uint8Array, p: number, v: bigint): void {
  const n = Number(v)
  let lo: number
  let hi: number
  if (Number.isSafeInteger(n)) {
    lo = n >>> 0
    hi = ((n - lo) / TWO_POW_32) >>> 0
  } else {
    scratch.setBigUint64(0, BigInt.asUintN(64, v), true)
    lo = scratch.getUint32(0, true)
    hi = scratch.getUint32(4, true)
  }
  writeWords(out, p, lo, hi)
}

/** A u64 length prefix; lengths here always fit a double. */
export function writeLength(out: Uint8Array, p: number, n: number): void {
  const lo = n >>> 0
  writeWords(out, p, lo, (n - lo) / TWO_POW_32)
}

function writeWords(out: Uint8Array, p: number, lo: number, hi: number): void {
  out[p] = lo
  out[p + 1] = lo >>> 8
  out[p + 2] = lo >>> 16
  out[p + 3] = lo >>> 24
  out[p + 4] = hi
  out[p + 5] = hi >>> 8
  out[p + 6] = hi >>> 16
  out[p + 7] = hi >>> 24
}

/**
 * The error for a value the generated size function rejected: runs the
 * schema's own check (which words the reason) and puts `path` in front.
 */
export function invalidAt(path: string, check: (v: unknown) => unknown, v: unknown): Error {
  try {
    check(v)
  } catch (err) {
    if (err instanceof InvalidValueError) {
      return new InvalidValueError(`${path}${err.path.slice(1)}`, err.reason)
    }
    return err as Error
  }
  return new InvalidValueError(path, 'value does not fit the type')
}

const { slice } = Uint8Array.prototype

/**
 * A copy of `n` bytes of `b` at `p`. Arrays of up to 64 bytes (every
 * fixed-size array of the wire types) live on V8's heap, so a copy costs
 * about what a view does (docs/perf/codec.md).
 */
export function copyBytes(b: Uint8Array, p: number, n: number): Uint8Array {
  return slice.call(b, p, p + n)
}

/**
 * The source of a view of `n` bytes at `p`, aliasing the input (no copy).
 * The constructor on the input's buffer measured twice as fast as
 * `subarray` (docs/perf/codec.md) and always gives a plain `Uint8Array`,
 * also for a Node `Buffer` input. The `buffer` getter is a call V8 does not
 * fold, so the decoder reads it once, at the first view (`ab`), and not at
 * all when it copies.
 */
export function viewSource(n: string): string {
  return `new Uint8Array((ab ??= b.buffer), off + p, ${n})`
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()

/** The string in `n` bytes of `b` at `p`; `InvalidUtf8` at `p` if they are not UTF-8. */
export function utf8Bytes(b: Uint8Array, p: number, n: number): string {
  try {
    return utf8Decoder.decode(b.subarray(p, p + n))
  } catch {
    throw new CodecError('InvalidUtf8', p, `String of ${n} bytes is not valid UTF-8`)
  }
}

/** Writes a checked string as its u64 byte length then UTF-8 at `p`; returns the end. */
export function writeUtf8(out: Uint8Array, p: number, v: string): number {
  const { written } = utf8Encoder.encodeInto(v, out.subarray(p + 8))
  writeLength(out, p, written)
  return p + 8 + written
}

// ---- entry points ---------------------------------------------------------

function trailing(at: number, length: number, name: string): CodecError {
  return new CodecError('TrailingBytes', at, `${length - at} bytes after the ${name}`)
}

/** wire.md rule 1: an input over the size cap, rejected before any decoding. */
function tooLarge(cap: number, length: number, name: string): CodecError {
  return new CodecError('TooLarge', cap, `${name} input is ${length} bytes, cap is ${cap}`)
}

/** The size cap of `options`, `fallback` when it names none. */
function capOf(options: DecodeOptions, fallback: number): number {
  const { maxBytes } = options
  if (maxBytes === undefined) return fallback
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new InvalidValueError(
      '$options.maxBytes',
      `expected a non-negative integer, got ${maxBytes}`,
    )
  }
  return maxBytes
}

/** Whether `options` has fixed-size byte arrays copied (the default) or viewed. */
function copiesOf(options: DecodeOptions): boolean {
  const { fixedBytes } = options
  if (fixedBytes === undefined || fixedBytes === 'copy') return true
  if (fixedBytes === 'view') return false
  throw new InvalidValueError(
    '$options.fixedBytes',
    `expected 'copy' or 'view', got ${String(fixedBytes)}`,
  )
}

/** Checks where `encodeInto` may write `size` bytes; returns the offset. */
function checkRoom(name: string, buffer: Uint8Array, offset: unknown, size: number): number {
  if (!(buffer instanceof Uint8Array)) {
    throw new TypeError(`${name}.encodeInto: expected a Uint8Array to write into`)
  }
  if (
    !Number.isSafeInteger(offset) ||
    (offset as number) < 0 ||
    (offset as number) > buffer.length
  ) {
    throw new RangeError(
      `${name}.encodeInto: offset ${offset} is outside the buffer of ${buffer.length} bytes`,
    )
  }
  const at = offset as number
  if (size > buffer.length - at) {
    throw new RangeError(
      `${name}.encodeInto: the value needs ${size} bytes, ${buffer.length - at} remain after offset ${at}`,
    )
  }
  return at
}

/** The output may be unzeroed memory (output.ts): every byte must have been written. */
function changed(name: string, written: number, size: number): Error {
  return new Error(`${name}: wrote ${written} bytes of ${size}, the value changed while encoding`)
}

// ---- compiling a wire type ----------------------------------------------------

/** The specialised entry points of one wire type (see `WireType` for their contracts). */
export interface Compiled<T> {
  size(value: T): number
  encode(value: T): Uint8Array
  encodeInto(value: T, buffer: Uint8Array, offset?: number): number
  decode(bytes: Uint8Array, options?: DecodeOptions): T
}

/** The subset of a schema that compiling needs (schema.ts imports this module). */
export interface Emitter {
  emitSize(c: Code, v: string, path: Path): void
  emitWrite(c: Code, v: string): void
  emitRead(c: Code): string
}

/**
 * Generates the entry points of the wire type `name` (named in errors) with
 * default size cap `maxBytes`. Each is its own generated function, size
 * check and write fused, so no call on the hot path is shared between types
 * (a shared wrapper would see every type and make each call polymorphic).
 */
export function compile<T>(schema: Emitter, name: string, maxBytes: number): Compiled<T> {
  const size = new Code()
  schema.emitSize(size, 'value', Path.root)

  const encode = new Code()
  schema.emitSize(encode, 'value', Path.root)
  encode.line(`const out = ${encode.constant(allocateOutput)}(n);`)
  encode.line('let p = 0;')
  schema.emitWrite(encode, 'value')

  const encodeInto = new Code()
  schema.emitSize(encodeInto, 'value', Path.root)
  encodeInto.line(
    `const start = ${encodeInto.constant(checkRoom)}(${encodeInto.constant(name)}, out, offset, n);`,
  )
  encodeInto.line('let p = start;')
  schema.emitWrite(encodeInto, 'value')

  const decode = new Code()
  const value = schema.emitRead(decode)
  const nameOf = (c: Code) => c.constant(name)
  return {
    size: size.build('value', 'let n = 0;', 'return n;'),
    encode: encode.build(
      'value',
      'let n = 0;',
      `if (p !== n) throw ${encode.constant(changed)}(${nameOf(encode)}, p, n);\nreturn out;`,
    ),
    encodeInto: encodeInto.build(
      'value, out, offset = 0',
      'let n = 0;',
      `if (p !== start + n) throw ${encodeInto.constant(changed)}(${nameOf(encodeInto)}, p - start, n);\nreturn n;`,
    ),
    decode: decode.build(
      'b, options',
      [
        `let cap = ${maxBytes};`,
        'let copy = true;',
        'if (options !== undefined) {',
        `cap = ${decode.constant(capOf)}(options, cap);`,
        `copy = ${decode.constant(copiesOf)}(options);`,
        '}',
        `if (b.length > cap) throw ${decode.constant(tooLarge)}(cap, b.length, ${nameOf(decode)});`,
        'const len = b.length, off = b.byteOffset; let ab = null; let p = 0;',
      ].join('\n'),
      `if (p !== len) throw ${decode.constant(trailing)}(p, len, ${nameOf(decode)});\nreturn ${value};`,
    ),
  }
}
