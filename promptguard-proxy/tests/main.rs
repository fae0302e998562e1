//! Integration tests of the `promptguard` binary: one test binary, one module per behaviour.
//! Gateway tests start `promptguard serve` on a random port against a mock upstream (axum) that
//! the tests start themselves.

mod common;

mod auth;
mod block_redact;
mod cli;
mod config;
mod failover;
mod guard_health_metrics;
mod headers;
mod limits;
mod storage;
mod streaming;
