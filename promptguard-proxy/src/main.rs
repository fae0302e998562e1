//! `promptguard`: the command-line face of the promptguard engine.
//!
//! `promptguard scan` prints one Decision (the stable JSON contract of DESIGN.md);
//! `promptguard scan --jsonl` turns JSONL on stdin into one Decision per line;
//! `promptguard eval FILE.jsonl...` measures detection on labelled data.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Scan(args) => commands::scan::run(args),
        cli::Command::Eval(args) => commands::eval::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("promptguard: {e:#}");
            ExitCode::from(2)
        }
    }
}
