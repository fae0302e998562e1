//! Node.js binding of promptguard: the native half of the npm package `promptguard`.
//!
//! The binding stays thin: it converts arguments and results, turns the core's byte spans into
//! UTF-16 offsets (so `text.slice(start, end)` is the match in JavaScript), maps errors in one
//! function (`errors.rs`), and runs `Engine.scan` on the libuv thread pool (`AsyncTask`).
//! `index.js` wraps these exports to give every decision a `toJSON()` that returns the stable
//! snake_case Decision JSON of DESIGN.md.

// The workspace forbids `unsafe_code`; the FFI glue that `#[napi]` expands to is unsafe by
// nature, so this crate allows it (bindings are the documented exception). The code written
// in this crate itself contains no `unsafe` block.
#![allow(unsafe_code)]

mod errors;
mod offsets;
pub mod types;

use std::sync::OnceLock;

use napi::bindgen_prelude::{AsyncTask, Either, Unknown};
use napi::{Env, Task, ValueType};
use napi_derive::napi;
use serde::Deserialize;

use promptguard_core as core;
use promptguard_core::{
    Direction, EngineBuilder, ErrorKind, Message, MlMode, Policy, Preset, Role, ScanOptions,
    Strictness,
};

use crate::errors::{throw, throw_core};
use crate::offsets::Utf16Offsets;

/// One finding. `start`/`end` are UTF-16 offsets into the scanned text:
/// `text.slice(start, end)` is the matched text.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Threat {
    /// Threat type of the finding (e.g. `prompt_injection`, `pii`).
    #[napi(js_name = "type", ts_type = "ThreatType")]
    pub threat_type: String,
    /// Detector that reported it (e.g. `injection`, `pii`).
    pub detector: String,
    /// Rule id (e.g. `pi.override.ignore_previous`).
    pub rule_id: String,
    /// Calibrated confidence in [0, 1].
    pub confidence: f64,
    /// `low`, `medium`, `high` or `critical`.
    #[napi(ts_type = "Severity")]
    pub severity: String,
    /// Start, in UTF-16 code units.
    pub start: u32,
    /// End (exclusive), in UTF-16 code units.
    pub end: u32,
    /// The matched text, shortened for display.
    pub excerpt: String,
    /// Entity for data findings (e.g. `EMAIL`, `SSN`), else null.
    pub entity: Option<String>,
    /// Rule category, if the rule has one.
    pub category: Option<String>,
    /// For `scanMessages`: index of the message the span points into (null: the user turns
    /// joined with `\n`).
    pub message: Option<u32>,
}

/// A part of the text that was not scanned, and why (`too_large`, `decode_limit`, ...).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Unscanned {
    /// Why it was not scanned.
    pub reason: String,
    /// Start, in UTF-16 code units.
    pub start: u32,
    /// End (exclusive), in UTF-16 code units.
    pub end: u32,
}

/// What promptguard decided about one text.
#[napi(object, use_nullable = true)]
#[derive(Debug, Clone)]
pub struct Decision {
    /// `allow`, `block` or `redact`.
    #[napi(ts_type = "Action")]
    pub decision: String,
    /// Calibrated confidence of the decision in [0, 1].
    pub confidence: f64,
    /// The primary threat; null when allowed.
    #[napi(ts_type = "ThreatType")]
    pub threat_type: Option<String>,
    /// A human-readable explanation naming the rule.
    pub reason: String,
    /// Event id (UUID v7 unless one was given in the options).
    pub event_id: String,
    /// Every finding, strongest first.
    pub threats: Vec<Threat>,
    /// The text with findings replaced (when the decision is `redact`), else null.
    pub redacted_text: Option<String>,
    /// Parts of the text that were not scanned.
    pub unscanned: Vec<Unscanned>,
    /// Policy in force, e.g. `rag_system:strict`.
    pub policy: String,
    /// Time spent in the engine, in milliseconds.
    pub latency_ms: f64,
}

/// The decision over a conversation, and one per message.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ConversationDecision {
    /// Overall decision (the strongest over the messages and over the user turns together).
    pub decision: Decision,
    /// One decision per message, in order.
    pub messages: Vec<Decision>,
}

/// Options of one scan. `preset` and `strictness` apply to the free `scan()` only; an
/// `Engine` gets them when it is built.
#[napi(object, js_name = "ScanOptions")]
#[derive(Debug, Clone)]
pub struct ScanOptionsArg {
    /// Preset for the free `scan()` (default `default`).
    #[napi(ts_type = "Preset")]
    pub preset: Option<String>,
    /// Strictness for the free `scan()` (default `moderate`).
    #[napi(ts_type = "Strictness")]
    pub strictness: Option<String>,
    /// `input` (a prompt, default) or `output` (a model response).
    #[napi(ts_type = "Direction")]
    pub direction: Option<String>,
    /// Who wrote the text (default `user` for inputs, `assistant` for outputs).
    #[napi(ts_type = "Role")]
    pub role: Option<String>,
    /// Event id to use instead of a fresh UUID v7.
    pub event_id: Option<String>,
    /// Canary tokens planted in the system prompt (outputs: any of them is a leak).
    pub canaries: Option<Vec<String>>,
    /// The conversation's system prompt (outputs: long verbatim runs of it are a leak).
    pub system_prompt: Option<String>,
}

/// Options of `new Engine(...)`.
#[napi(object, js_name = "EngineOptions")]
#[derive(Debug, Clone)]
pub struct EngineOptionsArg {
    /// Preset (default `default`; a policy's own `preset` wins).
    #[napi(ts_type = "Preset")]
    pub preset: Option<String>,
    /// Strictness (default `moderate`; a policy's own `strictness` wins).
    #[napi(ts_type = "Strictness")]
    pub strictness: Option<String>,
    /// A policy: an object, or YAML/JSON text.
    #[napi(ts_type = "string | Record<string, unknown>")]
    pub policy: Option<String>,
    /// Path of a policy file (`.yaml`, `.yml`, `.json` or `.toml`).
    pub policy_file: Option<String>,
    /// ML tier: `off`, `cascade` (default) or `always`.
    #[napi(ts_type = "MlMode")]
    pub ml_mode: Option<String>,
    /// Directory to read model files from.
    pub model_dir: Option<String>,
}

/// One turn of a conversation for `scanMessages`.
#[napi(object, js_name = "Message")]
#[derive(Debug, Clone)]
pub struct MessageArg {
    /// Who wrote it.
    #[napi(ts_type = "Role")]
    pub role: String,
    /// What it says.
    pub content: String,
}

/// Options as read from JavaScript (unknown keys and wrong types are rejected).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScanArgs {
    preset: Option<String>,
    strictness: Option<String>,
    direction: Option<String>,
    role: Option<String>,
    event_id: Option<String>,
    canaries: Option<Vec<String>>,
    system_prompt: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EngineArgs {
    preset: Option<String>,
    strictness: Option<String>,
    policy: Option<serde_json::Value>,
    policy_file: Option<String>,
    ml_mode: Option<String>,
    model_dir: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageArgs {
    role: String,
    content: String,
}

/// Name of a JavaScript value's type for error messages.
fn type_name(value: &Unknown<'_>) -> &'static str {
    match value.get_type() {
        Ok(ValueType::Undefined) => "undefined",
        Ok(ValueType::Null) => "null",
        Ok(ValueType::Boolean) => "boolean",
        Ok(ValueType::Number) => "number",
        Ok(ValueType::String) => "string",
        Ok(ValueType::Symbol) => "symbol",
        Ok(ValueType::Object) => "object",
        Ok(ValueType::Function) => "function",
        Ok(ValueType::External) => "external",
        Ok(ValueType::BigInt) => "bigint",
        _ => "unknown value",
    }
}

/// The text argument: a string, else a `TypeError` with code `invalid_input`.
fn text_arg(env: &Env, text: Either<String, Unknown<'_>>) -> napi::Result<String> {
    match text {
        Either::A(s) => Ok(s),
        Either::B(other) => Err(throw(
            env,
            ErrorKind::InvalidInput,
            &format!("text must be a string, got {}", type_name(&other)),
        )),
    }
}

/// Reads an options object (undefined/null: defaults) into `T`.
fn options_arg<T: serde::de::DeserializeOwned + Default>(
    env: &Env,
    what: &str,
    value: Option<Unknown<'_>>,
) -> napi::Result<T> {
    let Some(value) = value else {
        return Ok(T::default());
    };
    match value.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => return Ok(T::default()),
        Ok(ValueType::Object) => {}
        _ => {
            return Err(throw(
                env,
                ErrorKind::InvalidInput,
                &format!("{what} must be an object, got {}", type_name(&value)),
            ))
        }
    }
    env.from_js_value::<T, _>(value).map_err(|e| {
        throw(
            env,
            ErrorKind::InvalidInput,
            &format!("invalid {what}: {}", e.reason),
        )
    })
}

fn parse<T: std::str::FromStr<Err = core::Error>>(
    env: &Env,
    value: Option<&str>,
) -> napi::Result<Option<T>> {
    value
        .map(str::parse)
        .transpose()
        .map_err(|e| throw_core(env, &e))
}

/// Turns the per-scan fields of `args` into core options.
fn scan_options(env: &Env, args: ScanArgs) -> napi::Result<ScanOptions> {
    Ok(ScanOptions {
        direction: parse::<Direction>(env, args.direction.as_deref())?.unwrap_or_default(),
        role: parse::<Role>(env, args.role.as_deref())?,
        event_id: args.event_id,
        canaries: args.canaries.unwrap_or_default(),
        system_prompt: args.system_prompt,
    })
}

/// Engine-level options may not be given per scan: say where they go instead.
fn reject_engine_fields(env: &Env, args: &ScanArgs) -> napi::Result<()> {
    let field = if args.preset.is_some() {
        "preset"
    } else if args.strictness.is_some() {
        "strictness"
    } else {
        return Ok(());
    };
    Err(throw(
        env,
        ErrorKind::Config,
        &format!(
            "`{field}` is set when the engine is built: new Engine({{ {field} }}), not per scan"
        ),
    ))
}

/// Converts a core decision about `text` into the JavaScript shape, with UTF-16 spans.
/// `texts` resolves a finding's `message` index to the text its span points into.
fn convert_decision<'a>(
    d: core::Decision,
    text: &'a str,
    texts: &dyn Fn(Option<usize>) -> &'a str,
) -> Decision {
    // Group the span offsets by the text they point into, then map each group in one pass.
    let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for f in &d.threats {
        let pos = match groups.iter().position(|(m, _)| *m == f.message) {
            Some(p) => p,
            None => {
                groups.push((f.message, Vec::new()));
                groups.len() - 1
            }
        };
        groups[pos].1.extend([f.span.start, f.span.end]);
    }
    let maps: Vec<(Option<usize>, Utf16Offsets)> = groups
        .into_iter()
        .map(|(m, offs)| (m, Utf16Offsets::new(texts(m), offs)))
        .collect();
    let unscanned_map = Utf16Offsets::new(
        text,
        d.unscanned.iter().flat_map(|u| [u.span.start, u.span.end]),
    );
    let threats = d
        .threats
        .into_iter()
        .map(|f| {
            let map = maps
                .iter()
                .find(|(m, _)| *m == f.message)
                .map(|(_, map)| map);
            let (start, end) = match map {
                Some(map) => (map.get(f.span.start), map.get(f.span.end)),
                None => (0, 0),
            };
            Threat {
                threat_type: f.threat_type.as_str().to_owned(),
                detector: f.detector,
                rule_id: f.rule_id,
                confidence: f.confidence,
                severity: severity_name(f.severity).to_owned(),
                start,
                end,
                excerpt: f.excerpt,
                entity: f.entity,
                category: f.category,
                message: f.message.map(|m| u32::try_from(m).unwrap_or(u32::MAX)),
            }
        })
        .collect();
    let unscanned = d
        .unscanned
        .into_iter()
        .map(|u| Unscanned {
            start: unscanned_map.get(u.span.start),
            end: unscanned_map.get(u.span.end),
            reason: u.reason,
        })
        .collect();
    Decision {
        decision: d.action.as_str().to_owned(),
        confidence: d.confidence,
        threat_type: d.threat_type.map(|t| t.as_str().to_owned()),
        reason: d.reason,
        event_id: d.event_id,
        threats,
        redacted_text: d.redacted_text,
        unscanned,
        policy: d.policy,
        latency_ms: d.latency_ms,
    }
}

fn severity_name(s: core::Severity) -> &'static str {
    match s {
        core::Severity::Low => "low",
        core::Severity::Medium => "medium",
        core::Severity::High => "high",
        core::Severity::Critical => "critical",
    }
}

/// Scans one text and converts the result (runs on the calling thread or a libuv worker).
fn scan_one(engine: &core::Engine, text: &str, options: &ScanOptions) -> Decision {
    let d = engine.scan_with(text, options);
    convert_decision(d, text, &|_| text)
}

/// Scans a conversation and converts the results.
fn scan_conversation(engine: &core::Engine, messages: &[Message]) -> ConversationDecision {
    let cd = engine.scan_messages(messages);
    let joined_user_turns: String = messages
        .iter()
        .filter(|m| m.role == Role::User)
        .map(|m| m.content.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let texts = |m: Option<usize>| -> &str {
        match m {
            Some(i) => messages.get(i).map_or("", |msg| msg.content.as_str()),
            None => joined_user_turns.as_str(),
        }
    };
    let per: Vec<Decision> = cd
        .messages
        .into_iter()
        .zip(messages)
        .map(|(d, m)| convert_decision(d, &m.content, &|_| m.content.as_str()))
        .collect();
    // The overall `unscanned` list is the per-message lists one after another: take them
    // from the converted per-message decisions, whose spans are already in UTF-16.
    let mut overall_core = cd.decision;
    let per_unscanned: Vec<Unscanned> = per
        .iter()
        .flat_map(|d| d.unscanned.iter().cloned())
        .collect();
    let same_shape = per_unscanned.len() == overall_core.unscanned.len();
    if same_shape {
        overall_core.unscanned.clear();
    }
    let mut overall = convert_decision(overall_core, &joined_user_turns, &texts);
    if same_shape {
        overall.unscanned = per_unscanned;
    }
    ConversationDecision {
        decision: overall,
        messages: per,
    }
}

fn messages_arg(env: &Env, value: Unknown<'_>) -> napi::Result<Vec<Message>> {
    if !matches!(value.get_type(), Ok(ValueType::Object)) {
        return Err(throw(
            env,
            ErrorKind::InvalidInput,
            &format!(
                "messages must be an array of {{ role, content }}, got {}",
                type_name(&value)
            ),
        ));
    }
    let raw: Vec<MessageArgs> = env.from_js_value(value).map_err(|e| {
        throw(
            env,
            ErrorKind::InvalidInput,
            &format!("invalid messages: {}", e.reason),
        )
    })?;
    raw.into_iter()
        .map(|m| {
            let role: Role = m.role.parse().map_err(|e| throw_core(env, &e))?;
            Ok(Message::new(role, m.content))
        })
        .collect()
}

/// Shared engines behind the free `scan()`: one per preset and strictness, built on first use.
static SHARED: [[OnceLock<core::Engine>; 3]; 6] = [const { [const { OnceLock::new() }; 3] }; 6];

fn shared_engine(
    preset: Preset,
    strictness: Strictness,
) -> Result<&'static core::Engine, core::Error> {
    if strictness == Strictness::Moderate {
        return Ok(core::shared_engine(preset));
    }
    let p = Preset::ALL.iter().position(|x| *x == preset).unwrap_or(0);
    let s = Strictness::ALL
        .iter()
        .position(|x| *x == strictness)
        .unwrap_or(1);
    let cell = &SHARED[p][s];
    if let Some(engine) = cell.get() {
        return Ok(engine);
    }
    let engine = EngineBuilder::new()
        .preset(preset)
        .strictness(strictness)
        .build()?;
    Ok(cell.get_or_init(|| engine))
}

/// Scans `text` with a shared engine for `options.preset` / `options.strictness` (built once per
/// combination) and returns the decision. Synchronous; use `Engine.scan` for a Promise.
#[napi(
    js_name = "scan",
    catch_unwind,
    ts_args_type = "text: string, options?: ScanOptions",
    ts_return_type = "Decision"
)]
pub fn scan_free(
    env: Env,
    text: Either<String, Unknown<'_>>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Decision> {
    let text = text_arg(&env, text)?;
    let args: ScanArgs = options_arg(&env, "options", options)?;
    let preset = parse::<Preset>(&env, args.preset.as_deref())?.unwrap_or_default();
    let strictness = parse::<Strictness>(&env, args.strictness.as_deref())?.unwrap_or_default();
    let engine = shared_engine(preset, strictness).map_err(|e| throw_core(&env, &e))?;
    let options = scan_options(&env, args)?;
    Ok(scan_one(engine, &text, &options))
}

/// The package version (the Cargo workspace version).
#[napi]
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A compiled engine: rules and policy compiled once, shared by every scan. Scanning never
/// fails; building can (an invalid preset, strictness or policy throws with `code`).
#[napi]
#[derive(Debug)]
pub struct Engine {
    inner: core::Engine,
}

#[napi]
impl Engine {
    /// Builds an engine. Throws `Error` with `code: 'config' | 'parse' | 'io' | 'rule' | 'model'`
    /// for a bad policy, or `TypeError` with `code: 'invalid_input'` for options of wrong type.
    #[napi(constructor, catch_unwind, ts_args_type = "options?: EngineOptions")]
    pub fn new(env: Env, options: Option<Unknown<'_>>) -> napi::Result<Engine> {
        let args: EngineArgs = options_arg(&env, "engine options", options)?;
        let mut builder = EngineBuilder::new();
        if let Some(p) = parse::<Preset>(&env, args.preset.as_deref())? {
            builder.preset(p);
        }
        if let Some(s) = parse::<Strictness>(&env, args.strictness.as_deref())? {
            builder.strictness(s);
        }
        if let Some(mode) = &args.ml_mode {
            let mode: MlMode = serde_json::from_value(serde_json::Value::String(mode.clone()))
                .map_err(|_| {
                    throw(
                        &env,
                        ErrorKind::Config,
                        &format!("unknown mlMode `{mode}`; expected off, cascade or always"),
                    )
                })?;
            builder.ml_mode(mode);
        }
        if let Some(dir) = args.model_dir {
            builder.model_dir(dir);
        }
        let policy = match (args.policy, args.policy_file) {
            (Some(_), Some(_)) => {
                return Err(throw(
                    &env,
                    ErrorKind::Config,
                    "give either `policy` or `policyFile`, not both",
                ))
            }
            (Some(serde_json::Value::String(text)), None) => Some(Policy::from_yaml(&text)),
            (Some(serde_json::Value::Null), None) | (None, None) => None,
            (Some(value @ serde_json::Value::Object(_)), None) => Some(Policy::from_value(value)),
            (Some(_), None) => {
                return Err(throw(
                    &env,
                    ErrorKind::InvalidInput,
                    "`policy` must be an object or YAML/JSON text",
                ))
            }
            (None, Some(path)) => Some(Policy::from_file(path)),
        };
        if let Some(policy) = policy {
            builder.policy(policy.map_err(|e| throw_core(&env, &e))?);
        }
        let inner = builder.build().map_err(|e| throw_core(&env, &e))?;
        Ok(Engine { inner })
    }

    /// Scans `text` on the libuv thread pool; resolves to the decision.
    #[napi(
        catch_unwind,
        ts_args_type = "text: string, options?: ScanOptions",
        ts_return_type = "Promise<Decision>"
    )]
    pub fn scan(
        &self,
        env: Env,
        text: Either<String, Unknown<'_>>,
        options: Option<Unknown<'_>>,
    ) -> napi::Result<AsyncTask<ScanTask>> {
        let text = text_arg(&env, text)?;
        let args: ScanArgs = options_arg(&env, "options", options)?;
        reject_engine_fields(&env, &args)?;
        let options = scan_options(&env, args)?;
        Ok(AsyncTask::new(ScanTask {
            engine: self.inner.clone(),
            job: Job::Text(text, options),
        }))
    }

    /// Scans `text` on the calling thread and returns the decision.
    #[napi(
        catch_unwind,
        ts_args_type = "text: string, options?: ScanOptions",
        ts_return_type = "Decision"
    )]
    pub fn scan_sync(
        &self,
        env: Env,
        text: Either<String, Unknown<'_>>,
        options: Option<Unknown<'_>>,
    ) -> napi::Result<Decision> {
        let text = text_arg(&env, text)?;
        let args: ScanArgs = options_arg(&env, "options", options)?;
        reject_engine_fields(&env, &args)?;
        let options = scan_options(&env, args)?;
        Ok(scan_one(&self.inner, &text, &options))
    }

    /// Scans a conversation (each message with its role, and the user turns together for
    /// attacks split across turns) on the libuv thread pool.
    #[napi(
        catch_unwind,
        ts_args_type = "messages: Message[]",
        ts_return_type = "Promise<ConversationDecision>"
    )]
    pub fn scan_messages(
        &self,
        env: Env,
        messages: Unknown<'_>,
    ) -> napi::Result<AsyncTask<ScanTask>> {
        let messages = messages_arg(&env, messages)?;
        Ok(AsyncTask::new(ScanTask {
            engine: self.inner.clone(),
            job: Job::Messages(messages),
        }))
    }

    /// `scanMessages` on the calling thread.
    #[napi(catch_unwind, ts_args_type = "messages: Message[]")]
    pub fn scan_messages_sync(
        &self,
        env: Env,
        messages: Unknown<'_>,
    ) -> napi::Result<ConversationDecision> {
        let messages = messages_arg(&env, messages)?;
        Ok(scan_conversation(&self.inner, &messages))
    }

    /// The policy in force, e.g. `support_bot:strict`.
    #[napi(getter)]
    pub fn policy(&self) -> String {
        self.inner.policy().name()
    }

    /// Where the policy is looser than its preset (empty for plain presets).
    #[napi(getter)]
    pub fn policy_warnings(&self) -> Vec<String> {
        self.inner.policy_warnings().to_vec()
    }

    /// Number of compiled rules.
    #[napi(getter)]
    pub fn rule_count(&self) -> u32 {
        u32::try_from(self.inner.rule_count()).unwrap_or(u32::MAX)
    }
}

/// What a [`ScanTask`] scans.
#[derive(Debug)]
pub enum Job {
    /// One text with its options.
    Text(String, ScanOptions),
    /// A conversation.
    Messages(Vec<Message>),
}

/// The result of a [`ScanTask`].
#[derive(Debug)]
pub enum JobOutput {
    /// A decision.
    Text(Decision),
    /// A conversation decision.
    Messages(ConversationDecision),
}

/// A scan running on the libuv thread pool (the engine is an `Arc` inside, so the clone is
/// cheap and the JavaScript thread stays free).
#[derive(Debug)]
pub struct ScanTask {
    engine: core::Engine,
    job: Job,
}

impl Task for ScanTask {
    type Output = JobOutput;
    type JsValue = Either<Decision, ConversationDecision>;

    fn compute(&mut self) -> napi::Result<JobOutput> {
        // Spans are converted to UTF-16 here too, off the JavaScript thread.
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &self.job {
            Job::Text(text, options) => JobOutput::Text(scan_one(&self.engine, text, options)),
            Job::Messages(messages) => {
                JobOutput::Messages(scan_conversation(&self.engine, messages))
            }
        }));
        out.map_err(|_| napi::Error::from_reason("promptguard: internal error while scanning"))
    }

    fn resolve(&mut self, _env: Env, output: JobOutput) -> napi::Result<Self::JsValue> {
        Ok(match output {
            JobOutput::Text(d) => Either::A(d),
            JobOutput::Messages(c) => Either::B(c),
        })
    }
}
