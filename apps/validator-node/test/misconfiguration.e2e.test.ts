// A node that cannot take part in its network says so, loudly and on every
// registry refresh, answers /healthz with 503 and a reason, keeps running,
// and recovers by itself once the registry admits it. Real processes
// against the registry stand-in.
import { afterEach, describe, expect, it } from '@jest/globals'
import { solanaAddressFromPublicKey } from '@paraloom/p2p'
import { address, buildGenesisAccounts, type ValidatorSpec } from '@paraloom/registry'
import { LocalRpcStandIn } from '@paraloom/registry/stand-in'
import { eventually } from '@paraloom/test-utils'
import { generateKeypair } from '../src/keypair.js'
import { PROGRAM_ID } from './helpers/cluster.js'
import { healthz, type LoneValidator, startLoneValidator } from './helpers/lone-validator.js'

/** A valid address that owns no registry account on the stand-in. */
const OTHER_PROGRAM_ID = solanaAddressFromPublicKey(generateKeypair().publicKey)

const spec = (identity: Uint8Array): ValidatorSpec => ({
  identity,
  network: 'devnet',
  multiaddrs: ['/ip4/127.0.0.1/tcp/1'],
  stake: 1_000_000n,
})

let standIn: LocalRpcStandIn | undefined
let node: LoneValidator | undefined
afterEach(async () => {
  await node?.stop()
  await standIn?.stop()
  node = undefined
  standIn = undefined
})

async function startStandIn(validators: ValidatorSpec[]): Promise<LocalRpcStandIn> {
  const programId = address(PROGRAM_ID)
  const s = new LocalRpcStandIn({
    programId,
    port: 0,
    accounts: await buildGenesisAccounts({ programId, network: 'devnet', validators }),
  })
  await s.start()
  return s
}

/** The `not taking part` warnings of one kind printed so far. */
function warnings(n: LoneValidator, kind: string): Record<string, unknown>[] {
  return n.logs().filter((l) => l.level === 'warn' && l.problem === kind)
}

/** Start-up, a few 1 s registry refreshes and the stop, with room for a busy machine. */
const TEST_TIMEOUT_MS = 90_000

describe('misconfiguration is loud', () => {
  it(
    'an identity that is not a validator: warns on every refresh, 503, then recovers once registered',
    async () => {
      standIn = await startStandIn([spec(generateKeypair().publicKey)])
      const keypair = generateKeypair()
      node = await startLoneValidator({ standIn, programId: PROGRAM_ID, keypair })
      const n = node
      const identity = n.validator.identity

      // Once at start and again at the next refresh (refresh_secs = 1).
      const [first] = await eventually('two not-a-validator warnings', () => {
        const w = warnings(n, 'not-a-validator')
        return w.length >= 2 ? w : undefined
      })
      expect(first).toMatchObject({ identity, network: 'devnet', programId: PROGRAM_ID })
      expect(first!.msg).toContain(identity)
      expect(first!.fix).toContain('docs/operators.md')

      const sick = await healthz(n.metricsPort)
      expect(sick.status).toBe(503)
      expect(sick.body).toMatchObject({ ok: false, identity })
      expect(sick.body.reason).toContain(`identity ${identity} is not an active validator`)

      await standIn.upsertValidator(spec(keypair.publicKey))
      await n.validator.waitForLine(/registration ok/, 20_000)
      const healthy = await eventually('/healthz 200', async () => {
        const h = await healthz(n.metricsPort)
        return h.status === 200 ? h : undefined
      })
      expect(healthy.body).toMatchObject({ ok: true, reasons: [] })
      expect(n.validator.running).toBe(true)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'a program id with no registry account: warns naming it, 503',
    async () => {
      standIn = await startStandIn([spec(generateKeypair().publicKey)])
      node = await startLoneValidator({ standIn, programId: OTHER_PROGRAM_ID })
      const n = node
      const [w] = await eventually('a no-registry warning', () => {
        const found = warnings(n, 'no-registry')
        return found.length > 0 ? found : undefined
      })
      expect(w).toMatchObject({ network: 'devnet', programId: OTHER_PROGRAM_ID })
      expect(w!.msg).toContain(`program ${OTHER_PROGRAM_ID} has no usable registry account`)
      const h = await healthz(n.metricsPort)
      expect(h.status).toBe(503)
      expect(h.body.ok).toBe(false)
      expect(n.validator.running).toBe(true)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'a network with no validators: warns, 503 with the reason',
    async () => {
      standIn = await startStandIn([])
      node = await startLoneValidator({ standIn, programId: PROGRAM_ID })
      const n = node
      await eventually('a no-validators warning', () =>
        warnings(n, 'no-validators').length > 0 ? true : undefined,
      )
      const h = await healthz(n.metricsPort)
      expect(h.status).toBe(503)
      expect(h.body.reason).toContain('network devnet has no active validators')
      expect(String(warnings(n, 'no-validators')[0]!.fix)).toContain('paraloom registry list')
    },
    TEST_TIMEOUT_MS,
  )
})
