// The code generator: names from schema definitions cannot change the
// generated code, and definitions with a bad length or cap are refused.
import { describe, expect, it } from '@jest/globals'
import { compile } from '../src/compile.js'
import { bytes, fixedBytes, string, struct, taggedEnum, u8, unitEnum, vec } from '../src/schema.js'

describe('generated code', () => {
  it('treats field and variant names as data, whatever characters they hold', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a name that would break out of a template literal, on purpose
    const odd = 'x"];globalThis.__h18=1;//\n`${1}`\\'
    type Odd = { [odd]: number; kind: string; outcome: { type: string } }
    const schema = struct<Odd>({
      [odd]: u8,
      kind: unitEnum('Kind', ['a"b', "c'd\n"]),
      outcome: taggedEnum<{ type: string }>('Outcome', { [odd]: {} } as never),
    } as never)
    const type = compile<Odd>(schema, 'Odd"); throw 1; //', 64)
    const value = { [odd]: 7, kind: "c'd\n", outcome: { type: odd } } as Odd
    const bytes = type.encode(value)
    expect([...bytes]).toEqual([7, 1, 0, 0, 0, 0, 0, 0, 0])
    expect(type.decode(bytes)).toEqual(value)
    expect((globalThis as Record<string, unknown>).__h18).toBeUndefined()
    expect(() => type.decode(Uint8Array.from([7, 1, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(
      /after the Odd"\); throw 1; \/\//,
    )
  })

  it('refuses lengths and caps that are not non-negative integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, '3; evil()' as unknown as number]) {
      expect(() => fixedBytes(bad)).toThrow(TypeError)
      expect(() => bytes({ max: bad })).toThrow(TypeError)
      expect(() => string({ maxBytes: bad })).toThrow(TypeError)
      expect(() => vec(u8, { max: bad })).toThrow(TypeError)
    }
  })
})
