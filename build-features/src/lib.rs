//! Build-time only; no code. See this crate's `Cargo.toml` for why it exists: it gives the
//! binding crates the dependency features the rest of the workspace is built with, so that
//! building them reuses the workspace's compiled dependencies instead of compiling them again.
