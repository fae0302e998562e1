//! Benchmarks for promptguard (see benches/).
