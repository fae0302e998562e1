// The shared case corpus (promptguard-core/testdata/*.jsonl), the same cases the Rust and
// Python suites run: decision, threat_type, rule_ids ⊆ findings, redacted_text when given,
// and every span slices the input in JavaScript (UTF-16 offsets).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Engine } from '../index.js'

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'promptguard-core', 'testdata')
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()
const engines = new Map()
function engineFor(preset = 'default', strictness = 'moderate') {
  const key = `${preset}:${strictness}`
  if (!engines.has(key)) engines.set(key, new Engine({ preset, strictness }))
  return engines.get(key)
}

test('the corpus is there', () => {
  const total = files.reduce((n, f) => n + readCases(f).length, 0)
  assert.ok(total >= 50, `only ${total} corpus cases in ${dir}`)
})

function readCases(file) {
  return fs
    .readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .map((line, i) => [line, i + 1])
    .filter(([line]) => line.trim() !== '')
    .map(([line, n]) => ({ n, c: JSON.parse(line) }))
}

for (const file of files) {
  test(file, async (t) => {
    for (const { n, c } of readCases(file)) {
      await t.test(`${n}: ${c.name}`, () => {
        const opts = {}
        if (c.direction) opts.direction = c.direction
        if (c.role) opts.role = c.role
        const d = engineFor(c.preset, c.strictness).scanSync(c.input, opts)
        const want = c.expect
        assert.equal(d.decision, want.decision, `decision (${d.reason})`)
        if ('threat_type' in want) assert.equal(d.threatType, want.threat_type, `threat_type (${d.reason})`)
        const ids = d.threats.map((f) => f.ruleId)
        for (const id of want.rule_ids ?? []) assert.ok(ids.includes(id), `rule ${id} not among findings ${JSON.stringify(ids)}`)
        if ('redacted_text' in want) assert.equal(d.redactedText, want.redacted_text)
        for (const f of d.threats) {
          assert.ok(0 <= f.start && f.start <= f.end && f.end <= c.input.length, `span of ${f.ruleId}`)
        }
        // The wire JSON agrees with the object.
        const j = JSON.parse(JSON.stringify(d))
        assert.equal(j.decision, d.decision)
        assert.deepEqual(j.threats.map((f) => f.rule_id), ids)
      })
    }
  })
}
