import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { type WireType, type WireTypeName, wireTypes } from '../src/index.js'
import { arbitraries } from './arbitraries.js'

const names = Object.keys(wireTypes) as WireTypeName[]

describe.each(names)('%s round trips', (name) => {
  const type: WireType<unknown> = wireTypes[name]
  const arbitrary = arbitraries[name]

  it('decode(encode(v)) equals v', () => {
    fc.assert(
      fc.property(arbitrary, (value) => {
        expect(type.decode(type.encode(value), { maxBytes: 1 << 24 })).toEqual(value)
      }),
      { numRuns: 200 },
    )
  })

  it('views decode to the same value, and encodeInto at any offset writes the bytes of encode', () => {
    fc.assert(
      fc.property(arbitrary, fc.nat({ max: 9 }), (value, offset) => {
        const bytes = type.encode(value)
        expect(type.encodedSize(value)).toBe(bytes.length)
        expect(type.decode(bytes, { maxBytes: 1 << 24, fixedBytes: 'view' })).toEqual(value)
        const buffer = new Uint8Array(offset + bytes.length)
        expect(type.encodeInto(value, buffer, offset)).toBe(bytes.length)
        expect(buffer.subarray(offset)).toEqual(bytes)
      }),
      { numRuns: 100 },
    )
  })

  it('fromJson(JSON of toJson(v)) equals v and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(arbitrary, (value) => {
        const json = JSON.parse(JSON.stringify(type.toJson(value)))
        const back = type.fromJson(json)
        expect(back).toEqual(value)
        expect(type.encode(back)).toEqual(type.encode(value))
      }),
      { numRuns: 200 },
    )
  })
})
