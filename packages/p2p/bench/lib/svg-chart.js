// Small-multiples line charts as a standalone SVG, no dependencies: one
// panel per metric, the validator count N on a log2 x axis, the metric on a
// linear y axis from 0. Each panel also draws, dashed, what linear growth
// from the first point would give, so "no faster than linear" is visible.

const PANEL_W = 300
const PANEL_H = 200
const MARGIN = { left: 52, right: 12, top: 28, bottom: 34 }
const COLUMNS = 3

const esc = (text) =>
  String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  )

/** A round-ish step for about `ticks` ticks up to `max`. */
function niceStep(max, ticks = 4) {
  const raw = max / ticks
  const pow = 10 ** Math.floor(Math.log10(raw))
  const m = raw / pow
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow
}

function fmt(v) {
  if (v === 0) return '0'
  if (Math.abs(v) >= 100) return v.toFixed(0)
  if (Math.abs(v) >= 10) return v.toFixed(1).replace(/\.0$/, '')
  return v.toPrecision(2).replace(/\.?0+$/, '')
}

function panel({ title, unit, points }, x0, y0) {
  const finite = points.filter((p) => Number.isFinite(p.value))
  const ns = points.map((p) => p.n)
  const w = PANEL_W - MARGIN.left - MARGIN.right
  const h = PANEL_H - MARGIN.top - MARGIN.bottom
  const lx = (n) => Math.log2(n)
  const [minX, maxX] = [lx(Math.min(...ns)), lx(Math.max(...ns))]
  const sx = (n) => x0 + MARGIN.left + ((lx(n) - minX) / Math.max(1e-9, maxX - minX)) * w
  const first = finite[0]
  const linear =
    first === undefined ? [] : ns.map((n) => ({ n, value: (first.value * n) / first.n }))
  const top = Math.max(1e-9, ...finite.map((p) => p.value))
  const step = niceStep(top * 1.1)
  const maxY = Math.ceil((top * 1.1) / step) * step
  const sy = (v) => y0 + MARGIN.top + h - (Math.min(v, maxY) / maxY) * h
  const parts = [
    `<text x="${x0 + PANEL_W / 2}" y="${y0 + 16}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${x0 + MARGIN.left}" y1="${y0 + MARGIN.top + h}" x2="${x0 + MARGIN.left + w}" y2="${y0 + MARGIN.top + h}" stroke="#333"/>`,
    `<line x1="${x0 + MARGIN.left}" y1="${y0 + MARGIN.top}" x2="${x0 + MARGIN.left}" y2="${y0 + MARGIN.top + h}" stroke="#333"/>`,
  ]
  for (let v = 0; v <= maxY + 1e-9; v += step) {
    parts.push(
      `<line x1="${x0 + MARGIN.left}" y1="${sy(v)}" x2="${x0 + MARGIN.left + w}" y2="${sy(v)}" stroke="#ddd"/>`,
      `<text x="${x0 + MARGIN.left - 4}" y="${sy(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
    )
  }
  for (const n of ns) {
    parts.push(
      `<text x="${sx(n)}" y="${y0 + MARGIN.top + h + 14}" text-anchor="middle">${n}</text>`,
    )
  }
  parts.push(
    `<text x="${x0 + MARGIN.left + w / 2}" y="${y0 + PANEL_H - 4}" text-anchor="middle" fill="#555">validators (N), ${esc(unit)} per validator</text>`,
  )
  if (linear.length > 1) {
    const d = linear.map((p) => `${sx(p.n).toFixed(1)},${sy(p.value).toFixed(1)}`).join(' ')
    parts.push(`<polyline points="${d}" fill="none" stroke="#999" stroke-dasharray="4 3"/>`)
  }
  const d = finite.map((p) => `${sx(p.n).toFixed(1)},${sy(p.value).toFixed(1)}`).join(' ')
  parts.push(`<polyline points="${d}" fill="none" stroke="#1f6feb" stroke-width="2"/>`)
  for (const p of finite) {
    parts.push(
      `<circle cx="${sx(p.n)}" cy="${sy(p.value)}" r="3" fill="#1f6feb"><title>N = ${p.n}: ${fmt(p.value)} ${esc(unit)}</title></circle>`,
    )
  }
  return parts.join('\n')
}

/**
 * The SVG text for `series` ([{ title, unit, points: [{ n, value }] }]),
 * under a `caption` line.
 */
export function lineCharts(series, caption) {
  const rows = Math.ceil(series.length / COLUMNS)
  const width = COLUMNS * PANEL_W
  const height = rows * PANEL_H + 40
  const panels = series.map((s, i) =>
    panel(s, (i % COLUMNS) * PANEL_W, 30 + Math.floor(i / COLUMNS) * PANEL_H),
  )
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="12">${esc(caption)}</text>`,
    ...panels,
    `<text x="${width - 8}" y="${height - 6}" text-anchor="end" fill="#777">dashed: linear growth from the smallest N</text>`,
    '</svg>',
    '',
  ].join('\n')
}
