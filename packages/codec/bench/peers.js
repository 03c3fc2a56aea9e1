// The codecs measured beside @paraloom/codec, each on the same layout:
// npm `borsh` 2.x (schema objects) and `@coral-xyz/borsh` (buffer-layout),
// which both write Borsh (u8 enum tags, u32 lengths: the Borsh twin of our
// bincode), and JSON.stringify/parse of the canonical JSON.
import * as coral from '@coral-xyz/borsh'
import * as borsh from 'borsh'
import { OURS, OURS_REUSED } from './lines.js'

const bytes = (len) => ({ array: { type: 'u8', len } })

const borshSchemas = {
  Vote: {
    struct: {
      network: 'u8',
      height: 'u64',
      round: 'u32',
      kind: 'u8',
      block_hash: { option: bytes(32) },
      voter: bytes(32),
      signature: bytes(64),
    },
  },
  BlockProposal: {
    struct: {
      header: {
        struct: {
          network: 'u8',
          height: 'u64',
          round: 'u32',
          parent_hash: bytes(32),
          state_root: bytes(32),
          tx_root: bytes(32),
          proposer: bytes(32),
          timestamp_ms: 'i64',
        },
      },
      transactions: { array: { type: { array: { type: 'u8' } } } },
      signature: bytes(64),
    },
  },
}

const coralBytes = (len, name) => coral.array(coral.u8(), len, name)

const coralLayouts = {
  Vote: coral.struct([
    coral.u8('network'),
    coral.u64('height'),
    coral.u32('round'),
    coral.u8('kind'),
    coral.option(coralBytes(32), 'block_hash'),
    coralBytes(32, 'voter'),
    coralBytes(64, 'signature'),
  ]),
  BlockProposal: coral.struct([
    coral.struct(
      [
        coral.u8('network'),
        coral.u64('height'),
        coral.u32('round'),
        coralBytes(32, 'parent_hash'),
        coralBytes(32, 'state_root'),
        coralBytes(32, 'tx_root'),
        coralBytes(32, 'proposer'),
        coral.i64('timestamp_ms'),
      ],
      'header',
    ),
    coral.vec(coral.vecU8(), 'transactions'),
    coralBytes(64, 'signature'),
  ]),
}

const NETWORK_INDEX = { Mainnet: 0, Devnet: 1, Testnet: 2, Localnet: 3 }
const VOTE_KIND_INDEX = { Prevote: 0, Precommit: 1 }

/** A workload value in the shape npm `borsh` takes: snake_case, enum indices. */
function borshValue(name, v) {
  if (name === 'Vote') {
    return {
      network: NETWORK_INDEX[v.network],
      height: v.height,
      round: v.round,
      kind: VOTE_KIND_INDEX[v.kind],
      block_hash: v.blockHash,
      voter: v.voter,
      signature: v.signature,
    }
  }
  const h = v.header
  return {
    header: {
      network: NETWORK_INDEX[h.network],
      height: h.height,
      round: h.round,
      parent_hash: h.parentHash,
      state_root: h.stateRoot,
      tx_root: h.txRoot,
      proposer: h.proposer,
      timestamp_ms: h.timestampMs,
    },
    transactions: v.transactions,
    signature: v.signature,
  }
}

/**
 * The peers of one workload, each with `encode()` and `decode()` closures
 * over its own pre-built input and the byte length of its encoding.
 * Throws if the two Borsh libraries disagree on the bytes (then they would
 * not be measuring the same layout).
 */
export function peersFor(workload) {
  const { name, type, value, bytes: ours } = workload
  const schema = borshSchemas[name]
  const borshInput = borshValue(name, value)
  const borshBytes = borsh.serialize(schema, borshInput)
  const layout = coralLayouts[name]
  const coralInput = Buffer.from(borshBytes)
  // coral takes bn.js numbers; decoding the Borsh bytes yields its own value shape.
  const coralValue = layout.decode(coralInput)
  // buffer-layout cannot size a variable-length value up front; give it the
  // exact length (its best case) rather than a guessed upper bound.
  const coralEncode = () => {
    const out = Buffer.alloc(coralInput.length)
    layout.encode(coralValue, out)
    return out
  }
  if (!coralEncode().equals(coralInput)) {
    throw new Error(`${name}: @coral-xyz/borsh and borsh disagree on the Borsh bytes`)
  }
  const json = type.toJson(value)
  const jsonText = JSON.stringify(json)
  const reused = new Uint8Array(ours.length)
  return [
    {
      peer: OURS,
      size: ours.length,
      encode: () => type.encode(value),
      decode: () => type.decode(ours),
    },
    {
      // The codec without allocating the output (encodeInto a buffer kept
      // across calls) and without copying hashes and keys (views): how much
      // of the default path is allocation.
      peer: OURS_REUSED,
      size: ours.length,
      encode: () => type.encodeInto(value, reused),
      decode: () => type.decode(ours, { fixedBytes: 'view' }),
    },
    {
      peer: 'borsh',
      size: borshBytes.length,
      encode: () => borsh.serialize(schema, borshInput),
      decode: () => borsh.deserialize(schema, borshBytes),
    },
    {
      peer: '@coral-xyz/borsh',
      size: coralInput.length,
      encode: coralEncode,
      decode: () => layout.decode(coralInput),
    },
    {
      peer: 'JSON (canonical)',
      size: Buffer.byteLength(jsonText),
      encode: () => JSON.stringify(json),
      decode: () => JSON.parse(jsonText),
    },
  ]
}
