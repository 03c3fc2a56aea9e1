// Decodes 10,000 ValidatorAccount blobs with @paraloom/registry's bounded
// decoder and with @coral-xyz/borsh on the same layout, in the same run.
// Prints one JSON line per decoder, then a markdown table. Run after build.
import { randomBytes } from 'node:crypto'
import * as borsh from '@coral-xyz/borsh'
import { decodeValidatorAccount, encodeValidatorAccount } from '../dist/index.js'

const ACCOUNTS = 10_000
const WARMUP_ROUNDS = 3
const ROUNDS = 10

const blobs = Array.from({ length: ACCOUNTS }, (_, i) =>
  encodeValidatorAccount(
    {
      identity: new Uint8Array(randomBytes(32)),
      network: 'devnet',
      isActive: true,
      stakeAmount: BigInt(i) * 1_000_000n,
      reputationScore: BigInt(i),
      registeredAt: 1_700_000_000n,
      lastActive: 1_700_000_000n + BigInt(i),
      bump: 255,
      multiaddrs: [`/ip4/10.0.${i >> 8}.${i & 255}/tcp/9001`, `/dns4/v${i}.example.org/tcp/9001`],
    },
    { space: 607 },
  ),
)
const buffers = blobs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))

const coralLayout = borsh.struct([
  borsh.array(borsh.u8(), 8, 'discriminator'),
  borsh.array(borsh.u8(), 32, 'identity'),
  borsh.u8('network'),
  borsh.bool('isActive'),
  borsh.u64('stakeAmount'),
  borsh.u64('reputationScore'),
  borsh.i64('registeredAt'),
  borsh.i64('lastActive'),
  borsh.u8('bump'),
  borsh.vec(borsh.str(), 'multiaddrs'),
])

const decoders = {
  '@paraloom/registry': () => {
    for (const b of blobs) decodeValidatorAccount(b)
  },
  '@coral-xyz/borsh': () => {
    for (const b of buffers) coralLayout.decode(b)
  },
}

const results = []
for (const [name, run] of Object.entries(decoders)) {
  for (let i = 0; i < WARMUP_ROUNDS; i++) run()
  const timesMs = []
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint()
    run()
    timesMs.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  timesMs.sort((a, b) => a - b)
  const medianMs = timesMs[Math.floor(ROUNDS / 2)]
  const result = {
    bench: 'decode-validator-accounts',
    decoder: name,
    accounts: ACCOUNTS,
    rounds: ROUNDS,
    medianMs: Number(medianMs.toFixed(3)),
    minMs: Number(timesMs[0].toFixed(3)),
    accountsPerSec: Math.round(ACCOUNTS / (medianMs / 1000)),
  }
  results.push(result)
  console.log(JSON.stringify(result))
}

console.log('\n| decoder | median ms / 10k | min ms | accounts/s |\n|---|---|---|---|')
for (const r of results) {
  console.log(
    `| ${r.decoder} | ${r.medianMs} | ${r.minMs} | ${r.accountsPerSec.toLocaleString('en-US')} |`,
  )
}
