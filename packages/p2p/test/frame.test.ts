// The request/response frame decoder at its boundaries: at the cap passes,
// one byte over fails from the prefix alone, incomplete vs malformed prefixes.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { encodeFrame, encodeVarint, FrameDecoder, MAX_VARINT_BYTES } from '../src/reqresp/frame.js'

const CAP = 1000

const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
    return undefined
  } catch (err) {
    return (err as { code?: string }).code
  }
}

describe('FrameDecoder', () => {
  it('decodes a frame exactly at the cap', () => {
    const body = new Uint8Array(CAP).fill(9)
    expect(new FrameDecoder(CAP).push(encodeFrame(body))).toEqual(body)
  })

  it('rejects one byte over the cap from the length prefix alone, before any body byte', () => {
    expect(code(() => new FrameDecoder(CAP).push(encodeVarint(CAP + 1)))).toBe('TooLarge')
  })

  it('rejects a huge declared length from its first prefix bytes', () => {
    const decoder = new FrameDecoder(CAP)
    // 0xff 0xff ...: the partial value is already over the cap after two bytes.
    expect(decoder.push(Uint8Array.of(0xff))).toBeUndefined()
    expect(code(() => decoder.push(Uint8Array.of(0xff)))).toBe('TooLarge')
  })

  it('keeps an incomplete prefix apart from a malformed one', () => {
    const incomplete = new FrameDecoder(CAP)
    expect(incomplete.push(Uint8Array.of(0x80))).toBeUndefined()
    expect(code(() => incomplete.end())).toBe('Malformed')

    const tooLong = new FrameDecoder(CAP)
    expect(code(() => tooLong.push(new Uint8Array(MAX_VARINT_BYTES + 1).fill(0x80)))).toBe(
      'Malformed',
    )
    const tenBytes = new FrameDecoder(CAP)
    expect(tenBytes.push(new Uint8Array(MAX_VARINT_BYTES - 1).fill(0x80))).toBeUndefined()
  })

  it('rejects a non-minimal prefix', () => {
    expect(code(() => new FrameDecoder(CAP).push(Uint8Array.of(0x85, 0x00)))).toBe('Malformed')
  })

  it('rejects a truncated body when the stream ends, and bytes after the frame', () => {
    const truncated = new FrameDecoder(CAP)
    expect(truncated.push(encodeFrame(new Uint8Array(10)).subarray(0, 8))).toBeUndefined()
    expect(code(() => truncated.end())).toBe('Malformed')
    const trailing = Uint8Array.of(...encodeFrame(new Uint8Array(3)), 1)
    expect(code(() => new FrameDecoder(CAP).push(trailing))).toBe('Malformed')
  })

  it("says 'empty' when the stream ends before any byte, and accepts a zero-length frame", () => {
    expect(new FrameDecoder(CAP).end()).toBe('empty')
    expect(new FrameDecoder(CAP).push(Uint8Array.of(0))).toEqual(new Uint8Array(0))
  })

  it('decodes any frame within the cap however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: CAP }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (body, cuts) => {
          const frame = encodeFrame(body)
          const points = [...new Set(cuts.map((c) => c % (frame.length + 1)))].sort((a, b) => a - b)
          const decoder = new FrameDecoder(CAP)
          let out: Uint8Array | undefined
          let start = 0
          for (const point of [...points, frame.length]) {
            const chunk = frame.subarray(start, point)
            start = point
            if (chunk.length > 0) out = decoder.push(chunk) ?? out
          }
          expect(out).toEqual(body)
        },
      ),
    )
  })

  it('never throws anything but TooLarge or Malformed on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (garbage) => {
        const result = code(() => {
          const decoder = new FrameDecoder(CAP)
          if (decoder.push(garbage) == null) decoder.end()
        })
        expect([undefined, 'TooLarge', 'Malformed']).toContain(result)
      }),
    )
  })
})

describe('encodeVarint', () => {
  it('writes minimal unsigned varints', () => {
    expect(encodeVarint(0)).toEqual(Uint8Array.of(0))
    expect(encodeVarint(127)).toEqual(Uint8Array.of(0x7f))
    expect(encodeVarint(128)).toEqual(Uint8Array.of(0x80, 0x01))
    expect(encodeVarint(4 * 1024 * 1024)).toEqual(Uint8Array.of(0x80, 0x80, 0x80, 0x02))
    expect(() => encodeVarint(-1)).toThrow(RangeError)
  })
})
