//! Command-line arguments (clap only; behaviour lives in `commands/`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// promptguard: an explainable firewall for LLM prompts and responses.
#[derive(Debug, Parser)]
#[command(name = "promptguard", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a text (or JSONL on stdin) and print the decision as JSON.
    Scan(ScanArgs),
    /// Measure precision, recall, F1, FPR and latency on labelled JSONL datasets.
    Eval(EvalArgs),
    /// Run the gateway: an OpenAI- and Anthropic-compatible proxy that scans every request and
    /// response (point your SDK's base_url at it).
    Serve(ServeArgs),
}

/// Engine selection shared by every command.
#[derive(Debug, Args, Clone)]
pub struct EngineArgs {
    /// Preset: default, support_bot, code_assistant, rag_system, creative_writing, data_analysis
    /// (also `preset:strictness`).
    #[arg(long, short = 'p', default_value = "default")]
    pub preset: String,
    /// Strictness: strict, moderate or permissive.
    #[arg(long, short = 's')]
    pub strictness: Option<String>,
    /// Policy file (YAML, JSON or TOML) merged over the preset.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// ML tier: off (rules only), cascade (models where the rules are unsure) or always.
    #[arg(long, default_value = "cascade")]
    pub ml_mode: String,
    /// Read the model files from this directory instead of the ones built in.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Direction of the text: input (a prompt) or output (a model response).
    #[arg(long, short = 'd', default_value = "input")]
    pub direction: String,
    /// Who wrote the text: user, system, assistant or tool (default: by direction).
    #[arg(long)]
    pub role: Option<String>,
    /// Read JSONL on stdin (objects with a `text` field) and write one compact decision per line.
    #[arg(long, conflicts_with = "text")]
    pub jsonl: bool,
    /// The text to scan; `-` reads all of stdin as one text.
    #[arg(required_unless_present = "jsonl")]
    pub text: Option<String>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Labelled JSONL files (`text`, `label`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print up to N misclassified rows per file to stderr.
    #[arg(long, default_value_t = 0)]
    pub show_errors: usize,
    /// Direction of every row: input (prompts) or output (model responses). A row's own
    /// `direction` (or `meta.direction`) wins.
    #[arg(long, short = 'd', default_value = "input")]
    pub direction: String,
    /// Who wrote every row: user, system, assistant or tool (default: by direction). Indirect
    /// injection sets are tool content (`--role tool`); a row's own `role` (or `meta.role`) wins.
    #[arg(long)]
    pub role: Option<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080, or `listen` in the config).
    #[arg(long, short = 'l', value_name = "ADDR")]
    pub listen: Option<String>,
    /// Config file (YAML), merged over the embedded defaults; PROMPTGUARD_CONFIG also works.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the embedded default configuration (YAML) and exit.
    #[arg(long)]
    pub print_default_config: bool,
}
