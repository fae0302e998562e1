// Types of the npm package `promptguard`. The data types (Decision, Threat, options, string
// unions) are generated from the Rust source by `napi build` into native.d.ts and re-exported
// here; this file adds what index.js adds on top of the addon: `toJSON()` on every decision,
// and the `Engine` wrapper class.
import type * as native from './native'

export type {
  Action,
  Direction,
  EngineOptions,
  Message,
  MlMode,
  Preset,
  Role,
  ScanOptions,
  Severity,
  Strictness,
  ThreatType,
  Threat,
  Unscanned,
} from './native'

/** One finding in the wire JSON (DESIGN.md, "Decision JSON"). Spans are UTF-16 offsets. */
export interface ThreatJSON {
  type: native.ThreatType
  detector: string
  rule_id: string
  confidence: number
  severity: native.Severity
  span: [number, number]
  excerpt: string
  entity?: string
  category?: string
  message?: number
}

/** The stable Decision JSON of DESIGN.md: what `JSON.stringify(decision)` produces. */
export interface DecisionJSON {
  decision: native.Action
  confidence: number
  threat_type: native.ThreatType | null
  reason: string
  event_id: string
  threats: ThreatJSON[]
  redacted_text: string | null
  unscanned: Array<{ reason: string; span: [number, number] }>
  policy: string
  latency_ms: number
}

/** What promptguard decided about one text: camelCase properties, snake_case `toJSON()`. */
export interface Decision extends native.Decision {
  /** The stable snake_case Decision JSON (used by `JSON.stringify`). */
  toJSON(): DecisionJSON
}

/** The decision over a conversation, and one per message. */
export interface ConversationDecision {
  decision: Decision
  messages: Decision[]
  toJSON(): { decision: DecisionJSON; messages: DecisionJSON[] }
}

/**
 * Scans `text` with a shared engine for `options.preset` and `options.strictness` (built once
 * per combination, on first use). Synchronous.
 *
 * Throws `TypeError` with `code: 'invalid_input'` for arguments of the wrong type and `Error`
 * with `code: 'config'` for an unknown preset, strictness, direction or role.
 */
export declare function scan(text: string, options?: native.ScanOptions): Decision

/** A compiled engine: build once, scan many times, from any number of concurrent callers. */
export declare class Engine {
  /**
   * Compiles the rules and the policy. Throws `Error` with `code` `'config'`, `'parse'`,
   * `'io'`, `'rule'` or `'model'` for a bad policy, and `TypeError` with
   * `code: 'invalid_input'` for options of the wrong type.
   */
  constructor(options?: native.EngineOptions)
  /** Scans on the libuv thread pool; bad arguments reject the promise. */
  scan(text: string, options?: native.ScanOptions): Promise<Decision>
  /** Scans on the calling thread. */
  scanSync(text: string, options?: native.ScanOptions): Decision
  /** Scans a conversation on the libuv thread pool. */
  scanMessages(messages: native.Message[]): Promise<ConversationDecision>
  /** Scans a conversation on the calling thread. */
  scanMessagesSync(messages: native.Message[]): ConversationDecision
  /** The policy in force, e.g. `support_bot:strict`. */
  readonly policy: string
  /** Where the policy is looser than its preset (empty for plain presets). */
  readonly policyWarnings: string[]
  /** Number of compiled rules. */
  readonly ruleCount: number
}

/** The package version (the Cargo workspace version). */
export declare const VERSION: string
/** Every preset name. */
export declare const PRESETS: readonly native.Preset[]
/** Every strictness name. */
export declare const STRICTNESS: readonly native.Strictness[]
/** Every threat type name. */
export declare const THREAT_TYPES: readonly native.ThreatType[]
