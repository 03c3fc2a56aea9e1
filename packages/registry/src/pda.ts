import { type Address, getAddressEncoder, getProgramDerivedAddress } from '@solana/kit'

const addressEncoder = getAddressEncoder()

/** A program-derived address and its bump seed. */
export interface Pda {
  address: Address
  bump: number
}

/** `PDA(["validator_registry"], programId)`. */
export async function findRegistryPda(programId: Address): Promise<Pda> {
  const [address, bump] = await getProgramDerivedAddress({
    programAddress: programId,
    seeds: ['validator_registry'],
  })
  return { address, bump }
}

/** `PDA(["validator", identity], programId)`. */
export async function findValidatorPda(programId: Address, identity: Uint8Array): Promise<Pda> {
  const [address, bump] = await getProgramDerivedAddress({
    programAddress: programId,
    seeds: ['validator', identity],
  })
  return { address, bump }
}

export function addressBytes(address: Address): Uint8Array {
  return new Uint8Array(addressEncoder.encode(address))
}
