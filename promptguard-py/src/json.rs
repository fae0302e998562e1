//! Python data (dict, list, tuple, str, int, float, bool, None) → `serde_json::Value`, for
//! policies given as dicts and for tool-call arguments. Errors name the path of the bad value
//! (`policy.detectors.pii.threshold`, `arguments.paths[2]`).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde_json::Value;

use crate::text::extract_text;

/// What is being converted: how to word errors and how deep it may nest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonSpec {
    /// What a value of this kind holds, for messages: `a policy holds`, `tool arguments hold`.
    pub(crate) holds: &'static str,
    /// Deepest nesting accepted (also what stops self-referencing containers).
    pub(crate) max_depth: usize,
    /// Strings with lone surrogates: replace them with U+FFFD (true) or fail (false).
    pub(crate) lossy_strings: bool,
    /// The exception raised for a value that cannot be converted.
    pub(crate) error: fn(Python<'_>, &str) -> PyErr,
}

/// The name of `obj`'s type, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

fn string(obj: &Bound<'_, PyString>, path: &str, spec: &JsonSpec) -> PyResult<String> {
    if spec.lossy_strings {
        Ok(extract_text(obj.as_any(), path)?.to_string())
    } else {
        Ok(obj.to_cow()?.into_owned())
    }
}

/// Converts `obj` to JSON; `path` names it in errors.
pub(crate) fn to_json_value(
    obj: &Bound<'_, PyAny>,
    path: &str,
    spec: &JsonSpec,
) -> PyResult<Value> {
    convert(obj, path, 0, spec)
}

fn convert(obj: &Bound<'_, PyAny>, path: &str, depth: usize, spec: &JsonSpec) -> PyResult<Value> {
    let py = obj.py();
    if depth > spec.max_depth {
        return Err((spec.error)(py, &format!("{path}: nested too deeply")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::from(v));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::from(v));
        }
        return Err((spec.error)(
            py,
            &format!("{path}: integer {i} is out of range"),
        ));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| (spec.error)(py, &format!("{path}: {v} is not a finite number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(string(s, path, spec)?));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            out.push(convert(&item?, &format!("{path}[{i}]"), depth + 1, spec)?);
        }
        return Ok(Value::Array(out));
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        let mut out = serde_json::Map::new();
        for item in m.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let Ok(key) = k.cast::<PyString>() else {
                return Err((spec.error)(
                    py,
                    &format!("{path}: keys must be str, got {}", type_name(&k)),
                ));
            };
            let key = string(key, path, spec)?;
            let value = convert(&v, &format!("{path}.{key}"), depth + 1, spec)?;
            out.insert(key, value);
        }
        return Ok(Value::Object(out));
    }
    Err((spec.error)(
        py,
        &format!(
            "{path}: unsupported value of type {}; {} dict, list, str, int, float, bool or None",
            type_name(obj),
            spec.holds
        ),
    ))
}
