// The test helper that reads /metrics must itself refuse what Prometheus refuses.
import { describe, expect, it } from '@jest/globals'
import { ExpositionError, parseExposition, sampleValue } from './helpers/prometheus.js'

const GOOD = `# HELP up Whether it is up.
# TYPE up gauge
up 1
# HELP peers Peers by state.
# TYPE peers gauge
peers{state="CONNECTED"} 3
peers{state="OFF \\"LINE\\""} 0
# HELP rtt Round trips.
# TYPE rtt histogram
rtt_bucket{le="1"} 1
rtt_bucket{le="+Inf"} 2
rtt_sum 3.5
rtt_count 2
# HELP lag Event loop lag.
# TYPE lag gauge
lag Nan
`

describe('parseExposition', () => {
  it('reads families, labels (with escapes), histograms and NaN in any case', () => {
    const families = parseExposition(GOOD)
    expect([...families.keys()]).toEqual(['up', 'peers', 'rtt', 'lag'])
    expect(families.get('rtt')?.type).toBe('histogram')
    expect(sampleValue(families, 'peers', { state: 'CONNECTED' })).toBe(3)
    expect(sampleValue(families, 'peers', { state: 'OFF "LINE"' })).toBe(0)
    expect(sampleValue(families, 'rtt_count')).toBe(2)
    expect(sampleValue(families, 'lag')).toBeNaN()
    expect(sampleValue(families, 'peers', { state: 'SLOW' })).toBeUndefined()
  })

  it.each([
    ['no final newline', GOOD.slice(0, -1), /end with a newline/],
    ['a sample without TYPE', `${GOOD}other 1\n`, /other has no # TYPE line/],
    ['a duplicate sample', `${GOOD.replace('up 1\n', 'up 1\nup 2\n')}`, /duplicate sample/],
    ['a garbage line', `${GOOD}!!! 1\n`, /not a sample/],
    ['a bad value', GOOD.replace('up 1', 'up one'), /bad value one/],
    [
      'truncated labels',
      GOOD.replace('peers{state="CONNECTED"} 3', 'peers{state="CONN 3'),
      /not a sample|bad labels/,
    ],
    ['a bad label name', GOOD.replace('{state=', '{1state='), /bad label name/],
    ['an unknown type', GOOD.replace('# TYPE up gauge', '# TYPE up meter'), /unknown type meter/],
    ['TYPE after samples', `${GOOD}# TYPE up counter\n`, /TYPE after samples of up/],
    [
      'buckets that shrink',
      GOOD.replace('rtt_bucket{le="1"} 1', 'rtt_bucket{le="1"} 1\nrtt_bucket{le="2"} 0'),
      /not cumulative/,
    ],
    ['+Inf unlike _count', GOOD.replace('rtt_count 2', 'rtt_count 5'), /differs from _count/],
    ['no +Inf bucket', GOOD.replace('rtt_bucket{le="+Inf"} 2\n', ''), /no \+Inf bucket/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseExposition(text)).toThrow(ExpositionError)
    expect(() => parseExposition(text)).toThrow(message)
  })
})
