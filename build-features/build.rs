//! Empty on purpose: a build script is what makes Cargo resolve this crate's
//! `[build-dependencies]` (the host-side features it aligns; see Cargo.toml).
fn main() {}
