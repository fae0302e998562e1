//! A small JSON-Schema validator for tool arguments.
//!
//! Supports the subset that describes tool arguments: `type`, `required`, `properties`,
//! `additionalProperties`, `items`, `enum`, `const`, `pattern`, `minLength`, `maxLength`,
//! `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minItems`, `maxItems`, and
//! boolean schemas. Annotations (`title`, `description`, `default`, `examples`, `format`,
//! `$schema`, `$id`, `$comment`, `deprecated`, `readOnly`, `writeOnly`) are ignored; any other
//! keyword is a configuration error, so that a policy never silently skips a check it asks
//! for. Patterns use the `regex` crate (linear time, no look-around), searched unanchored as
//! JSON Schema specifies.
//!
//! Why not the `jsonschema` crate: it brings ~100 crates, among them the backtracking
//! `fancy-regex`, which would make argument validation's cost depend on attacker input.

use std::collections::BTreeMap;

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use crate::error::Error;

const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "default",
    "examples",
    "format",
    "$schema",
    "$id",
    "$comment",
    "deprecated",
    "readOnly",
    "writeOnly",
];
const SUPPORTED: &[&str] = &[
    "type",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonType {
    Object,
    Array,
    String,
    Number,
    Integer,
    Boolean,
    Null,
}

impl JsonType {
    fn parse(s: &str) -> Option<JsonType> {
        Some(match s {
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Null => "null",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            JsonType::Object => v.is_object(),
            JsonType::Array => v.is_array(),
            JsonType::String => v.is_string(),
            JsonType::Number => v.is_number(),
            JsonType::Integer => {
                v.as_i64().is_some()
                    || v.as_u64().is_some()
                    || v.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            JsonType::Boolean => v.is_boolean(),
            JsonType::Null => v.is_null(),
        }
    }
}

/// A compiled schema.
#[derive(Debug, Clone)]
pub(crate) enum Schema {
    /// `true`/`false` schemas.
    Bool(bool),
    /// A schema object.
    Object(Box<Rules>),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Rules {
    types: Option<Vec<JsonType>>,
    required: Vec<String>,
    properties: BTreeMap<String, Schema>,
    additional: Option<Schema>,
    items: Option<Schema>,
    enumeration: Option<Vec<Value>>,
    constant: Option<Value>,
    pattern: Option<(String, Regex)>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: Option<f64>,
    exclusive_maximum: Option<f64>,
    min_items: Option<u64>,
    max_items: Option<u64>,
}

fn err(at: &str, msg: impl std::fmt::Display) -> Error {
    Error::config(format!("{at}: {msg}"))
}

fn as_u64(v: &Value, at: &str, key: &str) -> Result<u64, Error> {
    v.as_u64()
        .ok_or_else(|| err(at, format!("`{key}` must be a non-negative integer")))
}

fn as_f64(v: &Value, at: &str, key: &str) -> Result<f64, Error> {
    v.as_f64()
        .ok_or_else(|| err(at, format!("`{key}` must be a number")))
}

impl Schema {
    /// Compiles `v`; `at` names its place in the policy for error messages.
    pub(crate) fn compile(v: &Value, at: &str) -> Result<Schema, Error> {
        let obj = match v {
            Value::Bool(b) => return Ok(Schema::Bool(*b)),
            Value::Object(o) => o,
            _ => return Err(err(at, "a schema must be an object or a boolean")),
        };
        let mut r = Rules::default();
        for (key, val) in obj {
            let here = format!("{at}/{key}");
            match key.as_str() {
                "type" => {
                    let names: Vec<&str> = match val {
                        Value::String(s) => vec![s.as_str()],
                        Value::Array(a) => a.iter().map(|x| x.as_str().unwrap_or("")).collect(),
                        _ => {
                            return Err(err(
                                &here,
                                "`type` must be a string or an array of strings",
                            ))
                        }
                    };
                    let types = names
                        .iter()
                        .map(|n| {
                            JsonType::parse(n)
                                .ok_or_else(|| err(&here, format!("unknown type `{n}`")))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    r.types = Some(types);
                }
                "required" => {
                    let a = val
                        .as_array()
                        .ok_or_else(|| err(&here, "`required` must be an array of strings"))?;
                    r.required = a
                        .iter()
                        .map(|x| {
                            x.as_str()
                                .map(str::to_owned)
                                .ok_or_else(|| err(&here, "`required` must be an array of strings"))
                        })
                        .collect::<Result<_, _>>()?;
                }
                "properties" => {
                    let o = val
                        .as_object()
                        .ok_or_else(|| err(&here, "`properties` must be an object"))?;
                    for (name, s) in o {
                        r.properties
                            .insert(name.clone(), Schema::compile(s, &format!("{here}/{name}"))?);
                    }
                }
                "additionalProperties" => r.additional = Some(Schema::compile(val, &here)?),
                "items" => r.items = Some(Schema::compile(val, &here)?),
                "enum" => {
                    r.enumeration = Some(
                        val.as_array()
                            .cloned()
                            .ok_or_else(|| err(&here, "`enum` must be an array"))?,
                    )
                }
                "const" => r.constant = Some(val.clone()),
                "pattern" => {
                    let p = val
                        .as_str()
                        .ok_or_else(|| err(&here, "`pattern` must be a string"))?;
                    let re = RegexBuilder::new(p)
                        .size_limit(1 << 20)
                        .build()
                        .map_err(|e| err(&here, format!("invalid pattern `{p}`: {e}")))?;
                    r.pattern = Some((p.to_owned(), re));
                }
                "minLength" => r.min_length = Some(as_u64(val, &here, key)?),
                "maxLength" => r.max_length = Some(as_u64(val, &here, key)?),
                "minItems" => r.min_items = Some(as_u64(val, &here, key)?),
                "maxItems" => r.max_items = Some(as_u64(val, &here, key)?),
                "minimum" => r.minimum = Some(as_f64(val, &here, key)?),
                "maximum" => r.maximum = Some(as_f64(val, &here, key)?),
                "exclusiveMinimum" => r.exclusive_minimum = Some(as_f64(val, &here, key)?),
                "exclusiveMaximum" => r.exclusive_maximum = Some(as_f64(val, &here, key)?),
                k if ANNOTATIONS.contains(&k) => {}
                other => {
                    return Err(err(
                        &here,
                        format!(
                            "unsupported JSON Schema keyword `{other}`; supported: {}",
                            SUPPORTED.join(", ")
                        ),
                    ))
                }
            }
        }
        Ok(Schema::Object(Box::new(r)))
    }

    /// Appends one message per violation, each starting with the JSON pointer of the value.
    pub(crate) fn validate(&self, v: &Value, path: &str, out: &mut Vec<String>) {
        if out.len() >= 64 {
            return;
        }
        let r = match self {
            Schema::Bool(true) => return,
            Schema::Bool(false) => {
                out.push(format!("{}: no value is allowed here", show(path)));
                return;
            }
            Schema::Object(r) => r,
        };
        if let Some(types) = &r.types {
            if !types.iter().any(|t| t.accepts(v)) {
                let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
                out.push(format!(
                    "{}: expected {}, got {}",
                    show(path),
                    names.join(" or "),
                    kind(v)
                ));
                return;
            }
        }
        if let Some(e) = &r.enumeration {
            if !e.contains(v) {
                out.push(format!(
                    "{}: {} is not one of the allowed values",
                    show(path),
                    brief(v)
                ));
            }
        }
        if let Some(c) = &r.constant {
            if c != v {
                out.push(format!("{}: must be {}", show(path), brief(c)));
            }
        }
        match v {
            Value::String(s) => {
                let n = s.chars().count() as u64;
                if r.min_length.is_some_and(|m| n < m) {
                    out.push(format!(
                        "{}: shorter than {} characters",
                        show(path),
                        r.min_length.unwrap_or(0)
                    ));
                }
                if r.max_length.is_some_and(|m| n > m) {
                    out.push(format!(
                        "{}: longer than {} characters ({n})",
                        show(path),
                        r.max_length.unwrap_or(0)
                    ));
                }
                if let Some((p, re)) = &r.pattern {
                    if !re.is_match(s) {
                        out.push(format!("{}: does not match pattern `{p}`", show(path)));
                    }
                }
            }
            Value::Number(num) => {
                if let Some(x) = num.as_f64() {
                    let bound = |ok: bool, what: &str, b: Option<f64>, out: &mut Vec<String>| {
                        if !ok {
                            out.push(format!(
                                "{}: {x} is {what} {}",
                                show(path),
                                b.unwrap_or(0.0)
                            ));
                        }
                    };
                    bound(
                        r.minimum.is_none_or(|m| x >= m),
                        "below the minimum",
                        r.minimum,
                        out,
                    );
                    bound(
                        r.maximum.is_none_or(|m| x <= m),
                        "above the maximum",
                        r.maximum,
                        out,
                    );
                    bound(
                        r.exclusive_minimum.is_none_or(|m| x > m),
                        "not above",
                        r.exclusive_minimum,
                        out,
                    );
                    bound(
                        r.exclusive_maximum.is_none_or(|m| x < m),
                        "not below",
                        r.exclusive_maximum,
                        out,
                    );
                }
            }
            Value::Array(a) => {
                let n = a.len() as u64;
                if r.min_items.is_some_and(|m| n < m) {
                    out.push(format!(
                        "{}: fewer than {} items",
                        show(path),
                        r.min_items.unwrap_or(0)
                    ));
                }
                if r.max_items.is_some_and(|m| n > m) {
                    out.push(format!(
                        "{}: more than {} items ({n})",
                        show(path),
                        r.max_items.unwrap_or(0)
                    ));
                }
                if let Some(items) = &r.items {
                    for (i, x) in a.iter().enumerate() {
                        items.validate(x, &format!("{path}/{i}"), out);
                    }
                }
            }
            Value::Object(o) => {
                for name in &r.required {
                    if !o.contains_key(name) {
                        out.push(format!(
                            "{}: missing required property `{name}`",
                            show(path)
                        ));
                    }
                }
                for (name, x) in o {
                    let here = format!("{path}/{}", name.replace('~', "~0").replace('/', "~1"));
                    match (r.properties.get(name), &r.additional) {
                        (Some(s), _) => s.validate(x, &here, out),
                        (None, Some(Schema::Bool(false))) => {
                            out.push(format!("{}: unexpected property `{name}`", show(path)));
                        }
                        (None, Some(s)) => s.validate(x, &here, out),
                        (None, None) => {}
                    }
                }
            }
            _ => {}
        }
    }
}

fn show(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn brief(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        s.chars().take(59).collect::<String>() + "…"
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(schema: Value, v: Value) -> Vec<String> {
        let s = Schema::compile(&schema, "schema").expect("compiles");
        let mut out = Vec::new();
        s.validate(&v, "", &mut out);
        out
    }

    #[test]
    fn validates_the_supported_subset() {
        let schema = json!({
            "type": "object",
            "required": ["path"],
            "additionalProperties": false,
            "properties": {
                "path": {"type": "string", "pattern": "^/srv/", "maxLength": 20},
                "mode": {"enum": ["r", "w"]},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
            }
        });
        assert!(errors(
            schema.clone(),
            json!({"path": "/srv/a", "mode": "r", "limit": 5, "tags": ["x"]})
        )
        .is_empty());
        let e = errors(
            schema.clone(),
            json!({"mode": "x", "limit": 0, "extra": 1, "tags": ["a", 2, "c"]}),
        );
        let joined = e.join("\n");
        for needle in [
            "missing required property `path`",
            "not one of the allowed",
            "below the minimum",
            "unexpected property `extra`",
            "/tags/1: expected string",
            "more than 2 items",
        ] {
            assert!(joined.contains(needle), "{needle} in {joined}");
        }
        let e = errors(schema, json!({"path": "/etc/passwd-and-more-text"}));
        assert!(
            e.iter().any(|m| m.contains("pattern"))
                && e.iter().any(|m| m.contains("longer than 20")),
            "{e:?}"
        );
        assert_eq!(
            errors(json!({"type": "string"}), json!(3)),
            vec!["/: expected string, got number"]
        );
        assert!(errors(json!(true), json!({"a": 1})).is_empty());
        assert!(errors(json!({"type": "integer"}), json!(2.0)).is_empty());
    }

    #[test]
    fn unsupported_keywords_are_config_errors() {
        let e = Schema::compile(&json!({"oneOf": []}), "tools.x.schema").expect_err("rejects");
        assert!(
            e.to_string().contains("oneOf") && e.to_string().contains("tools.x.schema"),
            "{e}"
        );
        assert!(Schema::compile(&json!({"pattern": "(unclosed"}), "s").is_err());
        assert!(Schema::compile(&json!({"type": "text"}), "s").is_err());
        assert!(Schema::compile(
            &json!({"title": "t", "description": "d", "format": "uri"}),
            "s"
        )
        .is_ok());
    }
}
