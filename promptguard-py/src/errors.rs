//! The exception hierarchy and the one function that maps the core's errors onto it.
//!
//! ```text
//! PromptGuardError(Exception)                 every error raised by promptguard; `.code` is the kind
//! ├── ConfigError(PromptGuardError, ValueError)  bad preset, strictness, option or policy
//! │   ├── ParseError(ConfigError)                 a policy text/file that does not parse
//! │   └── RuleError(ConfigError)                  a custom rule or allow-list pattern that does not compile
//! ├── PolicyFileError(PromptGuardError, OSError)  a policy file that cannot be read
//! ├── ModelError(PromptGuardError)                a model file that is missing or corrupt
//! └── InvalidInputError(PromptGuardError, ValueError)
//! ```
//!
//! The classes are made at import time with `type(...)` because Python exceptions with two bases
//! (`ConfigError` is also a `ValueError`) cannot be declared with `create_exception!`.

use promptguard_core::{Error, ErrorKind};
use pyo3::exceptions::{PyException, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// The exception classes, created once per interpreter by [`register`].
#[derive(Debug)]
struct Classes {
    base: Py<PyType>,
    config: Py<PyType>,
    parse: Py<PyType>,
    rule: Py<PyType>,
    file: Py<PyType>,
    model: Py<PyType>,
    invalid_input: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn make_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: &[&Bound<'py, PyAny>],
    code: &str,
    doc: &str,
) -> PyResult<Bound<'py, PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", "promptguard")?;
    namespace.set_item("__doc__", doc)?;
    // Class-level default; instances raised by promptguard carry their own `code` too.
    namespace.set_item("code", code)?;
    let bases = PyTuple::new(py, bases)?;
    let class = py
        .get_type::<PyType>()
        .call1((name, bases, namespace))?
        .cast_into::<PyType>()?;
    Ok(class)
}

fn create(py: Python<'_>) -> PyResult<Classes> {
    let exception = py.get_type::<PyException>().into_any();
    let value_error = py.get_type::<PyValueError>().into_any();
    let os_error = py.get_type::<PyOSError>().into_any();
    let base = make_class(
        py,
        "PromptGuardError",
        &[&exception],
        "error",
        "Base class of every error raised by promptguard. `code` names the kind: config, parse, \
         rule, io, model or invalid_input.",
    )?;
    let base_any = base.clone().into_any();
    let config = make_class(
        py,
        "ConfigError",
        &[&base_any, &value_error],
        "config",
        "An invalid preset, strictness, option or policy; the message names the key or value.",
    )?;
    let config_any = config.clone().into_any();
    let parse = make_class(
        py,
        "ParseError",
        &[&config_any],
        "parse",
        "A policy (text or file) that cannot be parsed.",
    )?;
    let rule = make_class(
        py,
        "RuleError",
        &[&config_any],
        "rule",
        "A custom rule or allow-list pattern that does not compile; the message names it.",
    )?;
    let file = make_class(
        py,
        "PolicyFileError",
        &[&base_any, &os_error],
        "io",
        "A policy or model file that cannot be read.",
    )?;
    let model = make_class(
        py,
        "ModelError",
        &[&base_any],
        "model",
        "A model file that is missing, corrupt or fails to load.",
    )?;
    let invalid_input = make_class(
        py,
        "InvalidInputError",
        &[&base_any, &value_error],
        "invalid_input",
        "An input given to an API is invalid (e.g. a malformed message).",
    )?;
    Ok(Classes {
        base: base.unbind(),
        config: config.unbind(),
        parse: parse.unbind(),
        rule: rule.unbind(),
        file: file.unbind(),
        model: model.unbind(),
        invalid_input: invalid_input.unbind(),
    })
}

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || create(py))
}

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let c = classes(py)?;
    m.add("PromptGuardError", c.base.bind(py))?;
    m.add("ConfigError", c.config.bind(py))?;
    m.add("ParseError", c.parse.bind(py))?;
    m.add("RuleError", c.rule.bind(py))?;
    m.add("PolicyFileError", c.file.bind(py))?;
    m.add("ModelError", c.model.bind(py))?;
    m.add("InvalidInputError", c.invalid_input.bind(py))?;
    Ok(())
}

fn raise(py: Python<'_>, class: &Py<PyType>, code: &str, message: &str) -> PyErr {
    let made = class.bind(py).call1((message,)).and_then(|exc| {
        exc.setattr("code", code)?;
        Ok(exc)
    });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// THE mapping from the core's [`ErrorKind`] to the Python exception classes. Every core error
/// that reaches Python goes through here.
pub(crate) fn to_py_err(py: Python<'_>, err: &Error) -> PyErr {
    let c = match classes(py) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let class = match err.kind() {
        ErrorKind::Config => &c.config,
        ErrorKind::Parse => &c.parse,
        ErrorKind::Rule => &c.rule,
        ErrorKind::Io => &c.file,
        ErrorKind::Model => &c.model,
        ErrorKind::InvalidInput => &c.invalid_input,
        // `ErrorKind` is non-exhaustive: kinds added later still raise a PromptGuardError
        // whose `code` names them.
        _ => &c.base,
    };
    raise(py, class, err.kind().as_str(), err.message())
}

/// A `ConfigError` raised by the binding itself (e.g. a policy dict holding a `set`).
pub(crate) fn config_error(py: Python<'_>, message: &str) -> PyErr {
    match classes(py) {
        Ok(c) => raise(py, &c.config, ErrorKind::Config.as_str(), message),
        Err(e) => e,
    }
}

/// An `InvalidInputError` raised by the binding itself (e.g. a message without `content`).
pub(crate) fn invalid_input(py: Python<'_>, message: &str) -> PyErr {
    match classes(py) {
        Ok(c) => raise(
            py,
            &c.invalid_input,
            ErrorKind::InvalidInput.as_str(),
            message,
        ),
        Err(e) => e,
    }
}

/// `Result<T, promptguard_core::Error>` → `PyResult<T>` through [`to_py_err`].
pub(crate) trait IntoPyResult<T> {
    fn into_py_result(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn into_py_result(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py_err(py, &e))
    }
}
