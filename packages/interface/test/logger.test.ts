import { describe, expect, it } from '@jest/globals'
import { componentName, LOG_LEVELS, noopLogger } from '../src/index.js'

describe('logger contract', () => {
  it('the no-op logger drops every line and its children are no-op loggers too', () => {
    for (const level of LOG_LEVELS) {
      expect(noopLogger[level]('message', { field: 1 })).toBeUndefined()
      expect(noopLogger[level]('message')).toBeUndefined()
    }
    expect(noopLogger.forComponent('p2p').forComponent('gossip')).toBe(noopLogger)
  })

  it('names a child under its parent with a colon, a root child by its own name', () => {
    expect(componentName(undefined, 'p2p')).toBe('p2p')
    expect(componentName('', 'p2p')).toBe('p2p')
    expect(componentName('paraloom:p2p', 'discovery')).toBe('paraloom:p2p:discovery')
    expect(componentName(componentName(undefined, 'a'), 'b')).toBe('a:b')
  })
})
