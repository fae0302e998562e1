//! The one error type of the engine. Building and configuring can fail; scanning cannot.

use std::fmt;

/// What went wrong, for callers (and bindings) that need to tell errors apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A preset, strictness, policy key or value is invalid.
    Config,
    /// A rule pack or custom rule does not compile.
    Rule,
    /// A policy or rule file could not be read or parsed.
    Parse,
    /// A file could not be read.
    Io,
    /// A model file is missing, corrupt or fails to load.
    Model,
    /// An input given to an API is invalid (e.g. a malformed tool call).
    InvalidInput,
}

impl ErrorKind {
    /// A stable snake_case name, used by the bindings as an error `code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Config => "config",
            ErrorKind::Rule => "rule",
            ErrorKind::Parse => "parse",
            ErrorKind::Io => "io",
            ErrorKind::Model => "model",
            ErrorKind::InvalidInput => "invalid_input",
        }
    }
}

/// The error of every fallible promptguard operation. Opaque: inspect it with
/// [`Error::kind`] and its `Display` message, which names the offending key, rule or file.
pub struct Error {
    repr: Box<Repr>,
}

#[derive(Debug)]
struct Repr {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            repr: Box::new(Repr {
                kind,
                message: message.into(),
                source: None,
            }),
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error {
            repr: Box::new(Repr {
                kind,
                message: message.into(),
                source: Some(Box::new(source)),
            }),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config, message)
    }

    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.repr.kind
    }

    /// The message without the kind prefix.
    pub fn message(&self) -> &str {
        &self.repr.message
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.repr.kind)
            .field("message", &self.repr.message)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} error: {}",
            self.repr.kind.as_str(),
            self.repr.message
        )
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.repr
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_kind_and_message() {
        let e = Error::config("unknown key `foo`");
        assert_eq!(e.kind(), ErrorKind::Config);
        assert_eq!(e.to_string(), "config error: unknown key `foo`");
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
