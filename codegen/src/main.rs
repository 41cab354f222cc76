//! Generates the libtorch bindings from `spec/Declarations.yaml` and `spec/rules.yaml`.
//!
//! The pipeline, top to bottom (codegen/README.md has the table):
//! 1. read the inputs: `spec` (both YAML files into typed structs; `schema` parses the schema
//!    strings);
//! 2. build the model, where every decision is taken: `model` (bind or skip, per op), with
//!    `kinds` (argument and return types), `defaults` (typed default values), `naming` (Rust
//!    names), `guards` (the guard calls of rules.yaml, resolved against the schema),
//!    `keyword_overloads` (the overloads Python picks by an argument passed), `twins`
//!    (tensor-or-number arguments), `plain_names` (PyTorch's plain name for the overload people
//!    mean) and `shards` (which `ops_NN` file each op lives in);
//! 3. emit, each from that one model, the files of [`outputs`]: `emit_cpp` (C++ shims),
//!    `emit_ffi` (raw Rust declarations), `emit_safe` (the safe `impl Tensor` API) and
//!    `emit_fuzz` (the fuzz driver's table);
//! 4. write the files whose text changed ([`write_or_check`]).
//!
//! `cargo run --release -p codegen` writes the files; `-- --check` writes nothing and fails
//! naming every stale file; `-- --timings` also prints how long each step took.

mod defaults;
mod emit_cpp;
mod emit_ffi;
mod emit_fuzz;
mod emit_safe;
mod guards;
mod keyword_overloads;
mod kinds;
mod model;
mod naming;
mod plain_names;
mod schema;
mod shards;
mod spec;
mod twins;
mod versions;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The directories holding generated files, and only those: a file there that codegen no longer
/// writes is stale.
const GENERATED_DIRS: [&str; 4] = [
    "libtorch-sys/shim/generated",
    "libtorch-sys/src/generated",
    "libtorch/src/generated",
    "examples/tools/src/fuzz/generated",
];

struct Options {
    check: bool,
    timings: bool,
}

fn main() -> ExitCode {
    let mut options = Options {
        check: false,
        timings: false,
    };
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => options.check = true,
            "--timings" => options.timings = true,
            other => {
                eprintln!("usage: codegen [--check] [--timings]   (unknown argument `{other}`)");
                return ExitCode::from(2);
            }
        }
    }
    match run(&options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("codegen: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<ExitCode, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let start = Instant::now();
    // Every supported version's declarations, parsed in parallel (the parse is most of a run's
    // time before emission).
    let decls = std::thread::scope(|s| {
        let running: Vec<_> = versions::SPECS
            .iter()
            .map(|(_, path)| {
                let path = root.join(path);
                s.spawn(move || spec::load_declarations(&path))
            })
            .collect();
        running
            .into_iter()
            .map(|h| h.join().expect("parser thread"))
            .collect::<Result<Vec<_>, String>>()
    })?;
    let rules = spec::load_rules(&root.join("spec/rules.yaml"))?;
    let parsed = start.elapsed();
    let model = model::build_versions(&decls, &rules)?;
    let modeled = start.elapsed();
    let files = outputs(&model);
    let emitted = start.elapsed();
    let stale = write_or_check(&root, &files, options.check)?;
    if options.timings {
        println!(
            "timing: parse {} ms, model {} ms, emit {} ms, total {} ms",
            parsed.as_millis(),
            (modeled - parsed).as_millis(),
            (emitted - modeled).as_millis(),
            start.elapsed().as_millis()
        );
    }
    if options.check && stale {
        eprintln!(
            "codegen --check: generated files are stale; run `cargo run --release -p codegen`"
        );
        return Ok(ExitCode::FAILURE);
    }
    if !options.check {
        for (key, reason) in &model.skipped {
            println!("skipped {key}: {reason}");
        }
        println!(
            "coverage: {} of {} declarations bound",
            model.ops.len(),
            model.total
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A generated file's emitter: its text, made from the model.
type Emitter<'m> = Box<dyn Fn() -> String + Send + Sync + 'm>;

/// The output table: every generated file, by its path from the repository root, with the
/// emitter that writes it. The emitters run in parallel (the safe API's are the slow ones).
fn outputs(model: &model::Model) -> Vec<(String, String)> {
    let ops = &model.ops;
    let shard_names: Vec<String> = (0..shards::COUNT).map(shards::name).collect();
    let mut table: Vec<(String, Emitter)> = Vec::new();
    for (shard, name) in shard_names.iter().enumerate() {
        let of = move || shards::ops_of(ops, shard);
        table.push((
            format!("libtorch-sys/shim/generated/{name}.cpp"),
            Box::new(move || emit_cpp::file(&of())),
        ));
        table.push((
            format!("libtorch-sys/src/generated/{name}.rs"),
            Box::new(move || emit_ffi::file(&of())),
        ));
        table.push((
            format!("libtorch/src/generated/{name}.rs"),
            Box::new(move || emit_safe::file(&of())),
        ));
    }
    let names = &shard_names;
    table.push((
        "libtorch-sys/src/generated/mod.rs".into(),
        Box::new(move || emit_ffi::mod_file(names)),
    ));
    table.push((
        "libtorch/src/generated/mod.rs".into(),
        Box::new(move || emit_safe::mod_file(names)),
    ));
    table.push((
        "examples/tools/src/fuzz/generated/table.rs".into(),
        Box::new(move || emit_fuzz::file(ops)),
    ));
    std::thread::scope(|s| {
        let running: Vec<_> = table
            .iter()
            .map(|(path, emit)| (path, s.spawn(emit)))
            .collect();
        running
            .into_iter()
            .map(|(path, h)| (path.clone(), h.join().expect("emitter thread")))
            .collect()
    })
}

/// Compares every output with the file on disk, and every file in [`GENERATED_DIRS`] with the
/// outputs. Writes the changed files and removes the ones no longer generated, or with `check`
/// only names them. Returns whether anything was stale.
fn write_or_check(root: &Path, files: &[(String, String)], check: bool) -> Result<bool, String> {
    let mut stale = false;
    for (path, text) in files {
        let full = root.join(path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        stale = true;
        if check {
            eprintln!("stale: {path}");
        } else {
            std::fs::create_dir_all(full.parent().unwrap()).map_err(|e| e.to_string())?;
            std::fs::write(&full, text).map_err(|e| format!("{path}: {e}"))?;
            println!("wrote {path}");
        }
    }
    for dir in GENERATED_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if files.iter().any(|(p, _)| *p == path) {
                continue;
            }
            stale = true;
            if check {
                eprintln!("stale: {path} (no longer generated)");
            } else {
                std::fs::remove_file(entry.path()).map_err(|e| format!("{path}: {e}"))?;
                println!("removed {path}");
            }
        }
    }
    Ok(stale)
}
