//! One module per subcommand.

pub mod eval;
pub mod scan;

use anyhow::{Context, Result};
use promptguard_core::{parse_preset_spec, Engine, EngineBuilder, Policy};

use crate::cli::EngineArgs;

/// Builds the engine the arguments describe.
pub fn build_engine(args: &EngineArgs) -> Result<Engine> {
    let (preset, spec_strictness) = parse_preset_spec(&args.preset)?;
    let mut b = EngineBuilder::new();
    b.preset(preset);
    if let Some(s) = args
        .strictness
        .as_deref()
        .map(str::parse)
        .transpose()?
        .or(spec_strictness)
    {
        b.strictness(s);
    }
    if let Some(path) = &args.policy {
        b.policy(Policy::from_file(path)?);
    }
    b.ml_mode(args.ml_mode.parse()?);
    if let Some(dir) = &args.model_dir {
        b.model_dir(dir);
    }
    let engine = b.build().context("cannot build the engine")?;
    for w in engine.policy_warnings() {
        eprintln!("promptguard: policy loosens its preset: {w}");
    }
    Ok(engine)
}

/// The `direction` or `role` (`key`) a JSONL row gives itself, read from `raw` (where the
/// command looks for it): absent or null is `None`; a value that does not parse is the row's
/// error, since scanning it as something else would answer a question it did not ask.
pub fn row_option<T: std::str::FromStr>(
    raw: Option<&serde_json::Value>,
    key: &str,
) -> std::result::Result<Option<T>, String> {
    match raw {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(raw) => match raw.as_str().map(str::parse) {
            Some(Ok(t)) => Ok(Some(t)),
            _ => Err(format!("`{key}` {raw} is not one of the known values")),
        },
    }
}
