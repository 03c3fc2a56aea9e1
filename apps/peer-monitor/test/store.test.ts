import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import Database from 'better-sqlite3'
import type { EvidenceRecord } from '../src/engine/evidence-engine.js'
import {
  type ObserverIdentity,
  openStore,
  type PeerStatusRecord,
  type TransitionRecord,
} from '../src/store/store.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'peer-monitor-store-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const who: ObserverIdentity = {
  peerId: 'peerA',
  validator: 'ValA',
  incarnation: 'inc1',
  network: 'localnet',
}
const transition = (
  sequence: number,
  toState: TransitionRecord['toState'] = 'OFFLINE',
): TransitionRecord => ({
  sequence,
  peerId: 'peerV',
  validator: 'ValV',
  fromState: 'CONNECTED',
  toState,
  atMs: 1000 * sequence,
  rttMs: null,
  consecutiveMisses: 3,
  reason: 'timeout',
})
const record = (id: number, closedAtMs: number | null = null): EvidenceRecord => ({
  id,
  validator: 'ValV',
  offlineSinceMs: 1000,
  openedAtMs: 31_000,
  lastSeenMs: 500,
  closedAtMs,
  missedPings: 3,
  observers: ['ValA', 'ValB'],
})

describe('store', () => {
  it('creates the schema in WAL mode with foreign keys, and reopens without re-migrating', () => {
    const file = join(dir, 'm.db')
    openStore({ file }).close()
    const db = new Database(file)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1])
    db.close()
    const store = openStore({ file })
    store.addObserver('127.0.0.1:1')
    store.close()
  })

  it('refreshViews: the RTT and last reply of peers in the stored state only, written when the whole ms changes', () => {
    const store = openStore({ file: join(dir, 'm.db') })
    const a = '127.0.0.1:1'
    const peer = (validator: string, state: PeerStatusRecord['state'], rttMs: number) => ({
      peerId: `peer${validator}`,
      validator,
      state,
      sinceMs: 1,
      lastSeenMs: 10,
      consecutiveMisses: 0,
      rttMs,
    })
    store.applySnapshot(a, who, 0, [peer('V', 'CONNECTED', 5), peer('W', 'OFFLINE', 6)])
    expect(store.refreshViews('127.0.0.1:2', [peer('V', 'CONNECTED', 9)])).toBe(0) // unknown address
    const fresher = { ...peer('V', 'CONNECTED', 42.2), lastSeenMs: 20 }
    expect(store.refreshViews(a, [fresher, peer('W', 'CONNECTED', 43)])).toBe(1)
    expect(store.refreshViews(a, [{ ...fresher, rttMs: 41.9 }])).toBe(0) // still 42 ms shown
    expect(store.refreshViews(a, [{ ...fresher, peerId: 'another' }])).toBe(0)
    const older = { ...peer('V', 'CONNECTED', 7), lastSeenMs: 15 } // never moves last reply back
    expect(store.refreshViews(a, [older])).toBe(1)
    const views = store.views()
    expect(views.find((v) => v.validator === 'V')).toMatchObject({
      state: 'CONNECTED',
      rttMs: 7,
      lastSeenMs: 20,
    })
    expect(views.find((v) => v.validator === 'W')).toMatchObject({ state: 'OFFLINE', rttMs: 6 })
    expect(store.cursor(a)).toEqual({ incarnation: who.incarnation, lastSequence: 0 })
    store.close()
  })

  it('reads back closed OFFLINE intervals not yet judged, per incarnation, consistent only', () => {
    const store = openStore({ file: join(dir, 'm.db') })
    const t = (
      sequence: number,
      fromState: TransitionRecord['fromState'],
      toState: TransitionRecord['toState'],
    ) => ({ ...transition(sequence, toState), fromState })
    const a = '127.0.0.1:1'
    store.applySnapshot(a, who, 0, [])
    store.applyTransition(a, who, t(1, 'CONNECTED', 'OFFLINE')) // 1 s
    store.applyTransition(a, who, { ...t(2, 'OFFLINE', 'CONNECTED'), validator: 'ValW' }) // another validator
    store.applyTransition(a, who, t(3, 'OFFLINE', 'CONNECTED')) // closes [1 s, 3 s]
    store.applyTransition(a, who, t(4, 'CONNECTED', 'OFFLINE')) // never closed in inc1
    store.applyTransition(a, who, t(6, 'SLOW', 'CONNECTED')) // inconsistent (a hole): not an end
    store.applyTransition(a, who, t(7, 'CONNECTED', 'OFFLINE'))
    store.applyTransition(a, who, t(8, 'OFFLINE', 'UNKNOWN')) // closes [7 s, 8 s]
    const inc2 = { ...who, incarnation: 'inc2' }
    store.applySnapshot(a, inc2, 0, [])
    store.applyTransition(a, inc2, t(9, 'OFFLINE', 'CONNECTED')) // the new incarnation's first: not an end
    const interval = (startMs: number, endMs: number) => ({
      observer: 'ValA',
      validator: 'ValV',
      startMs,
      endMs,
      consecutiveMisses: 3,
      lastSeenMs: null,
    })
    expect(store.closedIntervals(100)).toEqual([interval(7000, 8000), interval(1000, 3000)])
    expect(store.closedIntervals(1)).toEqual([interval(7000, 8000)])
    expect(store.judgedUntil()).toEqual([])
    store.saveEvidence([{ ...record(1, 3000) }])
    expect(store.judgedUntil()).toEqual([{ validator: 'ValV', untilMs: 3000 }])
    expect(store.closedIntervals(100)).toEqual([interval(7000, 8000)])
    store.close()
  })

  it('stores each transition once, however often it is replayed, and advances the cursor', () => {
    const store = openStore({ file: join(dir, 'm.db') })
    store.addObserver('a:1')
    expect(store.cursor('a:1')).toBeNull()
    expect(store.applyTransition('a:1', who, transition(1))).toBe(true)
    expect(store.applyTransition('a:1', who, transition(2, 'CONNECTED'))).toBe(true)
    expect(store.applyTransition('a:1', who, transition(1))).toBe(false)
    expect(store.applyTransition('a:1', who, transition(2))).toBe(false)
    expect(store.sequences('a:1', 'inc1')).toEqual([1, 2])
    expect(store.cursor('a:1')).toEqual({ incarnation: 'inc1', lastSequence: 2 })
    expect(store.observers()[0]).toMatchObject({ peerId: 'peerA', validator: 'ValA' })
    expect(store.views()).toEqual([
      expect.objectContaining({
        address: 'a:1',
        validator: 'ValV',
        state: 'CONNECTED',
        sinceMs: 2000,
      }),
    ])
    // Same sequence in a new incarnation is a different transition.
    expect(store.applyTransition('a:1', { ...who, incarnation: 'inc2' }, transition(1))).toBe(true)
    expect(store.cursor('a:1')).toEqual({ incarnation: 'inc2', lastSequence: 1 })
    expect(store.timeline(0, 10).map((t) => [t.incarnation, t.sequence])).toEqual([
      ['inc1', 1],
      ['inc2', 1],
      ['inc1', 2],
    ])
    store.close()
  })

  it('a snapshot replaces the view and resets the cursor; gaps are kept', () => {
    const store = openStore({ file: join(dir, 'm.db') })
    store.applyTransition('a:1', who, transition(5))
    store.recordGap('a:1', {
      reason: 'restarted',
      requestedIncarnation: 'inc1',
      requestedAfter: 5,
      oldestAvailable: 1,
    })
    store.applySnapshot('a:1', { ...who, incarnation: 'inc2' }, 0, [
      {
        peerId: 'peerW',
        validator: 'ValW',
        state: 'SLOW',
        sinceMs: 10,
        lastSeenMs: 9,
        consecutiveMisses: 0,
        rttMs: 700,
      },
    ])
    expect(store.cursor('a:1')).toEqual({ incarnation: 'inc2', lastSequence: 0 })
    expect(store.views().map((v) => [v.validator, v.state])).toEqual([['ValW', 'SLOW']])
    expect(store.gaps('a:1')).toEqual([
      { reason: 'restarted', requestedIncarnation: 'inc1', requestedAfter: 5, oldestAvailable: 1 },
    ])
    store.close()
  })

  it('saves, updates and lists evidence with its observers', () => {
    const store = openStore({ file: join(dir, 'm.db') })
    store.saveEvidence([record(1), record(2, 90_000)])
    store.saveEvidence([{ ...record(1), observers: ['ValA', 'ValB', 'ValC'], missedPings: 7 }])
    expect(store.openEvidence()).toEqual([
      { ...record(1), observers: ['ValA', 'ValB', 'ValC'], missedPings: 7 },
    ])
    expect(store.evidence(10).map((r) => r.id)).toEqual([1, 2])
    expect(store.lastEvidenceId()).toBe(2)
    store.close()
  })

  it('retention keeps at most maxTransitionsPerObserver transitions and maxClosedEvidence', () => {
    const store = openStore({
      file: join(dir, 'm.db'),
      maxTransitionsPerObserver: 3,
      pruneEvery: 1,
      maxClosedEvidence: 2,
    })
    for (let s = 1; s <= 10; s++) store.applyTransition('a:1', who, transition(s))
    expect(store.sequences('a:1', 'inc1')).toEqual([8, 9, 10])
    // A pruned sequence is not re-inserted by a replay: the cursor is past it.
    expect(store.cursor('a:1')?.lastSequence).toBe(10)
    store.saveEvidence([record(1, 1), record(2, 2), record(3, 3), record(4)])
    expect(store.evidence(10).map((r) => r.id)).toEqual([4, 3, 2])
    store.close()
  })

  it('a garbage file is a corrupt-database error naming the file', () => {
    const file = join(dir, 'garbage.db')
    writeFileSync(file, Buffer.alloc(8192, 0x5a))
    let error: unknown
    try {
      openStore({ file })
    } catch (err) {
      error = err
    }
    expect(error).toMatchObject({ name: 'StoreError', code: 'Corrupt', file })
    expect((error as Error).message).toContain(file)
    expect((error as Error).message).toContain('not a SQLite database')
  })

  it('a database of a newer schema is refused', () => {
    const file = join(dir, 'm.db')
    openStore({ file }).close()
    const db = new Database(file)
    db.prepare('INSERT INTO schema_migrations VALUES (99, 0)').run()
    db.close()
    expect(() => openStore({ file })).toThrow(expect.objectContaining({ code: 'Schema' }))
  })

  it('readonly needs an existing peer-monitor database', () => {
    const missing = join(dir, 'missing.db')
    expect(() => openStore({ file: missing, readonly: true })).toThrow(
      expect.objectContaining({ name: 'StoreError', code: 'OpenFailed' }),
    )
    const other = join(dir, 'other.db')
    new Database(other).exec('CREATE TABLE t (x)')
    expect(() => openStore({ file: other, readonly: true })).toThrow(/not a peer-monitor database/)
  })

  it('a file another process holds an exclusive lock on is a locked error', async () => {
    const file = join(dir, 'm.db')
    openStore({ file }).close()
    // Another process takes an exclusive lock and holds it until killed.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(process.argv[1]);
         db.pragma('locking_mode = EXCLUSIVE'); db.exec('BEGIN EXCLUSIVE');
         process.stdout.write('locked\\n'); setInterval(() => {}, 1000)`,
        file,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    )
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve())
        holder.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)))
      })
      let error: unknown
      try {
        openStore({ file, busyTimeoutMs: 100 })
      } catch (err) {
        error = err
      }
      expect(error).toMatchObject({ name: 'StoreError', code: 'Locked', file })
      expect((error as Error).message).toContain('locked by another process')
    } finally {
      holder.kill('SIGKILL')
    }
  })
})
