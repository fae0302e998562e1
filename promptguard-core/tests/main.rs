//! Integration tests of promptguard-core (one binary; a module per behaviour).

mod api;
mod corpus;
mod evasion;
mod properties;
