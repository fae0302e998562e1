//! `promptguard`: the command-line face of the promptguard engine.
//!
//! `promptguard scan` prints one Decision (the stable JSON contract of DESIGN.md);
//! `promptguard scan --jsonl` turns JSONL on stdin into one Decision per line;
//! `promptguard eval FILE.jsonl...` measures detection on labelled data;
//! `promptguard serve` runs the gateway (see `serve/`).

mod cli;
mod commands;
mod serve;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: the gateway allocates and frees many small buffers
/// per request on several threads; measured under a fixed 5,000 req/s load it spent ~10 % less CPU
/// per request (benches/proxy_load.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Scan(args) => commands::scan::run(args),
        cli::Command::Eval(args) => commands::eval::run(args),
        cli::Command::Serve(args) if args.print_default_config => {
            print!("{}", serve::config::DEFAULT_YAML);
            Ok(ExitCode::SUCCESS)
        }
        cli::Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(code) => code,
        // A closed pipe (`promptguard scan ... | head`) is the reader's choice, not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("promptguard: {e:#}");
            ExitCode::from(2)
        }
    }
}
