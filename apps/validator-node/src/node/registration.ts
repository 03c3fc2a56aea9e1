/**
 * Is this node set up to take part in its network? A node whose identity is
 * not an active validator, whose program id has no registry account, or
 * whose network has no validators runs fine but talks to nobody: that is a
 * misconfiguration the operator must hear about, loudly and repeatedly,
 * until a registry refresh shows it fixed.
 */
import type { RegistryStatus } from '@paraloom/registry'

export type RegistrationProblemKind = 'no-registry' | 'no-validators' | 'not-a-validator'

export interface RegistrationProblem {
  kind: RegistrationProblemKind
  /** One sentence for `/healthz` and the log: what is wrong. */
  reason: string
  /** What the operator can do about it. */
  fix: string
}

export interface RegistrationFacts {
  identity: string
  network: string
  programId: string
  rpcUrl: string
  status: RegistryStatus
  /** Active validators in the served snapshot. */
  validatorCount: number
  /** Is `identity` one of them? */
  isActiveValidator: boolean
}

const REGISTER_HOWTO =
  'register this identity in the registry program (see docs/operators.md, "Registering"); ' +
  'running validators admit it within one registry refresh'

/** The problem with `facts`, or undefined when the node is an active validator of a live registry. */
export function registrationProblem(facts: RegistrationFacts): RegistrationProblem | undefined {
  const { identity, network, programId, rpcUrl, status } = facts
  const listCommand = `paraloom registry list --network ${network} --url ${rpcUrl} --program-id ${programId}`
  if (status.lastErrorCode === 'BadRegistry') {
    return {
      kind: 'no-registry',
      reason: `program ${programId} has no usable registry account for network ${network} at ${rpcUrl} (${status.lastError})`,
      fix: 'check [registry] program_id, rpc_url and network against the network you mean to join',
    }
  }
  // No snapshot at all: the RPC is unreachable, which the registry client reports itself.
  if (status.source === 'none') return undefined
  if (facts.validatorCount === 0) {
    return {
      kind: 'no-validators',
      reason: `network ${network} has no active validators in registry program ${programId} at ${rpcUrl}`,
      fix: `check the network and program id (\`${listCommand}\` shows what the registry holds), or ${REGISTER_HOWTO}`,
    }
  }
  if (!facts.isActiveValidator) {
    return {
      kind: 'not-a-validator',
      reason: `identity ${identity} is not an active validator of network ${network} in registry program ${programId}; other validators refuse its connections`,
      fix: REGISTER_HOWTO,
    }
  }
  return undefined
}
