import { describe, expect, it } from '@jest/globals'
import { CodecError, fromHex, toHex, type WireType, wireTypes } from '../src/index.js'
import { vectors } from './vectors.js'

const typeOf = (name: keyof typeof wireTypes): WireType<unknown> => wireTypes[name]

describe('Rust bincode vectors', () => {
  it('has vectors for every wire type', () => {
    const covered = new Set(vectors.valid.map((v) => v.type))
    expect([...covered].sort()).toEqual(Object.keys(wireTypes).sort())
  })

  describe.each(vectors.valid.map((v) => [v.name, v] as const))('valid %s', (_name, v) => {
    const type = typeOf(v.type)
    const options = v.limit === undefined ? undefined : { maxBytes: v.limit }

    it('decodes to the canonical JSON', () => {
      const value = type.decode(fromHex(v.hex), options)
      expect(JSON.parse(JSON.stringify(type.toJson(value)))).toEqual(v.value)
    })

    it('encodes the canonical JSON to the Rust bytes', () => {
      expect(toHex(type.encode(type.fromJson(v.value)))).toBe(v.hex)
    })
  })

  describe.each(vectors.invalid.map((v) => [v.name, v] as const))('invalid %s', (_name, v) => {
    it(`fails with ${v.kind}`, () => {
      const type = typeOf(v.type)
      let caught: unknown
      try {
        type.decode(fromHex(v.hex), { maxBytes: v.limit })
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(CodecError)
      expect((caught as CodecError).code).toBe(v.kind)
      expect((caught as CodecError).name).toBe('CodecError')
    })
  })
})
