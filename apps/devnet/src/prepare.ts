/**
 * Everything a devnet needs on disk before anything runs: identities (kept
 * across runs), genesis accounts and one validator.toml per validator.
 * Shared by `devnet up` and `devnet init` (the docker-compose genesis step).
 */
import type { NetworkName } from '@paraloom/p2p'
import {
  type Addressing,
  type DevnetTimings,
  type ValidatorEndpoints,
  validatorEndpoints,
  writeDevnetGenesis,
  writeValidatorConfig,
} from './files.js'
import { type DevnetIdentities, ensureIdentities } from './identities.js'
import { type DevnetLayout, devnetLayout, type PortPlan } from './layout.js'

export interface PrepareInit {
  dir: string
  validators: number
  network: NetworkName
  addressing: Addressing
  plan: PortPlan
  rpcUrl: string
  timings: DevnetTimings
  print(line: string): void
}

export interface PreparedDevnet {
  layout: DevnetLayout
  identities: DevnetIdentities
  endpoints: ValidatorEndpoints[]
}

export async function prepareDevnet(init: PrepareInit): Promise<PreparedDevnet> {
  const layout = devnetLayout(init.dir, init.validators)
  const identities = await ensureIdentities(layout)
  init.print(
    `identities: ${identities.reused} reused, ${identities.created} created in ${layout.keysDir}`,
  )
  const endpoints = layout.validators.map((v) => validatorEndpoints(init.addressing, init.plan, v))
  const files = await writeDevnetGenesis(layout, identities, init.network, endpoints)
  init.print(
    `genesis: registry program ${identities.programId}, ${files} account files in ${layout.genesisDir}`,
  )
  for (const [i, v] of layout.validators.entries()) {
    await writeValidatorConfig(v, {
      network: init.network,
      programId: identities.programId,
      rpcUrl: init.rpcUrl,
      endpoints: endpoints[i]!,
      timings: init.timings,
    })
  }
  init.print(`configs: ${layout.validators.map((v) => v.configPath).join(', ')}`)
  return { layout, identities, endpoints }
}
