// Side by side on one corpus, in one run: promptguard (npm package, native addon) sync and
// async, and @presidio-dev/hai-guardrails 1.12.0 in its offline 'pattern' mode with the same
// guards as ../../../shared/peers/bench_hai.mjs (injection + leakage pattern, PII, secrets).
//
//   npm ci && node bench.mjs [corpus.jsonl] [--rounds N]
//
// The corpus is ../shared/peers' gen_corpus.py output (1,080 prompts; rows {"text", "labels"});
// by default $PEERS_WORK/corpus.jsonl (~/.cache/promptguard-peers/corpus.jsonl).
// Each mode runs N rounds (default 5) over the whole corpus after a warm-up; the median round
// is reported. Modes:
//   sync         engine.scanSync(text) in a loop (the JavaScript thread does the work)
//   async_seq    await engine.scan(text) one at a time (adds the libuv thread hop)
//   async_c64    engine.scan() with 64 in flight (libuv pool, UV_THREADPOOL_SIZE threads)
//   hai_seq      await guards.run([{role:'user', content:text}]) one at a time
//   hai_c64      hai with 64 in flight (it is JavaScript: one thread either way)
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Engine, VERSION } from 'promptguard'

const args = process.argv.slice(2)
const roundsAt = args.indexOf('--rounds')
const ROUNDS = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 5
const corpusPath = args[0] ?? path.join(process.env.PEERS_WORK ?? path.join(os.homedir(), '.cache', 'promptguard-peers'), 'corpus.jsonl')
if (!fs.existsSync(corpusPath)) {
  console.error(`no corpus at ${corpusPath}: run ../../../shared/peers/gen_corpus.py corpus.jsonl (needs python-stdnum) and pass its path`)
  process.exit(2)
}
const rows = fs.readFileSync(corpusPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
const texts = rows.map((r) => r.text)
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0)

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)] }
const pct = (sorted, p) => { const k = (sorted.length - 1) * p / 100, f = Math.floor(k), c = Math.min(f + 1, sorted.length - 1); return sorted[f] + (sorted[c] - sorted[f]) * (k - f) }

/** Runs `round` ROUNDS times; returns the median round's throughput and latency percentiles. */
async function measure(name, round) {
  await round(texts.slice(0, 50), []) // warm-up
  const results = []
  for (let r = 0; r < ROUNDS; r++) {
    const lat = []
    const t0 = performance.now()
    await round(texts, lat)
    const wall = (performance.now() - t0) / 1000
    results.push({ wall, lat })
  }
  const mid = results.slice().sort((a, b) => a.wall - b.wall)[Math.floor((ROUNDS - 1) / 2)]
  const sorted = mid.lat.slice().sort((a, b) => a - b)
  const out = {
    mode: name,
    texts_per_s: +(texts.length / mid.wall).toFixed(0),
    mb_per_s: +(bytes / mid.wall / 1e6).toFixed(2),
    p50_ms: sorted.length ? +pct(sorted, 50).toFixed(4) : null,
    p99_ms: sorted.length ? +pct(sorted, 99).toFixed(4) : null,
    rounds_texts_per_s: results.map((x) => +(texts.length / x.wall).toFixed(0)),
  }
  console.error(`${name.padEnd(10)} ${String(out.texts_per_s).padStart(8)} texts/s  p50 ${out.p50_ms} ms  p99 ${out.p99_ms} ms`)
  return out
}

async function concurrently(items, inFlight, fn, lat) {
  let next = 0
  async function worker() {
    while (next < items.length) {
      const t = items[next++]
      const s = performance.now()
      await fn(t)
      lat.push(performance.now() - s)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
}

// ---- promptguard
const t0 = performance.now()
const engine = new Engine()
const pgInit = (performance.now() - t0) / 1000
const flagged = texts.map((t) => engine.scanSync(t).decision !== 'allow')
const results = []
results.push(await measure('sync', async (items, lat) => {
  for (const t of items) { const s = performance.now(); engine.scanSync(t); lat.push(performance.now() - s) }
}))
results.push(await measure('async_seq', async (items, lat) => {
  for (const t of items) { const s = performance.now(); await engine.scan(t); lat.push(performance.now() - s) }
}))
results.push(await measure('async_c64', (items, lat) => concurrently(items, 64, (t) => engine.scan(t), lat)))

// ---- hai-guardrails (pattern mode), set up as in shared/peers/bench_hai.mjs
let poolErrors = 0
process.on('uncaughtException', (e) => { if (String(e).includes('piscina')) poolErrors++; else { console.error(e); process.exit(1) } })
const t1 = performance.now()
const H = await import('@presidio-dev/hai-guardrails')
const { injectionGuard, leakageGuard, piiGuard, secretGuard, GuardrailsEngine, SelectionType } = H
const hai = new GuardrailsEngine({ guards: [
  injectionGuard({ roles: ['user'] }, { mode: 'pattern', threshold: 0.5 }),
  leakageGuard({ roles: ['user'] }, { mode: 'pattern', threshold: 0.5 }),
  piiGuard({ selection: SelectionType.All }),
  secretGuard({ selection: SelectionType.All }),
] })
const haiInit = (performance.now() - t1) / 1000
const haiScan = (t) => hai.run([{ role: 'user', content: t }])
const haiFlag = async (t) => {
  const r = await haiScan(t)
  return r.messagesWithGuardResult.some((g) => !g.messages[0].passed) || r.messages[0].content !== t
}
const haiFlagged = []
for (const t of texts) haiFlagged.push(await haiFlag(t))
results.push(await measure('hai_seq', async (items, lat) => {
  for (const t of items) { const s = performance.now(); await haiScan(t); lat.push(performance.now() - s) }
}))
results.push(await measure('hai_c64', (items, lat) => concurrently(items, 64, haiScan, lat)))

// Context for the speed numbers: how often each flags a text (any non-allow / any guard hit),
// by corpus label. Not an accuracy benchmark (see shared/peers/bench_scanners.py for that).
const labels = {}
rows.forEach((r, i) => {
  for (const l of r.labels.length ? r.labels : ['benign']) {
    labels[l] ??= { n: 0, promptguard: 0, hai: 0 }
    labels[l].n++
    labels[l].promptguard += flagged[i] ? 1 : 0
    labels[l].hai += haiFlagged[i] ? 1 : 0
  }
})
for (const l of Object.values(labels)) { l.promptguard = +(l.promptguard / l.n).toFixed(3); l.hai = +(l.hai / l.n).toFixed(3) }

const byMode = Object.fromEntries(results.map((r) => [r.mode, r]))
const report = {
  corpus: corpusPath,
  texts: texts.length,
  mean_bytes: Math.round(bytes / texts.length),
  rounds: ROUNDS,
  machine: { cpus: os.cpus().length, node: process.version, uv_threadpool_size: Number(process.env.UV_THREADPOOL_SIZE ?? 4), loadavg: os.loadavg().map((x) => +x.toFixed(2)) },
  promptguard: { version: VERSION, preset: 'default:moderate', init_s: +pgInit.toFixed(3) },
  hai_guardrails: { version: '1.12.0', mode: 'pattern (injection, leakage) + pii + secret', init_s: +haiInit.toFixed(3), pool_start_errors_swallowed: poolErrors },
  results,
  ratios: {
    sync_vs_hai_seq: +(byMode.sync.texts_per_s / byMode.hai_seq.texts_per_s).toFixed(1),
    async_seq_vs_hai_seq: +(byMode.async_seq.texts_per_s / byMode.hai_seq.texts_per_s).toFixed(1),
    async_c64_vs_hai_c64: +(byMode.async_c64.texts_per_s / byMode.hai_c64.texts_per_s).toFixed(1),
  },
  flag_rate_by_label: labels,
}
console.log(JSON.stringify(report, null, 1))
process.exit(0)
