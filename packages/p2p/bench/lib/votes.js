// Signed votes that carry their publish time: `height` is the publish time
// in µs since the epoch, so a receiver measures the latency from the vote
// alone; `round` names the trial, `blockHash` starts with a sequence number.
import { sign, Vote } from '@paraloom/codec'
import { nowMs } from './clock.js'

export function timedVote({ voter, seed, round, seq }) {
  const blockHash = new Uint8Array(32)
  new DataView(blockHash.buffer).setUint32(0, seq, true)
  return sign(
    Vote,
    {
      network: 'Localnet',
      height: BigInt(Math.round(nowMs() * 1000)),
      round,
      kind: 'Prevote',
      blockHash,
      voter,
      signature: new Uint8Array(64),
    },
    seed,
  )
}

/** Milliseconds since the vote was made. */
export const voteAgeMs = (vote) => nowMs() - Number(vote.height) / 1000
