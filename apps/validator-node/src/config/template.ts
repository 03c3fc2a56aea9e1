/**
 * The commented validator.toml `paraloom validator init` writes: every key
 * with its default value and what it means. A test loads it with the config
 * loader and checks it equals the defaults, so the two cannot drift apart.
 */
import type { NetworkName } from '@paraloom/interface'

export interface TemplateValues {
  network: NetworkName
  /** Registry program id; empty writes a placeholder the node refuses until set. */
  programId?: string
  rpcUrl?: string
}

/** validator.toml text for `values`, every other key at its default. */
export function validatorTomlTemplate(values: TemplateValues): string {
  const programId = values.programId ?? ''
  const rpcUrl = values.rpcUrl ?? 'http://127.0.0.1:8899'
  return `# validator.toml: a Paraloom validator node (paraloom validator start --config validator.toml).
# Every key but network has the default shown. Flags of \`paraloom validator start\` override
# this file. Relative paths are relative to this file.

network = ${JSON.stringify(values.network)}                  # mainnet | devnet | testnet | localnet
state_dir = "./state"                 # registry cache (served while the RPC is down) and peer store

[identity]
# Its public key is the validator identity registered on chain and the libp2p PeerId.
keypair = "./validator-keypair.json"  # a Solana keypair file (paraloom validator keygen); never generated

[p2p]
listen = ["/ip4/0.0.0.0/tcp/9001"]    # libp2p TCP listen addresses
announce = []                         # addresses put in the DHT record (default: listen); use what you registered
admission = "validators"              # "validators": only active registered validators connect; "open": anyone
allow = []                            # extra PeerIds always admitted (monitors, observers)

[registry]
rpc_url = ${JSON.stringify(rpcUrl)}    # Solana JSON-RPC serving the ValidatorRegistry
ws_url = ""                           # programSubscribe websocket (default: rpc_url port + 1)
program_id = ${JSON.stringify(programId)}${programId === '' ? '                      # required: the registry program id (base58)' : ''}
refresh_secs = 30                     # full registry re-read and DHT refresh, in seconds

[liveness]
ping_interval_ms = 5000               # one ping per peer per interval
ping_timeout_ms = 5000                # least wait for an echo (a jittery peer gets srtt + 4·rttvar); at most ping_interval_ms
slow_rtt_ms = 500                     # smoothed RTT above this: SLOW
offline_after_missed = 3              # consecutive misses: OFFLINE
# history_capacity = 10000            # transitions kept for WatchPeers resumes (advanced)

[grpc]
listen = "127.0.0.1:50051"            # PeerMonitor, Gossip, Query, Health and reflection (paraloom peers reads it)
reserved_clients = []                 # IPs (e.g. the peer-monitor's) that may use the streams kept in reserve

[metrics]
listen = "127.0.0.1:9464"             # GET /metrics (Prometheus) and GET /healthz

[sync]
max_blocks = 10000                    # accepted blocks kept to answer peers' state sync (lowest heights go first)
max_bytes = 67108864                  # their bincode bytes kept, at least 1048576 (one block at the gossip cap)
persist = true                        # keep them in <state_dir>/blocks.log across restarts
catch_up_on_start = false             # after start, fetch the blocks missed while down from a connected peer
catch_up_batch = 256                  # max_blocks of each catch-up request
`
}
