//! Python bindings of promptguard: the native module `promptguard._native`, re-exported by the
//! pure-Python package `promptguard` (see `python/promptguard/`).
//!
//! The bindings stay thin: they convert arguments and results, turn the core's byte spans into
//! code-point offsets (Python `str` indices), map the core's errors onto Python exceptions in one
//! function (`errors::to_py_err`), and release the GIL around every scan so that threads,
//! `Engine.scan_many` and `Engine.scan_async` run in parallel.
//!
//! `unsafe_code` is denied (not forbidden, as in the rest of the workspace) only because PyO3's
//! macros expand to FFI code; nothing in this crate is written with `unsafe`.

mod decision;
mod engine;
mod errors;
mod json;
mod mcp;
mod text;
mod vault;

use pyo3::prelude::*;

/// The native part of the `promptguard` package.
#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "PRESETS",
        promptguard_core::Preset::ALL
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>(),
    )?;
    m.add(
        "THREAT_TYPES",
        promptguard_core::ThreatType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>(),
    )?;
    m.add("DETECTORS", promptguard_core::DETECTORS.to_vec())?;
    errors::register(m)?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<decision::PyDecision>()?;
    m.add_class::<decision::PyThreat>()?;
    m.add_class::<decision::PyUnscanned>()?;
    m.add_class::<decision::PyConversationDecision>()?;
    m.add_class::<vault::PyVault>()?;
    m.add_class::<vault::PyRestorer>()?;
    m.add_function(wrap_pyfunction!(engine::scan, m)?)?;
    m.add_function(wrap_pyfunction!(mcp::tool_call_envelope, m)?)?;
    Ok(())
}
