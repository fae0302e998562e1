#!/usr/bin/env node
// `npm install` hook: makes sure the native addon for this machine exists. When the package
// comes with a prebuilt `promptguard.<platform>.node`, nothing happens; otherwise the addon is
// compiled from the Rust sources with cargo (release profile) and copied next to native.js,
// under the file name native.js loads. Needs a Rust toolchain (cargo) in that case.
//
// Environment: PROMPTGUARD_SKIP_BUILD=1 skips the build (e.g. when a CI step builds it with
// `npm run build`); CARGO_TARGET_DIR is honoured.
'use strict'

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')

function isMusl() {
  if (process.platform !== 'linux') return false
  try {
    const report = process.report && process.report.getReport()
    return !(report && report.header && report.header.glibcVersionRuntime)
  } catch {
    return false
  }
}

/** The platform suffix napi-rs uses in file names (see native.js). */
function platformSuffix() {
  const { platform, arch } = process
  switch (platform) {
    case 'linux':
      return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
    case 'win32':
      return `win32-${arch}-msvc`
    default:
      return `${platform}-${arch}`
  }
}

function main() {
  const target = path.join(root, `promptguard.${platformSuffix()}.node`)
  if (fs.existsSync(target)) return 0
  if (process.env.PROMPTGUARD_SKIP_BUILD) {
    console.log('promptguard: PROMPTGUARD_SKIP_BUILD is set; not building the native addon')
    return 0
  }
  console.log(`promptguard: building the native addon with cargo (release); this takes a few minutes`)
  const cargo = process.env.CARGO || 'cargo'
  const res = spawnSync(
    cargo,
    ['build', '--release', '--lib', '--message-format=json-render-diagnostics', '--manifest-path', path.join(root, 'Cargo.toml')],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 },
  )
  if (res.error) {
    console.error(`promptguard: could not run ${cargo}: ${res.error.message}\nInstall Rust (https://rustup.rs) and retry.`)
    return 1
  }
  if (res.status !== 0) {
    console.error(`promptguard: cargo build failed (exit ${res.status})`)
    return res.status || 1
  }
  let artifact = null
  for (const line of res.stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    const msg = JSON.parse(line)
    if (msg.reason === 'compiler-artifact' && msg.target && msg.target.name === 'promptguard_node') {
      artifact = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f)) || artifact
    }
  }
  if (!artifact) {
    console.error('promptguard: cargo did not report the promptguard_node library')
    return 1
  }
  fs.copyFileSync(artifact, target)
  console.log(`promptguard: built ${path.basename(target)}`)
  return 0
}

process.exitCode = main()
