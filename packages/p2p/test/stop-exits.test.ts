// "Stop releases everything": a real child process runs two nodes from the
// built package, stops them, and must then exit on its own.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from '@jest/globals'

const FIXTURE = fileURLToPath(new URL('./fixtures/stop-exits.mjs', import.meta.url))
const EXIT_DEADLINE_MS = 20_000
const pids: number[] = []

afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})

describe('stop', () => {
  it('leaves nothing running: a process with stopped nodes exits by itself', async () => {
    const env = { ...process.env }
    delete env.NODE_OPTIONS // jest's flags are not for the child; the package polyfills itself
    const child = spawn(process.execPath, [FIXTURE], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    if (child.pid != null) pids.push(child.pid)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_DEADLINE_MS)
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
    clearTimeout(timer)
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' })
    const report = JSON.parse(stdout.trim()) as { tip: string; connections: number }
    expect(report.tip).toBe('3')
    expect(report.connections).toBeGreaterThan(0)
  })
})
