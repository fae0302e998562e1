//! `Vault` and `Restorer`: reversible redaction for one conversation.
//!
//! `Engine.scan_reversible(text, vault)` writes numbered placeholders (`[EMAIL_1]`) and keeps
//! the values in the vault; `vault.restore(answer)` puts them back into the model's answer, and
//! `vault.restorer()` does the same chunk by chunk for a streamed answer. Numbering and the
//! handling of texts that already contain placeholder look-alikes are the core's
//! (`promptguard_core::vault`).
//!
//! Both classes are frozen with a `Mutex` inside, so one vault can be shared by every thread of
//! a conversation. The lock is only ever taken with the GIL released and no Python code runs
//! while it is held, so it cannot deadlock against the interpreter.

use std::sync::{Mutex, MutexGuard};

use promptguard_core::{ByteRestorer, Vault};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString, PyTuple, PyType};

use crate::errors::invalid_input;
use crate::json::type_name;
use crate::text::{extract_text, not_a_str};

/// Locks `m`, recovering from poisoning: nothing that runs under these locks panics (the core
/// promises it), and a vault is plain data that stays consistent between calls anyway.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The placeholder ↔ value mapping of one conversation (reversible redaction).
#[pyclass(frozen, module = "promptguard", name = "Vault")]
#[derive(Debug)]
pub(crate) struct PyVault {
    inner: Mutex<Vault>,
}

impl PyVault {
    /// Runs `f` on the vault with the GIL released (see the module docs on locking).
    pub(crate) fn with<R, F>(&self, py: Python<'_>, f: F) -> R
    where
        F: FnOnce(&mut Vault) -> R + Send,
        R: Send,
    {
        py.detach(|| f(&mut lock(&self.inner)))
    }
}

#[pymethods]
impl PyVault {
    /// An empty vault; keep one per conversation.
    #[new]
    fn new() -> Self {
        PyVault {
            inner: Mutex::new(Vault::new()),
        }
    }

    /// Number of values stored.
    fn __len__(&self, py: Python<'_>) -> usize {
        self.with(py, |v| v.len())
    }

    /// True when `placeholder` (e.g. `"[EMAIL_1]"`) was issued by this vault.
    fn __contains__(&self, py: Python<'_>, placeholder: &Bound<'_, PyAny>) -> PyResult<bool> {
        if !placeholder.is_instance_of::<PyString>() {
            return Ok(false);
        }
        let token = extract_text(placeholder, "placeholder")?;
        Ok(self.with(py, |v| v.value_of(&token).is_some()))
    }

    /// The placeholders issued so far, in order of issue.
    #[getter]
    fn placeholders<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let tokens: Vec<String> = self.with(py, |v| v.placeholders().map(str::to_owned).collect());
        PyTuple::new(py, tokens)
    }

    /// The original value behind a placeholder this vault issued, else None.
    fn value_of(&self, py: Python<'_>, placeholder: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        let token = extract_text(placeholder, "placeholder")?;
        Ok(self.with(py, |v| v.value_of(&token).map(str::to_owned)))
    }

    /// `text` with every placeholder this vault issued replaced by its original value; other
    /// bracketed text (including look-alikes the user typed) is left as it is.
    fn restore(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<String> {
        let text = extract_text(text, "text")?;
        Ok(self.with(py, |v| v.restore(&text)))
    }

    /// A streaming restorer over a snapshot of the mapping as it is now: create it after the
    /// prompt was scanned, then feed it the answer's chunks.
    fn restorer(&self, py: Python<'_>) -> PyRestorer {
        let inner = self.with(py, |v| ByteRestorer::new(v));
        PyRestorer {
            inner: Mutex::new(inner),
        }
    }

    /// The mapping as JSON, to keep a conversation's vault in a session store. It holds the
    /// original values: store it as carefully as the conversation itself.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |v| serde_json::to_string(v))
            .map_err(|e| invalid_input(py, &format!("cannot serialise the vault: {e}")))
    }

    /// A vault from `to_json()`'s output.
    #[classmethod]
    fn from_json(cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = cls.py();
        if !data.is_instance_of::<PyString>() {
            return Err(not_a_str(data, "data"));
        }
        let text = extract_text(data, "data")?;
        let vault: Vault = serde_json::from_str(&text)
            .map_err(|e| invalid_input(py, &format!("not a vault's JSON: {e}")))?;
        Ok(PyVault {
            inner: Mutex::new(vault),
        })
    }

    /// Pickling goes through `to_json()` / `from_json()` (the pickle holds the values).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let json = slf.get().to_json(slf.py())?;
        Ok((slf.get_type().getattr("from_json")?, (json,)))
    }

    /// Never shows stored values: vaults end up in logs.
    fn __repr__(&self, py: Python<'_>) -> String {
        format!("Vault(placeholders={})", self.__len__(py))
    }
}

/// Restores placeholders in a streamed answer: `push()` each chunk and forward what it returns
/// (a placeholder split across chunks is held back until it is complete), then `finish()`.
#[pyclass(frozen, module = "promptguard", name = "Restorer")]
#[derive(Debug)]
pub(crate) struct PyRestorer {
    inner: Mutex<ByteRestorer>,
}

impl PyRestorer {
    fn with<R, F>(&self, py: Python<'_>, f: F) -> R
    where
        F: FnOnce(&mut ByteRestorer) -> R + Send,
        R: Send,
    {
        py.detach(|| f(&mut lock(&self.inner)))
    }
}

#[pymethods]
impl PyRestorer {
    /// Adds a text chunk; returns the restored text that can be forwarded now.
    fn push(&self, py: Python<'_>, chunk: &Bound<'_, PyAny>) -> PyResult<String> {
        if chunk.is_instance_of::<PyBytes>() || chunk.is_instance_of::<PyByteArray>() {
            return Err(PyTypeError::new_err(format!(
                "chunk must be str, not {}; use push_bytes() for byte streams",
                type_name(chunk)
            )));
        }
        let chunk = extract_text(chunk, "chunk")?;
        Ok(self.with(py, |r| r.push_bytes(chunk.as_bytes())))
    }

    /// Adds a chunk of UTF-8 bytes (chunk boundaries may split characters); returns the
    /// restored text that can be forwarded now. Invalid UTF-8 becomes U+FFFD.
    fn push_bytes(&self, py: Python<'_>, chunk: &Bound<'_, PyAny>) -> PyResult<String> {
        let bytes: Vec<u8> = if let Ok(b) = chunk.cast::<PyBytes>() {
            b.as_bytes().to_vec()
        } else if let Ok(b) = chunk.cast::<PyByteArray>() {
            b.to_vec()
        } else {
            return Err(PyTypeError::new_err(format!(
                "chunk must be bytes or bytearray, not {}; use push() for str chunks",
                type_name(chunk)
            )));
        };
        Ok(self.with(py, |r| r.push_bytes(&bytes)))
    }

    /// Everything still held back, restored. Call once at the end of the stream; the restorer
    /// is then empty and could start another stream.
    fn finish(&self, py: Python<'_>) -> String {
        self.with(py, |r| r.finish())
    }

    fn __repr__(&self) -> &'static str {
        "Restorer()"
    }
}
