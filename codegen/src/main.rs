//! Generates the libtorch bindings from `spec/Declarations.yaml`.
//!
//! The pipeline, top to bottom:
//! 1. `spec`: parse Declarations.yaml and spec/rules.yaml into typed structs;
//! 2. `model`: decide everything (what is bound, names, argument/return kinds, defaults);
//! 3. emit, each from that one model: `emit_cpp` (C++ shims), `emit_ffi` (raw Rust
//!    declarations), `emit_safe` (the safe `impl Tensor` API).
//!
//! `cargo run -p codegen` writes the files; `cargo run -p codegen -- --check` writes nothing and
//! fails naming every stale file.

mod emit_cpp;
mod emit_ffi;
mod emit_fuzz;
mod emit_safe;
mod model;
mod plain_names;
mod spec;
mod twins;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// How many C++ files the shims are split into (compiled in parallel by libtorch-sys's build).
const CPP_FILES: usize = 8;
/// How many Rust files the safe API is split into.
const RUST_FILES: usize = 8;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usage: codegen [--check]   (unknown argument `{other}`)");
            return ExitCode::from(2);
        }
    };
    match run(check) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("codegen: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(check: bool) -> Result<ExitCode, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let start = std::time::Instant::now();
    let decls = spec::load_declarations(&root.join("spec/Declarations.yaml"))?;
    let rules = spec::load_rules(&root.join("spec/rules.yaml"))?;
    let parsed = start.elapsed();
    let model = model::build(&decls, &rules)?;
    let modeled = start.elapsed();

    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for (name, text) in emit_cpp::files(&model.ops, CPP_FILES) {
        files.push((root.join("libtorch-sys/shim/generated").join(name), text));
    }
    files.push((
        root.join("libtorch-sys/src/ops.rs"),
        emit_ffi::file(&model.ops),
    ));
    let per_file = model.ops.len().div_ceil(RUST_FILES);
    let chunks: Vec<&[model::Op]> = model.ops.chunks(per_file.max(1)).collect();
    let texts: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|c| s.spawn(|| emit_safe::file(c)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("emitter thread"))
            .collect()
    });
    let mut mod_names = Vec::new();
    for (i, text) in texts.into_iter().enumerate() {
        let name = format!("ops_{i:02}");
        files.push((root.join(format!("libtorch/src/generated/{name}.rs")), text));
        mod_names.push(name);
    }
    files.push((
        root.join("examples/src/fuzz/table.rs"),
        emit_fuzz::file(&model.ops),
    ));
    files.push((
        root.join("libtorch/src/generated/mod.rs"),
        emit_safe::mod_file(&mod_names),
    ));

    let emitted = start.elapsed();
    // Generated files that are no longer produced are stale too.
    let mut stale_extra = Vec::new();
    for (dir, ext) in [
        ("libtorch-sys/shim/generated", "cpp"),
        ("libtorch/src/generated", "rs"),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let generated =
                std::fs::read_to_string(&p).is_ok_and(|t| t.starts_with(emit_cpp::HEADER));
            if p.extension().is_some_and(|x| x == ext)
                && generated
                && !files.iter().any(|(f, _)| same(f, &p))
            {
                stale_extra.push(p);
            }
        }
    }

    let mut stale = Vec::new();
    for (path, text) in &files {
        if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.clone());
        }
    }
    if check {
        for p in stale.iter().chain(&stale_extra) {
            eprintln!("stale: {}", display(&root, p));
        }
    } else {
        for path in &stale {
            std::fs::create_dir_all(path.parent().unwrap()).map_err(|e| e.to_string())?;
            std::fs::write(path, &files.iter().find(|(p, _)| p == path).unwrap().1)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            println!("wrote {}", display(&root, path));
        }
        for p in &stale_extra {
            std::fs::remove_file(p).map_err(|e| format!("{}: {e}", p.display()))?;
            println!("removed {}", display(&root, p));
        }
    }
    for (key, reason) in &model.skipped {
        println!("skipped {key}: {reason}");
    }
    println!(
        "timing: parse {} ms, model {} ms, emit {} ms, total {} ms",
        parsed.as_millis(),
        (modeled - parsed).as_millis(),
        (emitted - modeled).as_millis(),
        start.elapsed().as_millis()
    );
    println!(
        "coverage: {} of {} declarations bound",
        model.ops.len(),
        model.total
    );
    if check && !(stale.is_empty() && stale_extra.is_empty()) {
        eprintln!("codegen --check: generated files are stale; run `cargo run -p codegen`");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn same(a: &Path, b: &Path) -> bool {
    a.file_name() == b.file_name()
        && a.parent()
            .map(|p| p.ends_with(b.parent().unwrap().file_name().unwrap()))
            == Some(true)
}

fn display(root: &Path, p: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    let p = p.canonicalize().unwrap_or_else(|_| p.to_owned());
    p.strip_prefix(&root).unwrap_or(&p).display().to_string()
}
