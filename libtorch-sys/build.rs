//! Finds libtorch, checks its version against the pin, compiles the C++ shims and links.
//!
//! Where libtorch comes from, in this order:
//! 1. `LIBTORCH`: a libtorch archive's root or a Python environment's `torch/` directory;
//! 2. the workspace's `deps/pytorch` (laid out by `deps/get-deps.sh`);
//! 3. with the default `download` feature: the pinned version, provisioned into the user cache by
//!    that same script.
//!
//! The compiled shim archive is cached outside the target directory, keyed by everything that
//! goes into it, so a fresh clone or `cargo clean` does not pay the C++ compile again.

use sha2::{Digest, Sha256};
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const SHIM_LIB: &str = "ltrs_shims";

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let cuda = env::var_os("CARGO_FEATURE_CUDA").is_some();
    for var in [
        "LIBTORCH",
        "LIBTORCH_CACHE",
        "LIBTORCH_SHIM_CACHE",
        "LIBTORCH_BYPASS_VERSION_CHECK",
        "XDG_CACHE_HOME",
        "HOME",
        "CXX",
        "CXXFLAGS",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let lock = manifest.join("../spec/pytorch.lock");
    rerun_if_changed(&lock);
    let wanted = pinned_version(&lock);
    let root = find_libtorch(&manifest, &wanted, cuda);
    let found = detect_version(&root).unwrap_or_else(|| {
        fail(&format!(
            "no libtorch found at {} (no include/torch/headeronly/version.h there).\n\
             Wanted libtorch {wanted}. Point LIBTORCH at a libtorch directory (one holding include/ \
             and lib/), or unset it to use deps/pytorch or the automatic download.",
            root.display()
        ))
    });
    if found != wanted && env::var_os("LIBTORCH_BYPASS_VERSION_CHECK").is_none() {
        fail(&format!(
            "libtorch {found} found at {}, but this crate is generated for libtorch {wanted}.\n\
             Point LIBTORCH at a libtorch {wanted} directory, or unset LIBTORCH to use the pinned \
             download (set LIBTORCH_BYPASS_VERSION_CHECK=1 to try anyway).",
            root.display()
        ));
    }

    // The real directories: libtorch_cpu.so's RPATH is relative to where the file really lies.
    let include = canonical(&root.join("include"));
    let lib = canonical(&root.join("lib"));
    if cuda && !lib.join("libtorch_cuda.so").exists() {
        fail(&format!(
            "the `cuda` feature is on but {} has no libtorch_cuda.so.\n\
             Run deps/get-deps.sh --cuda, or point LIBTORCH at a CUDA build of libtorch {wanted}.",
            lib.display()
        ));
    }

    let archive = build_shims(&manifest, &out, &include, &found, cuda);
    println!(
        "cargo:rustc-link-search=native={}",
        archive.parent().unwrap().display()
    );
    println!("cargo:rustc-link-lib=static={SHIM_LIB}");

    // cargo puts link-search paths inside the target directory on the dynamic library path of
    // `cargo run/test/bench`; a link to the real lib dir there makes those work with no
    // LD_LIBRARY_PATH, for every crate that depends on this one.
    let lib_link = out.join("libtorch-lib");
    let _ = fs::remove_file(&lib_link);
    std::os::unix::fs::symlink(&lib, &lib_link).expect("symlink to the libtorch lib dir");
    println!("cargo:rustc-link-search=native={}", lib_link.display());
    if cuda {
        println!("cargo:rustc-link-lib=dylib=torch_cuda");
        println!("cargo:rustc-link-lib=dylib=c10_cuda");
    }
    println!("cargo:rustc-link-lib=dylib=torch_cpu");
    println!("cargo:rustc-link-lib=dylib=c10");
    println!("cargo:rustc-link-lib=dylib=stdc++");
    // This crate's own tests run from the shell too.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());

    // `links` metadata for direct dependents: DEP_TORCH_LIB_DIR, DEP_TORCH_INCLUDE_DIR, ...
    println!("cargo:lib_dir={}", lib.display());
    println!("cargo:include_dir={}", include.display());
    println!("cargo:root={}", root.display());
    println!("cargo:version={found}");
    println!("cargo:cuda={}", cuda as u8);
    println!("cargo:rustc-env=LIBTORCH_SYS_VERSION={found}");
}

fn fail(message: &str) -> ! {
    eprintln!("\nlibtorch-sys: {message}\n");
    std::process::exit(1);
}

fn rerun_if_changed(path: &Path) {
    // A missing path would make cargo rerun this script on every build.
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())))
}

fn pinned_version(lock: &Path) -> String {
    let text = fs::read_to_string(lock)
        .unwrap_or_else(|e| fail(&format!("cannot read the pin {}: {e}", lock.display())));
    text.lines()
        .find_map(|l| l.strip_prefix("torch=="))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .unwrap_or_else(|| fail(&format!("no torch==VERSION line in {}", lock.display())))
}

/// The version libtorch's own headers declare, e.g. "2.11.0".
fn detect_version(root: &Path) -> Option<String> {
    let header = fs::read_to_string(root.join("include/torch/headeronly/version.h")).ok()?;
    let part = |name: &str| -> Option<String> {
        header.lines().find_map(|l| {
            let rest = l.trim().strip_prefix("#define ")?.strip_prefix(name)?;
            Some(rest.trim().to_owned())
        })
    };
    Some(format!(
        "{}.{}.{}",
        part("TORCH_VERSION_MAJOR")?,
        part("TORCH_VERSION_MINOR")?,
        part("TORCH_VERSION_PATCH")?
    ))
}

fn find_libtorch(manifest: &Path, wanted: &str, cuda: bool) -> PathBuf {
    if let Some(dir) = env::var_os("LIBTORCH") {
        let dir = PathBuf::from(dir);
        if !dir.join("include").is_dir() || !dir.join("lib").is_dir() {
            fail(&format!(
                "LIBTORCH={} is not a libtorch directory (it needs include/ and lib/).\n\
                 Wanted libtorch {wanted}: point LIBTORCH at one, or unset it to use the pinned download.",
                dir.display()
            ));
        }
        return dir;
    }
    let deps = manifest.join("../deps/pytorch");
    if deps.join("include").is_dir() && deps.join("lib").is_dir() {
        rerun_if_changed(&deps.join("build-version"));
        return deps;
    }
    if env::var_os("CARGO_FEATURE_DOWNLOAD").is_none() {
        fail(&format!(
            "libtorch {wanted} not found: LIBTORCH is unset, {} does not exist, and the `download` \
             feature is off. Set LIBTORCH to a libtorch {wanted} directory or run deps/get-deps.sh.",
            deps.display()
        ));
    }
    provision(manifest, wanted, cuda)
}

fn cache_dir() -> PathBuf {
    if let Some(dir) = env::var_os("LIBTORCH_CACHE") {
        return PathBuf::from(dir);
    }
    let base = env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| fail("neither LIBTORCH_CACHE, XDG_CACHE_HOME nor HOME is set"));
    base.join("libtorch-rs")
}

/// Runs deps/get-deps.sh into the user cache (it reuses what an earlier run fetched).
fn provision(manifest: &Path, wanted: &str, cuda: bool) -> PathBuf {
    let script = manifest.join("../deps/get-deps.sh");
    let dest = cache_dir().join(format!("libtorch-{wanted}"));
    let mut cmd = Command::new("bash");
    cmd.arg(&script).arg("--quiet").arg("--dest").arg(&dest);
    if cuda {
        cmd.arg("--cuda");
    }
    match cmd.status() {
        Ok(s) if s.success() => dest,
        Ok(s) => fail(&format!(
            "provisioning libtorch {wanted} with {} failed ({s}). Run it by hand to see why, or \
             set LIBTORCH to an existing libtorch {wanted}.",
            script.display()
        )),
        Err(e) => fail(&format!("cannot run {}: {e}", script.display())),
    }
}

/// Every shim source: the handwritten ones in shim/ and the generated ones in shim/generated/.
fn shim_sources(manifest: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut sources = Vec::new();
    let mut headers = Vec::new();
    for dir in [manifest.join("shim"), manifest.join("shim/generated")] {
        rerun_if_changed(&dir);
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match path.extension().and_then(|e| e.to_str()) {
                Some("cpp") => sources.push(path),
                Some("h") => headers.push(path),
                _ => {}
            }
        }
    }
    sources.sort();
    headers.sort();
    (sources, headers)
}

fn build_shims(manifest: &Path, out: &Path, include: &Path, version: &str, cuda: bool) -> PathBuf {
    let (sources, headers) = shim_sources(manifest);
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .std("c++17")
        .opt_level(2)
        .debug(false)
        .cargo_metadata(false)
        .warnings(true)
        .extra_warnings(true)
        .flag("-D_GLIBCXX_USE_CXX11_ABI=1")
        .flag("-fno-semantic-interposition")
        // libtorch's headers are not ours to warn about: -isystem silences them.
        .flag("-isystem")
        .flag(include.to_str().unwrap())
        .flag("-isystem")
        .flag(include.join("torch/csrc/api/include").to_str().unwrap())
        .include(manifest.join("shim"));
    if cuda {
        build.define("LTRS_CUDA", None);
    }
    let compiler = build.get_compiler();

    // Everything the archive depends on goes into its cache key.
    let mut key = Sha256::new();
    key.update(version.as_bytes());
    key.update(include.to_string_lossy().as_bytes());
    for arg in compiler.args() {
        key.update(arg.to_string_lossy().as_bytes());
    }
    key.update(compiler.path().to_string_lossy().as_bytes());
    if let Ok(v) = Command::new(compiler.path()).arg("--version").output() {
        key.update(&v.stdout);
    }
    for file in headers.iter().chain(&sources) {
        key.update(file.file_name().unwrap().to_string_lossy().as_bytes());
        key.update(fs::read(file).expect("read shim source"));
    }
    let key = format!("{:x}", key.finalize());
    let archive_name = format!("lib{SHIM_LIB}.a");
    let local = out.join(&archive_name);

    let use_cache = env::var("LIBTORCH_SHIM_CACHE").map_or(true, |v| v != "0");
    let cached = cache_dir()
        .join("shims")
        .join(&key[..32])
        .join(&archive_name);
    if use_cache && cached.is_file() && fs::copy(&cached, &local).is_ok() {
        return local;
    }

    build.files(&sources).compile(SHIM_LIB);
    if use_cache {
        // Written under a temporary name and renamed, so a concurrent build never sees half a file.
        let dir = cached.parent().unwrap();
        if fs::create_dir_all(dir).is_ok() {
            let tmp = dir.join(format!("{archive_name}.{}.tmp", std::process::id()));
            if fs::copy(&local, &tmp).is_ok() {
                let _ = fs::rename(&tmp, &cached);
            }
        }
    }
    local
}
