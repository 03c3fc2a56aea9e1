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
