/**
 * Output buffers for `encode`. Allocating an ArrayBuffer per call is most of
 * the cost of encoding a small value in V8 (an off-heap allocation, zeroed,
 * tracked by the GC): 300 ns for 149 bytes, where the whole encode takes
 * about 100. So small encodings are carved from shared slabs, as Node's
 * `Buffer.allocUnsafe` does with its pool: a slab of 8 KiB serves outputs of
 * up to 4 KiB, and a kept output keeps at most its 8 KiB slab alive. Larger
 * outputs get their own buffer, unzeroed because the encoder writes every
 * byte (wire-type.ts checks that it wrote exactly the size it computed).
 *
 * Either way the result is a plain `Uint8Array` of exactly the encoded
 * length; its `buffer` may hold other outputs, so use `byteOffset` and
 * `byteLength` with it, as with any Node `Buffer`.
 */

const SLAB_BYTES = 8 * 1024
const POOLED_MAX = SLAB_BYTES >>> 1

let slab = new ArrayBuffer(SLAB_BYTES)
let used = 0

/** A fresh `Uint8Array` of `size` bytes for the encoder to fill completely. */
export function allocateOutput(size: number): Uint8Array {
  if (size > POOLED_MAX) return new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size)
  if (size > SLAB_BYTES - used) {
    slab = new ArrayBuffer(SLAB_BYTES)
    used = 0
  }
  const out = new Uint8Array(slab, used, size)
  // Keep the next output 8-byte aligned, as Node's pool does.
  used = (used + size + 7) & ~7
  return out
}
