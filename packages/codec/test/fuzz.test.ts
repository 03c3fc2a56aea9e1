// Throws random and mutated inputs at every decoder: the only thing that may
// come out is a value or a CodecError. Inputs are small, so a decoder that
// allocated from an unchecked length would run out of memory or time here.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { CodecError, type WireType, type WireTypeName, wireTypes } from '../src/index.js'
import { arbitraries } from './arbitraries.js'

const names = Object.keys(wireTypes) as WireTypeName[]

function decodesOrCodecError(type: WireType<unknown>, bytes: Uint8Array, maxBytes?: number): void {
  try {
    // Odd lengths view, even lengths copy: both decoders see garbage.
    const fixedBytes = bytes.length % 2 === 1 ? 'view' : 'copy'
    type.decode(bytes, maxBytes === undefined ? undefined : { maxBytes, fixedBytes })
  } catch (err) {
    if (!(err instanceof CodecError)) throw err
    expect(Number.isInteger(err.offset) && err.offset >= 0).toBe(true)
    expect(err.offset).toBeLessThanOrEqual(Math.max(bytes.length, maxBytes ?? 0))
  }
}

/** A valid encoding with bytes overwritten, inserted, deleted or cut off. */
function mutated(type: WireType<unknown>, valid: fc.Arbitrary<unknown>): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({
    at: fc.nat(),
    op: fc.constantFrom('set', 'insert', 'delete', 'truncate', 'set-u64-max'),
    byte: fc.nat({ max: 255 }),
  })
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([value, edits]) => {
    let bytes = Array.from(type.encode(value))
    for (const { at, op, byte } of edits) {
      const i = bytes.length === 0 ? 0 : at % bytes.length
      if (op === 'set') bytes[i] = byte
      else if (op === 'insert') bytes.splice(i, 0, byte)
      else if (op === 'delete') bytes.splice(i, 1)
      else if (op === 'truncate') bytes = bytes.slice(0, i)
      // Plant a length or count of 2^64-1 wherever a prefix might be.
      else bytes.splice(i, 8, 255, 255, 255, 255, 255, 255, 255, 255)
    }
    return Uint8Array.from(bytes)
  })
}

describe.each(names)('%s decoder under fuzzing', (name) => {
  const type: WireType<unknown> = wireTypes[name]

  it('random bytes give a value or a CodecError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => decodesOrCodecError(type, bytes)),
      { numRuns: 500 },
    )
  })

  it('mutated valid encodings give a value or a CodecError', () => {
    fc.assert(
      fc.property(
        mutated(type, arbitraries[name]),
        fc.option(fc.nat({ max: 4096 })),
        (bytes, cap) => decodesOrCodecError(type, bytes, cap ?? 1 << 24),
      ),
      { numRuns: 500 },
    )
  })
})
