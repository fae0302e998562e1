//! Embeds every rule pack in `rules/*.toml` (all but `exceptions.toml`, which is not a pack), so
//! that adding a pack is adding a data file.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut packs: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("rules/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        // Not a pack: the exceptions every pack may name (src/rules/mod.rs embeds it).
        .filter(|p| p.file_name().is_none_or(|n| n != "exceptions.toml"))
        .collect();
    packs.sort();
    let mut out = String::from("/// Every embedded rule pack: (file name, contents).\npub(crate) static EMBEDDED_PACKS: &[(&str, &str)] = &[\n");
    for p in &packs {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 file name");
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            p.display().to_string()
        )
        .expect("write to string");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("packs.rs");
    fs::write(dest, out).expect("write packs.rs");
}
