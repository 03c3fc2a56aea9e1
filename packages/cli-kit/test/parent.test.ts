import { PassThrough } from 'node:stream'
import { describe, expect, it } from '@jest/globals'
import { onParentExit, PARENT_PIPE_ENV } from '../src/index.js'

function io(env: NodeJS.ProcessEnv = { [PARENT_PIPE_ENV]: '1' }) {
  return { env, stdin: new PassThrough(), outputs: [new PassThrough(), new PassThrough()] }
}

const epipe = (): NodeJS.ErrnoException =>
  Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })

describe('onParentExit', () => {
  it('fires once when the pipe from the parent ends; bytes written to it are ignored', async () => {
    const pipe = io()
    let calls = 0
    onParentExit(() => calls++, pipe)
    pipe.stdin.write('anything')
    await new Promise((r) => setImmediate(r))
    expect(calls).toBe(0)
    pipe.stdin.end()
    await new Promise((r) => pipe.stdin.once('end', r))
    pipe.outputs[0]!.emit('error', epipe())
    expect(calls).toBe(1)
  })

  it('fires on EPIPE writing our output (nobody reads it); other output errors still throw', () => {
    const pipe = io()
    let calls = 0
    onParentExit(() => calls++, pipe)
    expect(() => pipe.outputs[1]!.emit('error', new Error('disk full'))).toThrow('disk full')
    pipe.outputs[1]!.emit('error', epipe())
    expect(calls).toBe(1)
  })

  it('without the variable it watches nothing: a normal run is unaffected', async () => {
    const pipe = io({})
    let calls = 0
    onParentExit(() => calls++, pipe)
    pipe.stdin.end()
    await new Promise((r) => setImmediate(r))
    expect(calls).toBe(0)
    expect(pipe.stdin.listenerCount('end')).toBe(0)
    expect(pipe.outputs[0]!.listenerCount('error')).toBe(0)
  })

  it('stops watching when asked: a later end of the pipe is not a parent exit', async () => {
    const pipe = io()
    let calls = 0
    const stop = onParentExit(() => calls++, pipe)
    stop()
    pipe.stdin.emit('end')
    expect(calls).toBe(0)
  })
})
