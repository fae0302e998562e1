//! The one place where errors become JavaScript exceptions.
//!
//! Every error thrown by the addon carries a `code` property equal to the core's stable
//! [`ErrorKind::as_str`] name (`config`, `rule`, `parse`, `io`, `model`, `invalid_input`), so
//! callers can branch on `err.code` without parsing messages. Wrong argument *types*
//! (`invalid_input`) are thrown as `TypeError`, everything else as `Error`.

use napi::{Env, Status};
use promptguard_core::{Error as CoreError, ErrorKind};

/// Throws the JavaScript error for `kind` and `message` into `env` and returns the
/// `PendingException` marker that napi-rs expects as the function's `Err` (it then leaves the
/// thrown error alone instead of throwing a second, code-less one).
pub(crate) fn throw(env: &Env, kind: ErrorKind, message: &str) -> napi::Error {
    let code = kind.as_str();
    let thrown = match kind {
        ErrorKind::InvalidInput => env.throw_type_error(message, Some(code)),
        // Config, Rule, Parse, Io, Model, and any kind the core adds later.
        _ => env.throw_error(message, Some(code)),
    };
    match thrown {
        Ok(()) => napi::Error::new(Status::PendingException, message),
        // The environment could not throw (it is shutting down): hand napi-rs a normal error,
        // which it surfaces if it still can.
        Err(_) => napi::Error::new(Status::GenericFailure, format!("{code}: {message}")),
    }
}

/// [`throw`] for an error of the core.
pub(crate) fn throw_core(env: &Env, err: &CoreError) -> napi::Error {
    throw(env, err.kind(), err.message())
}
