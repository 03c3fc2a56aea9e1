// The Rust bincode 1.3.3 vectors (copied from the shared spec into fixtures/).
import { readFileSync } from 'node:fs'
import type { CodecErrorCode, WireTypeName } from '../src/index.js'

export interface ValidVector {
  name: string
  type: WireTypeName
  value: unknown
  hex: string
  limit?: number
}

export interface InvalidVector {
  name: string
  type: WireTypeName
  /** The expected error code (the spec's fixture calls it `kind`). */
  kind: CodecErrorCode
  limit: number
  hex: string
  rust_error: string
}

export const vectors = JSON.parse(
  readFileSync(new URL('./fixtures/wire-vectors.json', import.meta.url), 'utf8'),
) as { valid: ValidVector[]; invalid: InvalidVector[] }
