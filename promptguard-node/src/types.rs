//! String unions for the generated TypeScript definitions (`native.d.ts`). The addon passes
//! these values as plain strings; the enums exist so that the `.d.ts` names every allowed value.

use napi_derive::napi;

/// What promptguard decided.
#[napi(string_enum = "lowercase")]
#[derive(Debug)]
pub enum Action {
    /// Let the text through.
    Allow,
    /// Let the text through with findings replaced.
    Redact,
    /// Stop the text.
    Block,
}

/// Threat types (stable names).
#[napi(string_enum = "snake_case")]
#[derive(Debug)]
pub enum ThreatType {
    /// Instructions that try to override the application's own.
    PromptInjection,
    /// Attempts to lift the model's safety rules.
    Jailbreak,
    /// Personal data.
    Pii,
    /// Attempts to move data out (system prompt, tools, markdown images).
    DataExfiltration,
    /// Abuse, hate, harassment.
    Toxicity,
    /// API keys, tokens, private keys.
    Secret,
    /// Scams and phishing.
    Fraud,
    /// Malicious code and shell payloads.
    Malware,
    /// Injection carried by tool results or retrieved content.
    ToolInjection,
    /// Model Context Protocol policy violations.
    McpViolation,
    /// Disallowed or suspicious URLs.
    UrlViolation,
    /// Responses not grounded in their sources.
    Groundedness,
    /// Content that helps cause serious harm.
    HarmfulContent,
}

/// Severity of a finding.
#[napi(string_enum = "lowercase")]
#[derive(Debug)]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

/// Presets (starting policies).
#[napi(string_enum = "snake_case")]
#[derive(Debug)]
pub enum Preset {
    /// Balanced protection.
    Default,
    /// Customer support bots.
    SupportBot,
    /// Coding assistants.
    CodeAssistant,
    /// Retrieval-augmented apps.
    RagSystem,
    /// Fiction.
    CreativeWriting,
    /// Data analysis.
    DataAnalysis,
}

/// How eagerly detectors act.
#[napi(string_enum = "lowercase")]
#[derive(Debug)]
pub enum Strictness {
    /// Act on weaker evidence.
    Strict,
    /// Balanced.
    Moderate,
    /// Act only on strong evidence.
    Permissive,
}

/// Who wrote a text.
#[napi(string_enum = "lowercase")]
#[derive(Debug)]
pub enum Role {
    /// The application's own instructions.
    System,
    /// The end user.
    User,
    /// The model.
    Assistant,
    /// A tool result or retrieved document.
    Tool,
}

/// Which way a text travels.
#[napi(string_enum = "lowercase")]
#[derive(Debug)]
pub enum Direction {
    /// A prompt on its way to the model.
    Input,
    /// A response on its way to the user.
    Output,
}

/// How the ML tier runs.
#[napi(string_enum = "lowercase")]
#[derive(Debug)]
pub enum MlMode {
    /// Rules only.
    Off,
    /// Models score only what the rules leave unsure.
    Cascade,
    /// Models score every text.
    Always,
}
