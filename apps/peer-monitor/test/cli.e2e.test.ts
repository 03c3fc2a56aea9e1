import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { TestProcess, waitFor } from '@paraloom/test-utils'
import { runCli } from '../src/cli.js'
import type { EvidenceRecord } from '../src/engine/evidence-engine.js'
import { openStore } from '../src/store/store.js'
import { drive, startTestNode, type TestNode } from './helpers/node.js'

const BIN = fileURLToPath(new URL('../dist/bin/peer-monitor.js', import.meta.url))

let dir: string
let nodes: TestNode[] = []
let children: TestProcess[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'peer-monitor-cli-'))
})
afterEach(async () => {
  for (const c of children) c.signal('SIGKILL')
  children = []
  await Promise.all(nodes.map((n) => n.stop()))
  nodes = []
  rmSync(dir, { recursive: true, force: true })
})

async function cli(args: string[], shutdown = new AbortController().signal) {
  const out: string[] = []
  const err: string[] = []
  const sink = (into: string[]) => {
    const s = new PassThrough()
    s.on('data', (c: Buffer) => into.push(c.toString()))
    return s
  }
  const code = await runCli(args, {
    stdout: sink(out),
    stderr: sink(err),
    shutdown,
    isTty: false,
    clock: () => 100_000,
  })
  return { code, stdout: out.join(''), stderr: err.join('') }
}

const record = (id: number, closedAtMs: number | null): EvidenceRecord => ({
  id,
  validator: `Val${id}`,
  offlineSinceMs: 10_000,
  openedAtMs: 40_000,
  lastSeenMs: 5000,
  closedAtMs,
  missedPings: 3,
  observers: ['ObsA', 'ObsB', 'ObsC'],
})

describe('peer-monitor CLI (in process)', () => {
  it('--help on every command exits 0', async () => {
    const top = await cli(['--help'])
    expect(top.code).toBe(0)
    expect(top.stdout).toContain('--validator <host:port>')
    expect(top.stdout).toContain('evidence')
    const sub = await cli(['evidence', '--help'])
    expect(sub.code).toBe(0)
    expect(sub.stdout).toContain('--json')
  })

  it.each([
    [['--db', 'x.db'], /at least one --validator/],
    [['--validator', '127.0.0.1:1'], /--db/],
    [['--validator', 'nohost', '--db', 'x.db'], /--validator must be HOST:PORT/],
    [['--validator', '127.0.0.1:70000', '--db', 'x.db'], /port from 1 to 65535/],
    [
      ['--validator', '127.0.0.1:1', '--db', 'x.db', '--quorum', '1'],
      /--quorum must be an integer from 2/,
    ],
    [
      ['--validator', '127.0.0.1:1', '--db', 'x.db', '--offline-threshold-ms', '-5'],
      /offline-threshold-ms/,
    ],
    [
      ['--validator', '127.0.0.1:1', '--db', 'x.db', '--rtt-refresh-ms', '1.5'],
      /--rtt-refresh-ms must be an integer from 0/,
    ],
    [
      ['--validator', '127.0.0.1:1', '--db', 'x.db', '--rtt-refresh-ms', '99999999999'],
      /--rtt-refresh-ms must be an integer from 0 to 3600000/,
    ],
    [['--validator', '127.0.0.1:1', '--db', 'x.db', '--http', 'nope'], /--http must be HOST:PORT/],
    [['--bogus'], /unknown option/],
    [
      ['--validator', '127.0.0.1:1', '--db', 'x.db', '--label', 'validator-1'],
      /--label must be HOST:PORT=NAME/,
    ],
    [
      ['--validator', '127.0.0.1:1', '--db', 'x.db', '--label', '127.0.0.1:1='],
      /--label must be HOST:PORT=NAME/,
    ],
    [
      ['--validator', '127.0.0.1:1', '--db', 'x.db', '--label', `127.0.0.1:1=${'n'.repeat(65)}`],
      /1 to 64 characters/,
    ],
    [
      ['--validator', '127.0.0.1:1', '--db', 'x.db', '--label', 'nohost=alpha'],
      /--label must be HOST:PORT/,
    ],
    [['evidence'], /--db/],
  ])('usage error %j exits 2 with one clear line', async (args, message) => {
    const r = await cli(args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
  })

  it('a corrupt database file: exit 2, naming the file', async () => {
    const file = join(dir, 'corrupt.db')
    writeFileSync(file, Buffer.from('this is not sqlite, just garbage bytes '.repeat(200)))
    for (const args of [
      ['--validator', '127.0.0.1:1', '--db', file],
      ['evidence', '--db', file],
    ]) {
      const r = await cli(args)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`database ${file}: is not a SQLite database or is corrupt`)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
  })

  it('evidence on a missing file: exit 2', async () => {
    const r = await cli(['evidence', '--db', join(dir, 'missing.db')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('missing.db')
  })

  it('evidence prints text and JSON, open records first', async () => {
    const file = join(dir, 'm.db')
    const store = openStore({ file })
    store.saveEvidence([record(1, 70_000), record(2, null)])
    store.close()
    const text = await cli(['evidence', '--db', file])
    expect(text.code).toBe(0)
    const lines = text.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^OPEN +Val2 offline since .* for 1 minute, 3 missed pings/)
    expect(lines[0]).toContain('seen by 3 observers: ObsA, ObsB, ObsC')
    expect(lines[1]).toMatch(/^closed Val1 .* for 1 minute/)
    const json = await cli(['evidence', '--db', file, '--json'])
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        validator: 'Val2',
        status: 'open',
        offline_since_ms: 10_000,
        duration_ms: 90_000,
        missed_pings: 3,
        observers: ['ObsA', 'ObsB', 'ObsC'],
      }),
      expect.objectContaining({ validator: 'Val1', status: 'closed', duration_ms: 60_000 }),
    ])
    const empty = join(dir, 'empty.db')
    openStore({ file: empty }).close()
    expect((await cli(['evidence', '--db', empty])).stdout).toBe('no unavailability evidence\n')
  })

  it('runs until the shutdown signal, then returns 0', async () => {
    const node = await startTestNode({ validator: 'A' })
    nodes.push(node)
    const stop = new AbortController()
    const file = join(dir, 'm.db')
    const running = cli(['--validator', node.address, '--db', file], stop.signal)
    node.registry.addPeer('peer-V', 'V')
    drive(node.registry, 'peer-V', 'OFFLINE')
    const probe = openStore({ file })
    await waitFor('stored', () => probe.cursor(node.address)?.lastSequence === 1)
    probe.close()
    stop.abort()
    const r = await running
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('"msg":"shutting down"')
  })
})

/** Starts the built CLI; `matched` resolves once its log (stderr) matches `ready`. */
function startBin(args: string[], ready: RegExp) {
  const child = TestProcess.node(BIN, args, { name: 'peer-monitor' })
  children.push(child)
  const matched = child.until(
    `a log line matching ${ready}`,
    () => {
      const m = ready.exec(child.stderr)
      if (m === null && !child.running) throw new Error(`peer-monitor exited: ${child.stderr}`)
      return m ?? undefined
    },
    60_000,
  )
  return { child, matched, exited: child.exited.then((status) => status.code) }
}

describe('peer-monitor process', () => {
  it('--version prints the package version', async () => {
    const run = TestProcess.node(BIN, ['--version'])
    children.push(run)
    const { code } = await run.exit(60_000)
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    expect(code).toBe(0)
    expect(run.lines).toEqual([pkg.version])
  })

  it('a busy --http port is one line naming the flag, exit 1, no stack trace', async () => {
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    const { port } = squatter.address() as AddressInfo
    try {
      const node = await startTestNode({ validator: 'A' })
      nodes.push(node)
      const run = startBin(
        ['--validator', node.address, '--db', join(dir, 'm.db'), '--http', `127.0.0.1:${port}`],
        /^$/,
      )
      run.matched.catch(() => {})
      expect(await run.exited).toBe(1)
      const last = run.child.stderr.trim().split('\n').at(-1)!
      expect(last).toBe(
        `peer-monitor: --http 127.0.0.1:${port}: the address is already in use (another process listens there)`,
      )
      expect(run.child.stderr).not.toMatch(/^\s+at /m)
    } finally {
      await new Promise((resolve) => squatter.close(resolve))
    }
  })

  it('serves HTTP, logs JSON lines, and exits 0 on SIGTERM', async () => {
    const node = await startTestNode({ validator: 'A' })
    nodes.push(node)
    const run = startBin(
      ['--validator', node.address, '--db', join(dir, 'm.db'), '--http', '127.0.0.1:0'],
      /"url":"(http:\/\/127\.0\.0\.1:\d+\/)"/,
    )
    const [, url] = await run.matched
    const health = await fetch(`${url}healthz`)
    expect(health.status).toBe(200)
    expect(await (await fetch(url!)).text()).toContain('<title>Paraloom peer monitor</title>')
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    for (const line of run.child.stderr.trim().split('\n'))
      expect(() => JSON.parse(line)).not.toThrow()
  })

  it('SIGKILLed mid-stream and restarted: every transition stored exactly once', async () => {
    const node = await startTestNode({ validator: 'A' })
    nodes.push(node)
    node.registry.addPeer('peer-V', 'V')
    const file = join(dir, 'm.db')
    const args = ['--validator', node.address, '--db', file]
    const first = startBin(args, /"msg":"watching"/)
    await first.matched
    const probe = openStore({ file, readonly: true })
    await waitFor('first snapshot', () => probe.cursor(node.address) !== null)
    probe.close()
    // Transitions keep coming while the monitor is killed and restarted.
    let flip = false
    const churn = setInterval(() => {
      flip = !flip
      drive(node.registry, 'peer-V', flip ? 'OFFLINE' : 'CONNECTED')
    }, 5)
    try {
      await waitFor('some transitions', () => node.registry.sequence > 50)
      first.child.kill('SIGKILL')
      await first.exited
      const second = startBin(args, /"msg":"watching"/)
      await second.matched
      await waitFor('more transitions', () => node.registry.sequence > 150)
      clearInterval(churn)
      const store = openStore({ file, readonly: true })
      try {
        await waitFor(
          'caught up',
          () => store.cursor(node.address)?.lastSequence === node.registry.sequence,
        )
        const history = node.registry.historySince(0)
        const expected = history.gap ? [] : history.transitions.map((t) => t.sequence)
        expect(expected.length).toBe(node.registry.sequence)
        expect(store.sequences(node.address, node.observer.incarnation)).toEqual(expected)
      } finally {
        store.close()
      }
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
    } finally {
      clearInterval(churn)
    }
  })
})
