// "Stop releases everything": a real child process runs two nodes from the
// built package, stops them, and must then exit on its own.
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from '@jest/globals'
import { TestProcess } from '@paraloom/test-utils'

const FIXTURE = fileURLToPath(new URL('./fixtures/stop-exits.mjs', import.meta.url))
const EXIT_DEADLINE_MS = 20_000
const children: TestProcess[] = []

afterAll(() => {
  for (const child of children) child.signal('SIGKILL')
})

describe('stop', () => {
  it('leaves nothing running: a process with stopped nodes exits by itself', async () => {
    // Without jest's NODE_OPTIONS: the package polyfills itself.
    const child = TestProcess.node(FIXTURE)
    children.push(child)
    const { code, signal } = await child.exit(EXIT_DEADLINE_MS)
    expect({ code, signal, stderr: child.stderr }).toEqual({ code: 0, signal: null, stderr: '' })
    const report = JSON.parse(child.lines.join('\n').trim()) as { tip: string; connections: number }
    expect(report.tip).toBe('3')
    expect(report.connections).toBeGreaterThan(0)
  })
})
