// The Rust bincode vectors shipped with @paraloom/codec's tests.
import { readFileSync } from 'node:fs'

export interface Vector {
  name: string
  type: string
  value: unknown
  hex: string
  limit?: number
}

const file = new URL('../../../packages/codec/test/fixtures/wire-vectors.json', import.meta.url)
export const validVectors = (JSON.parse(readFileSync(file, 'utf8')) as { valid: Vector[] }).valid

export function vector(name: string): Vector {
  const v = validVectors.find((x) => x.name === name)
  if (v === undefined) throw new Error(`no vector ${name}`)
  return v
}
