import { humanDuration } from '../format.js'

/**
 * The dashboard: one self-contained page (inline CSS and plain JS, nothing to
 * build). It loads `/api/state`, then follows `/events` (server-sent events)
 * and re-renders on each push; durations tick every second in between.
 * Every string from the network goes into the page through `textContent` or
 * an attribute setter, never through HTML parsing, so nothing needs escaping
 * by hand.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Paraloom peer monitor</title>
<style>
  :root { --connected: #1f9d55; --slow: #d69e2e; --offline: #e53e3e; --unknown: #a0aec0; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1a202c; background: #f7fafc; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
  .sub { color: #4a5568; margin-bottom: 1rem; }
  #live { display: inline-block; padding: 0 .5rem; border-radius: 1rem; color: #fff; background: var(--unknown); }
  #live.on { background: var(--connected); }
  table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0002; }
  th, td { padding: .4rem .6rem; border: 1px solid #e2e8f0; text-align: left; vertical-align: top; }
  th { background: #edf2f7; font-weight: 600; }
  .mono { font-family: ui-monospace, monospace; font-size: 12px; }
  .cell { color: #fff; min-width: 9rem; }
  .cell .state { font-weight: 700; display: block; }
  .cell .for { font-size: 12px; opacity: .95; }
  .CONNECTED { background: var(--connected); } .SLOW { background: var(--slow); }
  .OFFLINE { background: var(--offline); } .UNKNOWN { background: var(--unknown); }
  .none { background: #fff; color: #a0aec0; }
  .dot { display: inline-block; width: .6rem; height: .6rem; border-radius: 50%; margin-right: .3rem; }
  .err { color: #c53030; font-size: 12px; max-width: 18rem; }
  .down { color: #fff; background: var(--offline); font-weight: 700; padding: 0 .3rem; border-radius: 3px; }
  td.stale { opacity: .45; }
  .open { color: var(--offline); font-weight: 700; } .closed { color: #4a5568; }
  .timeline { margin-bottom: .75rem; }
  .bar { display: flex; height: 14px; width: 640px; background: #edf2f7; margin: 2px 0; }
  .bar span { height: 100%; }
  .axis { position: relative; width: 640px; height: 1.2em; font-size: 11px; color: #4a5568; border-top: 1px solid #a0aec0; }
  .axis span { position: absolute; transform: translateX(-50%); white-space: nowrap; }
  .axis span:first-child { transform: none; } .axis span:last-child { transform: translateX(-100%); }
  .legend span { display: inline-block; padding: 0 .4rem; margin-right: .3rem; color: #fff; border-radius: 3px; }
</style>
</head>
<body>
<h1>Paraloom peer monitor <span id="live">connecting</span></h1>
<div class="sub" id="summary"></div>
<div class="legend"><span class="CONNECTED">CONNECTED</span><span class="SLOW">SLOW</span><span class="OFFLINE">OFFLINE</span><span class="UNKNOWN">UNKNOWN</span></div>
<h2>Who sees whom</h2>
<table id="matrix"></table>
<h2>Unavailability evidence</h2>
<table id="evidence"></table>
<h2>Timelines</h2>
<div id="timelines"></div>
<script>
${humanDuration.toString()}
let state = null
let offset = 0
const now = () => Date.now() + offset
const el = (tag, attrs, ...children) => {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v))
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)))
  return e
}
const short = (id) => (id && id.length > 12 ? id.slice(0, 6) + '…' + id.slice(-4) : id || '?')
// A validator's name where known (devnet's validator-N, --label), else its short identity; the full identity is the hover title.
const named = (id) => (id && state.names && state.names[id]) || short(id)
const clock = (ms) => new Date(ms).toLocaleTimeString()

function renderMatrix() {
  const table = document.getElementById('matrix')
  const head = el('tr', {}, el('th', {}, 'validator ↓  seen by →'))
  for (const o of state.observers) {
    const th = el('th', { title: (o.validator || '?') + ' at ' + o.address, 'data-observer': o.address },
      el('span', { class: 'dot ' + (o.connected ? 'CONNECTED' : 'OFFLINE') }),
      o.name || named(o.validator || o.address), el('div', { class: 'mono' }, o.address))
    // A node whose stream is down says so, and since when; its column is what it said last.
    if (!o.connected) {
      const since = o.downSinceMs == null ? '' : ' for ' + humanDuration(now() - o.downSinceMs)
      th.append(el('div', { class: 'down', 'data-down': o.address }, 'DOWN' + since))
    }
    // An error is news only while the stream is down; once connected it is history.
    if (o.lastError && !o.connected) th.append(el('div', { class: 'err', title: o.lastError }, o.lastError))
    head.append(th)
  }
  const rows = [head]
  for (const v of state.validators) {
    const tr = el('tr', {}, el('th', { class: 'mono', title: v, 'data-row': v }, named(v)))
    for (const o of state.observers) {
      const c = state.cells.find((x) => x.validator === v && x.address === o.address)
      if (!c) {
        tr.append(el('td', { class: 'cell none', 'data-validator': v, 'data-observer': o.address }, o.validator === v ? 'self' : '—'))
        continue
      }
      const td = el('td', { class: 'cell ' + c.state + (o.connected ? '' : ' stale'), 'data-validator': v, 'data-observer': o.address, 'data-state': c.state },
        el('span', { class: 'state' }, c.state),
        el('span', { class: 'for' }, 'for ' + humanDuration(now() - c.sinceMs)))
      if (c.rttMs != null && c.state !== 'OFFLINE') td.append(el('div', { class: 'for' }, Math.round(c.rttMs) + ' ms'))
      if (c.state === 'OFFLINE') td.append(el('div', { class: 'for' }, c.consecutiveMisses + ' missed pings'))
      tr.append(td)
    }
    rows.push(tr)
  }
  table.replaceChildren(...rows)
}

function renderEvidence() {
  const table = document.getElementById('evidence')
  const rows = [el('tr', {}, ...['validator', 'status', 'offline since', 'for', 'missed pings', 'last seen', 'observers'].map((h) => el('th', {}, h)))]
  for (const r of state.evidence) {
    const open = r.closedAtMs === null
    rows.push(el('tr', { 'data-evidence': r.validator },
      el('td', { class: 'mono', title: r.validator }, named(r.validator)),
      el('td', { class: open ? 'open' : 'closed' }, open ? 'OPEN' : 'closed ' + humanDuration(now() - r.closedAtMs) + ' ago'),
      el('td', {}, clock(r.offlineSinceMs)),
      el('td', {}, humanDuration((open ? now() : r.closedAtMs) - r.offlineSinceMs)),
      el('td', {}, r.missedPings),
      el('td', {}, r.lastSeenMs === null ? 'never' : humanDuration(now() - r.lastSeenMs) + ' ago'),
      el('td', { class: 'mono', title: r.observers.join(', ') }, r.observers.map(named).join(', '))))
  }
  if (state.evidence.length === 0) rows.push(el('tr', {}, el('td', { colspan: 7 }, 'none: no validator has been offline for a quorum of observers')))
  table.replaceChildren(...rows)
}

function renderTimelines() {
  const { fromMs, toMs, rows } = state.timeline
  const span = Math.max(1, toMs - fromMs)
  const blocks = []
  for (const v of state.validators) {
    const mine = rows.filter((r) => r.validator === v)
    if (mine.length === 0) continue
    const block = el('div', { class: 'timeline' }, el('strong', { class: 'mono', title: v }, named(v)), ' — last ' + humanDuration(span))
    for (const r of mine) {
      const o = state.observers.find((x) => x.address === r.address)
      const bar = el('div', { class: 'bar', title: 'seen by ' + (o && o.validator ? o.validator : r.address) })
      for (const s of r.segments) {
        bar.append(el('span', { class: s.state, style: 'width:' + ((100 * (s.toMs - s.fromMs)) / span).toFixed(3) + '%',
          title: s.state + ' for ' + humanDuration(s.toMs - s.fromMs) + ' from ' + clock(s.fromMs) }))
      }
      block.append(el('div', { class: 'mono' }, 'seen by ' + named(o && o.validator ? o.validator : r.address)), bar)
    }
    block.append(timeAxis(fromMs, toMs))
    blocks.push(block)
  }
  document.getElementById('timelines').replaceChildren(...blocks)
}

// Clock times under a bar: its start, three quarters between, and now.
function timeAxis(fromMs, toMs) {
  const axis = el('div', { class: 'axis' })
  for (let i = 0; i <= 4; i++) {
    const at = fromMs + ((toMs - fromMs) * i) / 4
    axis.append(el('span', { style: 'left:' + i * 25 + '%' }, i === 4 ? 'now' : clock(at)))
  }
  return axis
}

function render() {
  if (!state) return
  const open = state.evidence.filter((r) => r.closedAtMs === null).length
  document.getElementById('summary').textContent =
    state.observers.filter((o) => o.connected).length + ' of ' + state.observers.length + ' observers connected · ' +
    state.validators.length + ' validators · ' + open + ' open evidence records · quorum ' + state.quorum +
    ' observers, offline for ' + humanDuration(state.offlineThresholdMs)
  renderMatrix()
  renderEvidence()
  renderTimelines()
}

function accept(json) {
  state = JSON.parse(json)
  offset = state.nowMs - Date.now()
  render()
}

fetch('/api/state').then((r) => r.text()).then(accept)
const events = new EventSource('/events')
const live = document.getElementById('live')
events.addEventListener('state', (e) => accept(e.data))
events.onopen = () => { live.textContent = 'live'; live.className = 'on' }
events.onerror = () => { live.textContent = 'reconnecting'; live.className = '' }
setInterval(render, 1000)
</script>
</body>
</html>
`
