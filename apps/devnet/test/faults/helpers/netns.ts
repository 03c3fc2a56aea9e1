// A network namespace for one node, joined to this host by two veth pairs
// on private addresses that exist only on these links: `data` carries its
// p2p traffic and is what a partition cuts; `mgmt` carries gRPC, metrics and
// the registry RPC, so the test can read the isolated node's own view.
// Everything is created by `createIsolatedHost` and removed by `remove()`.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const run = promisify(execFile)

async function ip(...args: string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: 10_000 })
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`ip ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`)
  }
}

export interface IsolatedHost {
  /** Namespace name. */
  ns: string
  /** The node's p2p address (namespace side of `data`). */
  dataIp: string
  /** This host's end of `data`. */
  dataHostIp: string
  /** The node's gRPC/metrics address (namespace side of `mgmt`). */
  mgmtIp: string
  /** This host's end of `mgmt`: where the registry listens. */
  mgmtHostIp: string
  /** Takes this host's end of `data` down: a real partition of the node's p2p traffic. */
  cut(): Promise<void>
  /** Brings it back up. */
  heal(): Promise<void>
  /** Deletes the namespace and both veth pairs; safe to call twice. */
  remove(): Promise<void>
}

/**
 * Why namespaces cannot be used here, or undefined when they can: they need
 * root and iproute2.
 */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root'
  try {
    await run('ip', ['netns', 'list'], { timeout: 5000 })
    return undefined
  } catch (err) {
    return `iproute2 cannot list namespaces: ${(err as Error).message}`
  }
}

export async function createIsolatedHost(): Promise<IsolatedHost> {
  const id = randomBytes(3).toString('hex')
  const ns = `plf-${id}`
  // A random /30 pair in 10.77.0.0/16, so two runs on one machine do not clash.
  const octet = 1 + (randomBytes(1)[0]! % 250)
  const net = `10.77.${octet}`
  const links = {
    data: { host: `pfd${id}`, peer: `pfdn${id}`, hostIp: `${net}.1`, nsIp: `${net}.2` },
    mgmt: { host: `pfm${id}`, peer: `pfmn${id}`, hostIp: `${net}.5`, nsIp: `${net}.6` },
  }
  let removed = false
  const remove = async (): Promise<void> => {
    if (removed) return
    removed = true
    // Deleting the namespace destroys its veth ends and with them the pairs.
    await ip('netns', 'del', ns).catch(() => {})
    for (const l of Object.values(links)) await ip('link', 'del', l.host).catch(() => {})
  }
  try {
    await ip('netns', 'add', ns)
    await ip('-n', ns, 'link', 'set', 'lo', 'up')
    for (const l of Object.values(links)) {
      await ip('link', 'add', l.host, 'type', 'veth', 'peer', 'name', l.peer)
      await ip('link', 'set', l.peer, 'netns', ns)
      await ip('addr', 'add', `${l.hostIp}/30`, 'dev', l.host)
      await ip('link', 'set', l.host, 'up')
      await ip('-n', ns, 'addr', 'add', `${l.nsIp}/30`, 'dev', l.peer)
      await ip('-n', ns, 'link', 'set', l.peer, 'up')
    }
  } catch (err) {
    await remove()
    throw err
  }
  return {
    ns,
    dataIp: links.data.nsIp,
    dataHostIp: links.data.hostIp,
    mgmtIp: links.mgmt.nsIp,
    mgmtHostIp: links.mgmt.hostIp,
    cut: () => ip('link', 'set', links.data.host, 'down'),
    heal: () => ip('link', 'set', links.data.host, 'up'),
    remove,
  }
}
