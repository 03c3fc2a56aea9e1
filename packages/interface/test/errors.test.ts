import { describe, expect, it } from '@jest/globals'
import { ConfigError, type ErrorMetadata, ParaloomError } from '../src/index.js'

type FetchErrorType =
  | { code: 'Timeout'; afterMs: number }
  | { code: 'NotFound'; url: string }
  | { code: 'Aborted' }

class FetchError extends ParaloomError<FetchErrorType> {
  // Typed `string`, not the literal, so that a subclass may name itself.
  static override readonly name: string = 'FetchError'
}

/** A subclass of a subclass, as a layer that refines another's error would be. */
class CachedFetchError extends FetchError {
  static override readonly name = 'CachedFetchError'
}

describe('ParaloomError', () => {
  it('carries its code and the metadata of that code', () => {
    const err = new FetchError({ code: 'NotFound', url: 'http://x/' }, 'http://x/: not found')
    expect(err.code).toBe('NotFound')
    expect(err.message).toBe('http://x/: not found')
    expect(err.meta).toEqual({ code: 'NotFound', url: 'http://x/' })
    // The metadata is typed per code: narrowing on meta.code gives that code's fields.
    const meta = err.meta
    if (meta.code === 'NotFound') expect(meta.url).toBe('http://x/')
    else throw new Error('narrowing failed')
  })

  it('rejects at compile time a code outside the union and metadata of another code', () => {
    // @ts-expect-error 'Gone' is not a FetchError code
    new FetchError({ code: 'Gone' })
    // @ts-expect-error `url` belongs to NotFound, not Timeout
    new FetchError({ code: 'Timeout', url: 'http://x/' })
    // @ts-expect-error Timeout needs its `afterMs`
    new FetchError({ code: 'Timeout' })
    const codes: FetchError['code'][] = ['Timeout', 'NotFound', 'Aborted']
    const metadata: ErrorMetadata<FetchErrorType> = { afterMs: 5 }
    expect(codes).toHaveLength(3)
    expect(metadata).toEqual({ afterMs: 5 })
  })

  it('defaults the message to the code', () => {
    expect(new FetchError({ code: 'Aborted' }).message).toBe('Aborted')
  })

  it('is named after its subclass and is an instance of every class above it', () => {
    const err = new CachedFetchError({ code: 'Timeout', afterMs: 100 })
    expect(err.name).toBe('CachedFetchError')
    expect(err).toBeInstanceOf(CachedFetchError)
    expect(err).toBeInstanceOf(FetchError)
    expect(err).toBeInstanceOf(ParaloomError)
    expect(err).toBeInstanceOf(Error)
    expect(new FetchError({ code: 'Aborted' })).not.toBeInstanceOf(CachedFetchError)
    expect(String(err)).toBe('CachedFetchError: Timeout')
  })

  it('keeps its cause', () => {
    const cause = new Error('socket hang up')
    const err = new FetchError({ code: 'Timeout', afterMs: 100 }, 'no answer', { cause })
    expect(err.cause).toBe(cause)
    expect(new FetchError({ code: 'Aborted' }).cause).toBeUndefined()
  })

  it('turns into one flat record for structured logs, causes included', () => {
    const inner = new FetchError({ code: 'NotFound', url: 'http://x/' }, 'not found', {
      cause: new Error('404', { cause: 'raw' }),
    })
    const err = new CachedFetchError({ code: 'Timeout', afterMs: 100 }, 'no answer', {
      cause: inner,
    })
    expect(err.toObject()).toEqual({
      name: 'CachedFetchError',
      code: 'Timeout',
      message: 'no answer',
      afterMs: 100,
      cause: {
        name: 'FetchError',
        code: 'NotFound',
        message: 'not found',
        url: 'http://x/',
        cause: { name: 'Error', message: '404', cause: 'raw' },
      },
    })
    expect(JSON.parse(JSON.stringify(err.toObject()))).toEqual(err.toObject())
    expect(new FetchError({ code: 'Aborted' }).toObject()).toEqual({
      name: 'FetchError',
      code: 'Aborted',
      message: 'Aborted',
    })
  })

  it('cuts a cause chain that loops', () => {
    const a = new FetchError({ code: 'Aborted' }, 'a')
    const b = new FetchError({ code: 'Aborted' }, 'b', { cause: a })
    Object.defineProperty(a, 'cause', { value: b })
    const text = JSON.stringify(a.toObject())
    expect(text).toContain('[cause chain cut]')
    expect(text.length).toBeLessThan(2000)
  })

  it('metadata cannot overwrite name, code or message in the record', () => {
    type Odd = { code: 'Odd'; message: string; name: string }
    const err = new ParaloomError<Odd>({ code: 'Odd', message: 'meta', name: 'meta' }, 'real')
    expect(err.toObject()).toMatchObject({ name: 'ParaloomError', code: 'Odd', message: 'real' })
  })
})

describe('ConfigError', () => {
  it('names the source and the field in its message', () => {
    const err = new ConfigError(
      { code: 'InvalidOption', source: 'config ./v.toml', field: 'p2p.listen[1]' },
      'is not a multiaddr',
    )
    expect(err.message).toBe('config ./v.toml: p2p.listen[1]: is not a multiaddr')
    expect(err.name).toBe('ConfigError')
    expect(err.code).toBe('InvalidOption')
    expect(err.field).toBe('p2p.listen[1]')
    expect(err.source).toBe('config ./v.toml')
    expect(err).toBeInstanceOf(ParaloomError)
  })

  it('leaves out what is not given', () => {
    const file = new ConfigError({ code: 'UnreadableFile', source: 'config ./v.toml' }, 'is gone')
    expect(file.message).toBe('config ./v.toml: is gone')
    expect(file.field).toBe('')
    const option = new ConfigError({ code: 'InvalidNetwork', field: 'network' }, 'no such network')
    expect(option.message).toBe('network: no such network')
    expect(option.source).toBe('')
    expect(new ConfigError({ code: 'InvalidOption', field: '' }, 'bad').message).toBe('bad')
  })

  it('keeps its cause and logs its field', () => {
    const cause = new Error('ENOENT')
    const err = new ConfigError({ code: 'UnreadableFile', source: 'flags' }, 'gone', { cause })
    expect(err.cause).toBe(cause)
    expect(err.toObject()).toEqual({
      name: 'ConfigError',
      code: 'UnreadableFile',
      message: 'flags: gone',
      source: 'flags',
      cause: { name: 'Error', message: 'ENOENT' },
    })
  })
})
