import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { waitFor } from '@paraloom/test-utils'
import { type Browser, chromium } from 'playwright-core'
import { createHttpServer, type HttpServer } from '../src/http/server.js'
import type { DashboardState } from '../src/http/state.js'
import { createMonitor, type Monitor } from '../src/monitor.js'
import { type MonitorStore, openStore } from '../src/store/store.js'
import { drive, startTestNode, type TestNode } from './helpers/node.js'

const HOSTILE = '<img src=x onerror="window.pwned=1">'
/** How often the monitor asks each node's ListPeers for current RTTs. */
const REFRESH_MS = 100

let dir: string
let nodes: TestNode[]
let store: MonitorStore
let monitor: Monitor
let http: HttpServer
let base: string
let browser: Browser | undefined

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peer-monitor-http-'))
  nodes = await Promise.all(['A', 'B', 'C'].map((validator) => startTestNode({ validator })))
  for (const n of nodes) {
    n.registry.addPeer('peer-V', 'V')
    n.registry.addPeer('peer-H', HOSTILE)
    drive(n.registry, 'peer-V', 'CONNECTED')
  }
  drive(nodes[1]!.registry, 'peer-H', 'SLOW')
  store = openStore({ file: join(dir, 'monitor.db') })
  monitor = createMonitor({
    validators: nodes.map((n) => n.address),
    store,
    offlineThresholdMs: 200,
    evaluateIntervalMs: 25,
    watcher: {
      initialBackoffMs: 50,
      maxBackoffMs: 200,
      connectTimeoutMs: 1000,
      refreshIntervalMs: REFRESH_MS,
    },
  })
  monitor.start()
  http = createHttpServer({
    monitor,
    port: 0,
    maxEventClients: 3,
    pushIntervalMs: 50,
    labels: new Map([[nodes[0]!.address, 'alpha']]),
  })
  const { port } = await http.start()
  base = `http://127.0.0.1:${port}`
  await waitFor('streams', () => monitor.status().every((s) => s.connected))
})

afterAll(async () => {
  await browser?.close()
  await http.stop()
  await monitor.stop()
  store.close()
  await Promise.all(nodes.map((n) => n.stop()))
  rmSync(dir, { recursive: true, force: true })
})

async function get(path: string, method = 'GET') {
  const res = await fetch(`${base}${path}`, { method })
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() }
}

/** Opens an /events stream and resolves its status code (keeps it open until `close`). */
function openEvents(): Promise<{ status: number; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/events`, (res) => {
      res.resume()
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy() })
    })
    req.on('error', reject)
    req.end()
  })
}

describe('HTTP endpoints', () => {
  it('/healthz reports the watchers', async () => {
    const res = await get('/healthz')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ status: 'ok', watchers: 3, connected: 3 })
  })

  it('/metrics is Prometheus text with the monitor counters', async () => {
    const res = await get('/metrics')
    expect(res.status).toBe(200)
    expect(res.body).toMatch(
      /peer_monitor_events_total\{address="127\.0\.0\.1:\d+",kind="snapshot"\} 1/,
    )
    expect(res.body).toContain('peer_monitor_watchers_connected 3')
  })

  it('/api/state has the matrix, with the observers named by their validator', async () => {
    await waitFor('views', () => store.views().length === 6)
    const state = JSON.parse((await get('/api/state')).body) as DashboardState
    expect(state.validators).toEqual(expect.arrayContaining(['A', 'B', 'C', 'V', HOSTILE]))
    expect(state.observers.map((o) => o.validator)).toEqual(expect.arrayContaining(['A', 'B', 'C']))
    expect(state.cells.filter((c) => c.validator === 'V').map((c) => c.state)).toEqual([
      'CONNECTED',
      'CONNECTED',
      'CONNECTED',
    ])
    expect(state.timeline.rows.length).toBe(6)
  })

  it('unknown paths are 404, other methods 405', async () => {
    expect((await get('/nope')).status).toBe(404)
    expect((await get('/api/state', 'POST')).status).toBe(405)
  })

  it('refuses /events clients over the cap', async () => {
    const open = await Promise.all([openEvents(), openEvents(), openEvents()])
    expect(open.map((o) => o.status)).toEqual([200, 200, 200])
    const extra = await openEvents()
    expect(extra.status).toBe(503)
    extra.close()
    for (const o of open) o.close()
    await waitFor(
      'clients gone',
      async () => (await monitor.metrics.sseClients.get()).values[0]?.value === 0,
    )
  })
})

describe('dashboard in headless Chromium', () => {
  it('shows the matrix and follows a state change without a reload', async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    await page.goto(`${base}/`)
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode]
    const cell = (validator: string, observer: TestNode) =>
      page.locator(
        `td[data-validator=${JSON.stringify(validator)}][data-observer="${observer.address}"]`,
      )
    await cell('V', a).filter({ hasText: 'CONNECTED' }).waitFor()
    await page.locator('#live.on').waitFor()
    await page.evaluate(() => {
      ;(globalThis as unknown as { marker: number }).marker = 42
    })

    drive(a.registry, 'peer-V', 'OFFLINE')
    drive(b.registry, 'peer-V', 'OFFLINE')
    await cell('V', a).and(page.locator('[data-state="OFFLINE"]')).waitFor({ timeout: 10_000 })
    await expect(cell('V', a).textContent()).resolves.toContain('OFFLINE')
    await expect(cell('V', c).getAttribute('data-state')).resolves.toBe('CONNECTED')
    // Evidence appears once two observers have seen it offline for the threshold.
    await page.locator('tr[data-evidence="V"]').filter({ hasText: 'OPEN' }).waitFor()
    const evidenceRow = await page.locator('tr[data-evidence="V"]').textContent()
    expect(evidenceRow).toContain('alpha, B') // A has a --label
    expect(await page.locator('tr[data-evidence="V"] td').nth(4).textContent()).toBe('3')
    // Same page: no reload happened.
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(
      42,
    )
    // Hostile identities are shown as text, never parsed as HTML.
    expect(
      await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned),
    ).toBeUndefined()
    expect(await page.locator('#matrix img').count()).toBe(0)
    expect(await cell(HOSTILE, b).getAttribute('data-state')).toBe('SLOW')
    // Durations are words and tick without a push.
    await cell('V', a)
      .filter({ hasText: /for \d+ seconds?/ })
      .waitFor()
    await page.screenshot({ path: '/tmp/peer-monitor-dashboard.png', fullPage: true })
  })

  it('the OFFLINE case: names, self on the diagonal, a time axis, and the red cells on screen', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } })
    await page.goto(`${base}/`)
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode]
    await page.locator('td[data-validator="V"][data-state="OFFLINE"]').first().waitFor()
    // Rows in the columns' order: the observers' own validators first, so "self" is the diagonal.
    const rowOrder = await page
      .locator('#matrix th[data-row]')
      .evaluateAll((ths) => ths.map((t) => t.getAttribute('data-row')))
    expect(rowOrder.slice(0, 3)).toEqual(['A', 'B', 'C'])
    for (const [i, n] of [a, b, c].entries()) {
      const diagonal = page.locator(
        `td[data-validator="${rowOrder[i]}"][data-observer="${n.address}"]`,
      )
      expect(await diagonal.textContent()).toBe('self')
    }
    // A --label name, with the full identity on hover.
    const header = page.locator(`#matrix th[data-observer="${a.address}"]`)
    expect(await header.textContent()).toContain('alpha')
    expect(await header.getAttribute('title')).toBe(`A at ${a.address}`)
    expect(await page.locator('#matrix th[data-row="A"]').textContent()).toBe('alpha')
    // Timelines have a time axis ending at now.
    const axis = await page.locator('#timelines .axis').first().locator('span').allTextContents()
    expect(axis).toHaveLength(5)
    expect(axis.at(-1)).toBe('now')
    expect(axis[0]).toMatch(/\d{1,2}:\d{2}:\d{2}/)

    // The screenshot shows the OFFLINE cells in the offline red, the others in green.
    const shot = await page.locator('#matrix').screenshot({ path: '/tmp/peer-monitor-offline.png' })
    // Decoded in the page (a canvas): the test process has no PNG decoder.
    const counts = (await page.evaluate(`(async () => {
      const img = new Image()
      img.src = 'data:image/png;base64,${shot.toString('base64')}'
      await img.decode()
      const canvas = document.createElement('canvas')
      canvas.width = img.width
      canvas.height = img.height
      const ctx = canvas.getContext('2d')
      ctx.drawImage(img, 0, 0)
      const px = ctx.getImageData(0, 0, img.width, img.height).data
      let red = 0
      let green = 0
      for (let i = 0; i < px.length; i += 4) {
        if (px[i] === 0xe5 && px[i + 1] === 0x3e && px[i + 2] === 0x3e) red++
        if (px[i] === 0x1f && px[i + 1] === 0x9d && px[i + 2] === 0x55) green++
      }
      const cell = document.querySelector('td[data-state="OFFLINE"]')
      return { red, green, cellArea: cell.offsetWidth * cell.offsetHeight }
    })()`)) as { red: number; green: number; cellArea: number }
    // Two OFFLINE cells (V seen by A and B), mostly red background behind the white text.
    expect(counts.red).toBeGreaterThan(counts.cellArea)
    expect(counts.green).toBeGreaterThan(counts.cellArea / 2)
    await page.close()
  })

  it('an observer that is down shows DOWN, for how long, with its name and error; once connected neither', async () => {
    const page = await browser!.newPage()
    await page.goto(`${base}/`)
    await page.locator('#live.on').waitFor()
    // Re-renders the page's current state with every observer's connection set (down for 65 s), and reads the headers.
    const render = (connected: boolean) =>
      page.evaluate(`(() => {
        const observers = state.observers.map((o) => ({ ...o, connected: ${connected}, lastError: 'stream failed: boom',
          downSinceMs: ${connected} ? null : state.nowMs - 65000 }))
        accept(JSON.stringify({ ...state, observers }))
        return {
          errors: document.querySelectorAll('#matrix .err').length,
          down: [...document.querySelectorAll('#matrix [data-down]')].map((e) => e.textContent),
          stale: document.querySelectorAll('#matrix td.stale').length,
          headers: [...document.querySelectorAll('#matrix th[data-observer]')].map((e) => e.firstChild.nextSibling.textContent),
        }
      })()`) as Promise<{ errors: number; down: string[]; stale: number; headers: string[] }>
    const down = await render(false)
    expect(down.errors).toBe(3)
    expect(down.down).toHaveLength(3)
    for (const text of down.down) expect(text).toBe('DOWN for 1 minute')
    // Its column is what it said last, greyed out.
    expect(down.stale).toBeGreaterThan(0)
    // The labelled observer keeps its name while it is down.
    expect(down.headers[0]).toBe('alpha')
    const up = await render(true)
    expect(up).toMatchObject({ errors: 0, down: [], stale: 0 })
    await page.close()
  })

  it('RTTs stay current while a peer stays CONNECTED: a new RTT shows without a transition', async () => {
    const page = await browser!.newPage()
    await page.goto(`${base}/`)
    const c = nodes[2]!
    const cell = page.locator(`td[data-validator="V"][data-observer="${c.address}"]`)
    await cell.filter({ hasText: 'CONNECTED' }).waitFor()
    await page.locator('#live.on').waitFor()
    const sequence = c.registry.sequence
    for (const rttMs of [123.4, 287.6]) {
      c.registry.recordReply('peer-V', rttMs)
      expect(c.registry.sequence).toBe(sequence) // still CONNECTED: no transition to stream
      await cell
        .filter({ hasText: `${Math.round(rttMs)} ms` })
        .waitFor({ timeout: REFRESH_MS * 100 })
      expect(await cell.getAttribute('data-state')).toBe('CONNECTED')
    }
    await page.close()
  })

  it('/api/state names a labelled observer even before it ever answered', async () => {
    const state = JSON.parse((await get('/api/state')).body) as DashboardState
    expect(state.observers.map((o) => o.name)).toEqual(['alpha', null, null])
    expect(state.observers.every((o) => o.connected && o.downSinceMs === null)).toBe(true)
  })
})
