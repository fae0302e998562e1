//! `Decision`, `Threat`, `Unscanned` and `ConversationDecision`: frozen Python views of the
//! core's results, with spans in code points (Python `str` indices) instead of bytes.

use promptguard_core::{
    ConversationDecision, Decision, Finding, Message, Role, Severity, Unscanned,
};
use std::hash::{Hash, Hasher};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyMapping, PyString, PyTuple, PyType};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::errors::invalid_input;
use crate::json::{to_json_value, type_name, JsonSpec};
use crate::text::code_point_offsets;

/// Rewrites every byte span of `d` (findings and unscanned parts) as code-point offsets of `text`.
/// Pure Rust: called with the GIL released.
pub(crate) fn spans_to_code_points(d: &mut Decision, text: &str) {
    let mut bytes = Vec::with_capacity(2 * (d.threats.len() + d.unscanned.len()));
    for f in &d.threats {
        bytes.extend([f.span.start, f.span.end]);
    }
    for u in &d.unscanned {
        bytes.extend([u.span.start, u.span.end]);
    }
    let chars = code_point_offsets(text, &bytes);
    let mut it = chars.chunks_exact(2);
    for span in d
        .threats
        .iter_mut()
        .map(|f| &mut f.span)
        .chain(d.unscanned.iter_mut().map(|u| &mut u.span))
    {
        if let Some(pair) = it.next() {
            span.start = pair[0];
            span.end = pair[1];
        }
    }
}

/// The same for a conversation: each message's decision against its own content; the overall
/// findings against the message they name, or (for findings across turns) the user turns joined
/// with newlines, as the engine scanned them.
pub(crate) fn conversation_to_code_points(c: &mut ConversationDecision, messages: &[Message]) {
    for (d, m) in c.messages.iter_mut().zip(messages) {
        spans_to_code_points(d, &m.content);
    }
    let joined: String = messages
        .iter()
        .filter(|m| m.role == Role::User)
        .map(|m| m.content.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let overall = &mut c.decision;
    for f in &mut overall.threats {
        let text = match f.message.and_then(|i| messages.get(i)) {
            Some(m) => m.content.as_str(),
            None => joined.as_str(),
        };
        let cps = code_point_offsets(text, &[f.span.start, f.span.end]);
        f.span.start = cps[0];
        f.span.end = cps[1];
    }
    // Unscanned entries of the overall decision come from the messages, already converted.
    overall.unscanned = c
        .messages
        .iter()
        .flat_map(|d| d.unscanned.iter().cloned())
        .collect();
}

/// Python's `repr()` of a string (single quotes, Python escapes).
fn py_repr(py: Python<'_>, s: &str) -> String {
    pyo3::types::PyString::new(py, s)
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| format!("{s:?}"))
}

fn py_opt_repr(py: Python<'_>, s: Option<&str>) -> String {
    s.map(|s| py_repr(py, s))
        .unwrap_or_else(|| "None".to_owned())
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn json_loads(py: Python<'_>, s: &str) -> PyResult<Py<PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Ok(LOADS.import(py, "json", "loads")?.call1((s,))?.unbind())
}

fn to_json_string<T: Serialize>(value: &T, indent: Option<i64>) -> PyResult<String> {
    let result = match indent {
        None => serde_json::to_string(value),
        Some(n) if n < 0 => {
            return Err(PyValueError::new_err(format!(
                "indent must be >= 0, got {n}"
            )));
        }
        Some(n) => {
            let spaces = " ".repeat(usize::try_from(n).unwrap_or(0).min(64));
            let mut out = Vec::new();
            let formatter = serde_json::ser::PrettyFormatter::with_indent(spaces.as_bytes());
            let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
            value
                .serialize(&mut ser)
                .map(|()| String::from_utf8_lossy(&out).into_owned())
        }
    };
    result.map_err(|e| PyValueError::new_err(format!("cannot serialise the decision: {e}")))
}

/// A result given back as a dict (`from_dict`): the JSON data `to_dict()` produced.
const RESULT_JSON: JsonSpec = JsonSpec {
    holds: "a result holds",
    max_depth: 16,
    lossy_strings: true,
    error: invalid_input,
};

/// Rebuilds a core result from its dict form. Python floats convert exactly, so a
/// `to_dict()` → `from_dict()` round trip gives back an equal object.
fn from_py_dict<T: DeserializeOwned>(data: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let py = data.py();
    if data.cast::<PyMapping>().is_err() {
        return Err(PyTypeError::new_err(format!(
            "data must be a dict, not {}",
            type_name(data)
        )));
    }
    let value = to_json_value(data, "data", &RESULT_JSON)?;
    serde_json::from_value(value).map_err(|e| invalid_input(py, &format!("invalid {what}: {e}")))
}

/// `json.loads(data)` and then [`from_py_dict`]: Python parses the floats, exactly.
fn from_py_json<T: DeserializeOwned>(data: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let py = data.py();
    if !data.is_instance_of::<PyString>() {
        return Err(crate::text::not_a_str(data, "data"));
    }
    let parsed = json_loads(py, &data.cast::<PyString>()?.to_cow()?)
        .map_err(|e| invalid_input(py, &format!("invalid {what}: {e}")))?;
    from_py_dict(parsed.bind(py), what)
}

/// A hash of some fields, consistent with equality over all of them.
fn hash_of<T: Hash>(fields: T) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    fields.hash(&mut h);
    h.finish()
}

/// `(cls.from_dict, (obj.to_dict(),))`: how every result class pickles.
fn reduce_via_dict<'py>(
    obj: &Bound<'py, PyAny>,
    dict: Py<PyAny>,
) -> PyResult<(Bound<'py, PyAny>, (Py<PyAny>,))> {
    Ok((obj.get_type().getattr("from_dict")?, (dict,)))
}

/// One piece of evidence: a rule, model or policy check that fired on a span of the text.
#[pyclass(frozen, module = "promptguard", name = "Threat")]
#[derive(Debug)]
pub(crate) struct PyThreat {
    f: Finding,
}

#[pymethods]
impl PyThreat {
    /// The threat family, e.g. `prompt_injection` or `pii`.
    #[getter(r#type)]
    fn threat_type(&self) -> &'static str {
        self.f.threat_type.as_str()
    }
    /// The detector that produced it (`injection`, `pii`, ...).
    #[getter]
    fn detector(&self) -> &str {
        &self.f.detector
    }
    /// The stable id of the rule, e.g. `pi.override.ignore_previous`.
    #[getter]
    fn rule_id(&self) -> &str {
        &self.f.rule_id
    }
    /// Calibrated probability (0-1) that this finding is a true threat.
    #[getter]
    fn confidence(&self) -> f64 {
        self.f.confidence
    }
    /// `low`, `medium`, `high` or `critical`.
    #[getter]
    fn severity(&self) -> &'static str {
        severity_str(self.f.severity)
    }
    /// `(start, end)` in code points: `text[start:end]` is the flagged part.
    #[getter]
    fn span(&self) -> (usize, usize) {
        (self.f.span.start, self.f.span.end)
    }
    /// The flagged text, shortened to at most 120 characters.
    #[getter]
    fn excerpt(&self) -> &str {
        &self.f.excerpt
    }
    /// Entity label for data findings (`SSN`, `EMAIL`, `API_KEY`, ...), else None.
    #[getter]
    fn entity(&self) -> Option<&str> {
        self.f.entity.as_deref()
    }
    /// Rule category (`instruction_override`, ...), else None.
    #[getter]
    fn category(&self) -> Option<&str> {
        self.f.category.as_deref()
    }
    /// For conversation scans, the index of the message the span refers to.
    #[getter]
    fn message(&self) -> Option<usize> {
        self.f.message
    }
    /// The finding as a dict, as in the Decision JSON (`span` as a list).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_loads(py, &to_json_string(&self.f, None)?)
    }
    /// A Threat from its `to_dict()` form.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyThreat {
            f: from_py_dict(data, "Threat dict")?,
        })
    }
    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.f == other.f
    }
    fn __hash__(&self) -> u64 {
        hash_of((&self.f.rule_id, self.f.span, &self.f.detector))
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Py<PyAny>,))> {
        reduce_via_dict(slf.as_any(), slf.get().to_dict(slf.py())?)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Threat(type={}, rule_id={}, confidence={}, span=({}, {}), excerpt={})",
            py_repr(py, self.f.threat_type.as_str()),
            py_repr(py, &self.f.rule_id),
            self.f.confidence,
            self.f.span.start,
            self.f.span.end,
            py_repr(py, &self.f.excerpt)
        )
    }
}

/// A part of the input that was not scanned, and why (`too_large`, `internal_error`, ...).
#[pyclass(frozen, module = "promptguard", name = "Unscanned")]
#[derive(Debug)]
pub(crate) struct PyUnscanned {
    u: Unscanned,
}

#[pymethods]
impl PyUnscanned {
    /// Why it was not scanned.
    #[getter]
    fn reason(&self) -> &str {
        &self.u.reason
    }
    /// `(start, end)` in code points.
    #[getter]
    fn span(&self) -> (usize, usize) {
        (self.u.span.start, self.u.span.end)
    }
    /// `{"reason": ..., "span": [start, end]}`, as in the Decision JSON.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_loads(py, &to_json_string(&self.u, None)?)
    }
    /// An Unscanned from its `to_dict()` form.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyUnscanned {
            u: from_py_dict(data, "Unscanned dict")?,
        })
    }
    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.u == other.u
    }
    fn __hash__(&self) -> u64 {
        hash_of((&self.u.reason, self.u.span))
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Py<PyAny>,))> {
        reduce_via_dict(slf.as_any(), slf.get().to_dict(slf.py())?)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Unscanned(reason={}, span=({}, {}))",
            py_repr(py, &self.u.reason),
            self.u.span.start,
            self.u.span.end
        )
    }
}

/// The result of scanning one text: what to do, how sure, why, and the evidence.
#[pyclass(frozen, module = "promptguard", name = "Decision")]
pub(crate) struct PyDecision {
    /// The core decision, spans already in code points.
    d: Decision,
    threats: PyOnceLock<Py<PyTuple>>,
    unscanned: PyOnceLock<Py<PyTuple>>,
}

impl std::fmt::Debug for PyDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyDecision")
            .field("d", &self.d)
            .finish_non_exhaustive()
    }
}

impl PyDecision {
    /// Wraps a decision whose spans are already code points (see [`spans_to_code_points`]).
    pub(crate) fn new(d: Decision) -> PyDecision {
        PyDecision {
            d,
            threats: PyOnceLock::new(),
            unscanned: PyOnceLock::new(),
        }
    }
}

#[pymethods]
impl PyDecision {
    /// `allow`, `block` or `redact`.
    #[getter]
    fn decision(&self) -> &'static str {
        self.d.action.as_str()
    }
    /// Calibrated confidence in the decision (0-1); for allow, that the text is benign.
    #[getter]
    fn confidence(&self) -> f64 {
        self.d.confidence
    }
    /// The primary threat type, or None when allowed.
    #[getter]
    fn threat_type(&self) -> Option<&'static str> {
        self.d.threat_type.map(|t| t.as_str())
    }
    /// A human-readable reason naming the rule that decided.
    #[getter]
    fn reason(&self) -> &str {
        &self.d.reason
    }
    /// Identifier of this scan event (UUID v7 unless one was given).
    #[getter]
    fn event_id(&self) -> &str {
        &self.d.event_id
    }
    /// The findings, strongest first.
    #[getter]
    fn threats(&self, py: Python<'_>) -> PyResult<Py<PyTuple>> {
        let t = self.threats.get_or_try_init(py, || {
            let items = self
                .d
                .threats
                .iter()
                .map(|f| Py::new(py, PyThreat { f: f.clone() }))
                .collect::<PyResult<Vec<_>>>()?;
            Ok::<_, PyErr>(PyTuple::new(py, items)?.unbind())
        })?;
        Ok(t.clone_ref(py))
    }
    /// The text with the flagged spans replaced (`[SSN_REDACTED]`, ...) when the decision is
    /// `redact`, else None.
    #[getter]
    fn redacted_text(&self) -> Option<&str> {
        self.d.redacted_text.as_deref()
    }
    /// Parts of the input that were not scanned, and why.
    #[getter]
    fn unscanned(&self, py: Python<'_>) -> PyResult<Py<PyTuple>> {
        let t = self.unscanned.get_or_try_init(py, || {
            let items = self
                .d
                .unscanned
                .iter()
                .map(|u| Py::new(py, PyUnscanned { u: u.clone() }))
                .collect::<PyResult<Vec<_>>>()?;
            Ok::<_, PyErr>(PyTuple::new(py, items)?.unbind())
        })?;
        Ok(t.clone_ref(py))
    }
    /// The policy that decided, as `preset:strictness` (plus `+policy` with overrides).
    #[getter]
    fn policy(&self) -> &str {
        &self.d.policy
    }
    /// Time spent scanning, in milliseconds.
    #[getter]
    fn latency_ms(&self) -> f64 {
        self.d.latency_ms
    }
    /// True when the decision is `block`.
    #[getter]
    fn blocked(&self) -> bool {
        self.d.is_blocked()
    }
    /// The rule ids of all findings, in order.
    #[getter]
    fn rule_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.d.rule_ids().collect::<Vec<_>>())
    }
    /// The Decision JSON of DESIGN.md as a dict (spans in code points, as lists).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_loads(py, &to_json_string(&self.d, None)?)
    }
    /// The Decision JSON of DESIGN.md (compact, or indented by `indent` spaces).
    #[pyo3(signature = (*, indent=None))]
    fn to_json(&self, indent: Option<i64>) -> PyResult<String> {
        to_json_string(&self.d, indent)
    }
    /// A Decision from its `to_dict()` form (spans are taken as given: code points).
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyDecision::new(from_py_dict(data, "Decision dict")?))
    }
    /// A Decision from its `to_json()` form.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyDecision::new(from_py_json(data, "Decision JSON")?))
    }
    /// Equal when every field is (`event_id` and `latency_ms` included).
    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.d == other.d
    }
    fn __hash__(&self) -> u64 {
        hash_of((self.d.action, &self.d.event_id, &self.d.reason))
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Py<PyAny>,))> {
        reduce_via_dict(slf.as_any(), slf.get().to_dict(slf.py())?)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        let rules: Vec<String> = self.d.rule_ids().map(|r| py_repr(py, r)).collect();
        format!(
            "Decision(decision={}, threat_type={}, confidence={}, rule_ids=({}{}))",
            py_repr(py, self.d.action.as_str()),
            py_opt_repr(py, self.d.threat_type.map(|t| t.as_str())),
            self.d.confidence,
            rules.join(", "),
            if rules.len() == 1 { "," } else { "" }
        )
    }
}

/// The decision for a whole conversation, and one per message.
#[pyclass(frozen, module = "promptguard", name = "ConversationDecision")]
#[derive(Debug)]
pub(crate) struct PyConversationDecision {
    decision: Py<PyDecision>,
    messages: Py<PyTuple>,
}

impl PyConversationDecision {
    /// Wraps a conversation decision whose spans are already code points.
    pub(crate) fn new(py: Python<'_>, c: ConversationDecision) -> PyResult<Self> {
        let messages = c
            .messages
            .into_iter()
            .map(|d| Py::new(py, PyDecision::new(d)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyConversationDecision {
            decision: Py::new(py, PyDecision::new(c.decision))?,
            messages: PyTuple::new(py, messages)?.unbind(),
        })
    }
}

#[pymethods]
impl PyConversationDecision {
    /// The overall decision: the strongest over every message and over the user turns read
    /// together. Its threats name their message in `Threat.message`.
    #[getter]
    fn decision(&self, py: Python<'_>) -> Py<PyDecision> {
        self.decision.clone_ref(py)
    }
    /// One decision per message, in order; forward each message's `redacted_text` if set.
    #[getter]
    fn messages(&self, py: Python<'_>) -> Py<PyTuple> {
        self.messages.clone_ref(py)
    }
    /// `{"decision": <Decision JSON>, "messages": [<Decision JSON>, ...]}`.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let out = pyo3::types::PyDict::new(py);
        out.set_item("decision", self.decision.get().to_dict(py)?)?;
        let list = PyList::empty(py);
        for m in self.messages.bind(py).iter() {
            list.append(m.cast::<PyDecision>()?.get().to_dict(py)?)?;
        }
        out.set_item("messages", list)?;
        Ok(out.into_any().unbind())
    }
    /// A ConversationDecision from its `to_dict()` form.
    #[classmethod]
    fn from_dict(cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Data {
            decision: Decision,
            messages: Vec<Decision>,
        }
        let d: Data = from_py_dict(data, "ConversationDecision dict")?;
        PyConversationDecision::new(
            cls.py(),
            ConversationDecision {
                decision: d.decision,
                messages: d.messages,
            },
        )
    }
    fn __eq__(&self, py: Python<'_>, other: PyRef<'_, Self>) -> PyResult<bool> {
        if self.decision.get().d != other.decision.get().d {
            return Ok(false);
        }
        let (a, b) = (self.messages.bind(py), other.messages.bind(py));
        if a.len() != b.len() {
            return Ok(false);
        }
        for (x, y) in a.iter().zip(b.iter()) {
            if x.cast::<PyDecision>()?.get().d != y.cast::<PyDecision>()?.get().d {
                return Ok(false);
            }
        }
        Ok(true)
    }
    fn __hash__(&self) -> u64 {
        self.decision.get().__hash__()
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Py<PyAny>,))> {
        reduce_via_dict(slf.as_any(), slf.get().to_dict(slf.py())?)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "ConversationDecision(decision={}, messages={})",
            self.decision.get().__repr__(py),
            self.messages.bind(py).len()
        )
    }
}
