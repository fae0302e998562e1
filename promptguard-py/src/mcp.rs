//! Tool calls (MCP, or any agent's function calls) from Python: the name, the server and the
//! arguments as JSON-able Python data or JSON text, turned into the core's [`ToolCall`].

use promptguard_core::ToolCall;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};
use serde_json::Value;

use crate::errors::invalid_input;
use crate::json::{to_json_value, type_name, JsonSpec};
use crate::text::extract_text;

/// Tool arguments: JSON data, possibly deep (nested schemas, documents), never cyclic.
const ARGUMENTS_JSON: JsonSpec = JsonSpec {
    holds: "tool arguments hold",
    max_depth: 128,
    // Arguments are written by a model or an attacker: scan what a str holds, never fail on it.
    lossy_strings: true,
    error: invalid_input,
};

/// The arguments of a call: a mapping (JSON-able values), JSON text, or None (no arguments, `{}`).
fn arguments_from_py(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Value::Object(serde_json::Map::new()));
    };
    let py = obj.py();
    if obj.is_instance_of::<PyString>() {
        let text = extract_text(obj, "arguments")?;
        return serde_json::from_str(&text).map_err(|e| {
            invalid_input(
                py,
                &format!("arguments: not valid JSON ({e}); pass a dict or JSON text"),
            )
        });
    }
    if obj.cast::<PyMapping>().is_ok() {
        return to_json_value(obj, "arguments", &ARGUMENTS_JSON);
    }
    Err(PyTypeError::new_err(format!(
        "arguments must be a dict (or another mapping), JSON text (str) or None, not {}",
        type_name(obj)
    )))
}

/// Builds the core's tool call from the Python arguments of `check_tool_call` and friends.
pub(crate) fn tool_call_from_py(
    name: &Bound<'_, PyAny>,
    arguments: Option<&Bound<'_, PyAny>>,
    server: Option<&Bound<'_, PyAny>>,
) -> PyResult<ToolCall> {
    let tool = extract_text(name, "name")?.to_string();
    let server = match server.filter(|s| !s.is_none()) {
        Some(s) => extract_text(s, "server")?.to_string(),
        None => String::new(),
    };
    Ok(ToolCall::new(server, tool, arguments_from_py(arguments)?))
}

/// The text that `Engine.check_tool_call` scans for this call: the threats' spans of its
/// decision are code-point offsets into it.
#[pyfunction]
#[pyo3(
    signature = (name, arguments=None, *, server=None),
    text_signature = "(name, arguments=None, *, server='')"
)]
pub(crate) fn tool_call_envelope(
    name: &Bound<'_, PyAny>,
    arguments: Option<&Bound<'_, PyAny>>,
    server: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    Ok(tool_call_from_py(name, arguments, server)?.envelope())
}
