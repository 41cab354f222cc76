//! Finds libtorch, checks that its version is supported, compiles the C++ shims and links.
//!
//! Where libtorch comes from, in this order:
//! 1. `LIBTORCH`: a libtorch archive's root or a Python environment's `torch/` directory;
//! 2. the workspace's `deps/pytorch` (laid out by `deps/get-deps.sh`);
//! 3. with the default `download` feature: a supported version (`LIBTORCH_VERSION=2.13`, else
//!    `provision/default-version`), provisioned into the user cache by
//!    `provision/get-libtorch.sh` (which `deps/get-deps.sh` runs too).
//!
//! Every PyTorch minor with a lock in `provision/` (`pytorch-2.11.lock` ... `pytorch-2.15.lock`)
//! is supported: the generated bindings cover all of them, each item gated to the versions that
//! have it. The version found is read from libtorch's headers and given to the Rust code as cfgs
//! (`torch_ge_2_12` ... up to that version; the `libtorch` crate's build script re-emits them
//! from this crate's `links` metadata) and to the C++ shims as libtorch's own
//! `TORCH_VERSION_MINOR`. PyTorch 2.14's and 2.15's headers need C++20, older ones compile as C++17.
//!
//! Everything this script reads lives inside the crate (`provision/`: the locks with their sha256
//! sums, the CUDA substitutes, the provisioning script), so the published crate builds alone.
//! With `DOCS_RS` set (docs.rs's builders, which have no network) it finds, downloads, compiles
//! and links nothing: the Rust API is documented for the default version.
//!
//! The compiled shim archive is cached outside the target directory, keyed by everything that
//! goes into it, so a fresh clone or `cargo clean` does not pay the C++ compile again.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let cuda = env::var_os("CARGO_FEATURE_CUDA").is_some();
    for var in [
        "LIBTORCH",
        "LIBTORCH_CACHE",
        "LIBTORCH_SHIM_CACHE",
        "LIBTORCH_BYPASS_VERSION_CHECK",
        "LIBTORCH_VERSION",
        "XDG_CACHE_HOME",
        "HOME",
        "CXX",
        "CXXFLAGS",
        "DOCS_RS",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let supported = supported_minors(&manifest.join("provision"));
    let minor = download_minor(&manifest, &supported);
    let lock = manifest.join(format!("provision/pytorch-2.{minor}.lock"));
    rerun_if_changed(&lock);
    let wanted = pinned_version(&lock);
    if env::var_os("DOCS_RS").is_some() {
        docs_only(&wanted, minor, &supported);
        return;
    }
    let root = find_libtorch(&manifest, &wanted, minor, cuda);
    let found = detect_version(&root).unwrap_or_else(|| {
        fail(&format!(
            "no libtorch found at {} (no include/torch/headeronly/version.h there).\n\
             Wanted libtorch {wanted}. Point LIBTORCH at a libtorch directory (one holding include/ \
             and lib/), or unset it to use deps/pytorch or the automatic download.",
            root.display()
        ))
    });
    let found_minor = minor_of(&found);
    let gate_minor = match found_minor {
        Some(m) if found.starts_with("2.") && supported.contains(&m) => m,
        _ if env::var_os("LIBTORCH_BYPASS_VERSION_CHECK").is_some() => {
            // Try anyway, with the bindings of the nearest supported version below it.
            let m = found_minor.unwrap_or(0);
            let near = supported.iter().copied().filter(|&s| s <= m).max();
            near.unwrap_or(supported[0])
        }
        _ => fail(&format!(
            "libtorch {found} found at {}, but this crate supports PyTorch {}.\n\
             Point LIBTORCH at one of those, or unset LIBTORCH to use the download \
             (LIBTORCH_VERSION picks which; set LIBTORCH_BYPASS_VERSION_CHECK=1 to try anyway).",
            root.display(),
            list(&supported)
        )),
    };
    // The standard libtorch's own headers ask for (ATen/ATen.h's `#error C++20 or later ...`:
    // from 2.14 on), so a libtorch that moves on needs no change here.
    let std = match fs::read_to_string(root.join("include/ATen/ATen.h")) {
        Ok(h) if h.contains("C++20 or later") => "c++20",
        Ok(_) => "c++17",
        Err(_) => cxx_std(gate_minor),
    };
    emit_version_cfgs(gate_minor, &supported, std);

    // The real directories: libtorch_cpu.so's RPATH is relative to where the file really lies.
    let include = canonical(&root.join("include"));
    let lib = canonical(&root.join("lib"));
    if cuda {
        ensure_cuda_libraries(&manifest, &root, &lib, &found, gate_minor);
    }

    // Three archives: the generated operators (large, slow to compile, independent of
    // features), the handwritten shims (small; the only ones that differ with `cuda`), and the
    // TorchScript/AOTInductor shims (shim/jit/: few files, but torch::jit's headers are heavy),
    // kept apart so that editing one never recompiles another. The link order puts each before
    // the archives it calls into (ltrs_core defines helpers the others use).
    let shims = Shims {
        manifest: &manifest,
        out: &out,
        include: &include,
        version: &found,
        std,
    };
    let ops = shim_sources(&manifest.join("shim/generated"));
    let jit = shim_sources(&manifest.join("shim/jit"));
    let core = shim_sources(&manifest.join("shim"));
    let dist = shim_sources(&manifest.join("shim/dist"));
    let gloo_decls = manifest.join("shim/dist/gloo_decls");
    let convert = manifest.join("shim/convert.h");
    // The generated shims are one call each into libtorch, with nothing for -O2 to gain over -O1
    // but a third more compile time (4.2 s instead of 6.2 s per file here); the handwritten ones
    // keep -O2.
    // shim/dist/ (torch.distributed) is a fourth: c10d's headers, plus the Gloo stand-ins of
    // shim/dist/gloo_decls (see shim/dist/gloo.cpp for why they are ABI-safe).
    let archives = [
        ("ltrs_ops", &ops, false, Some(convert.as_path()), 1, None),
        ("ltrs_jit", &jit, false, None, 2, None),
        (
            "ltrs_dist",
            &dist,
            false,
            None,
            2,
            Some(gloo_decls.as_path()),
        ),
        ("ltrs_core", &core, cuda, None, 2, None),
    ];
    // The archives compile at once: while one core makes the operators' precompiled header
    // (a serial step), the other compiles the handwritten shims. A panic in any fails the
    // build when the scope ends.
    std::thread::scope(|scope| {
        for &(name, sources, cuda, pch, opt, gloo) in &archives {
            if !sources.is_empty() {
                let shims = &shims;
                scope.spawn(move || shims.build(name, sources, cuda, pch, opt, gloo));
            }
        }
    });
    // The link order stays fixed, whichever archive finished first.
    for (name, sources, ..) in &archives {
        if !sources.is_empty() {
            println!("cargo:rustc-link-lib=static={name}");
        }
    }
    println!("cargo:rustc-link-search=native={}", out.display());
    build_libtorch_stub(&manifest, &out);

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

/// A shared library whose soname is `libtorch.so` and which holds nothing: an AOTInductor
/// package's model lists libtorch.so as needed, and the real one of a CUDA build of libtorch
/// needs the NVIDIA libraries, which CPU builds do not fetch (see shim/jit/aoti.cpp). Its path
/// reaches the safe crate as `libtorch_sys::jit::LIBTORCH_STUB`.
fn build_libtorch_stub(manifest: &Path, out: &Path) {
    let source = manifest.join("shim/jit/libtorch_stub.c");
    rerun_if_changed(&source);
    let dir = out.join("aoti-stub");
    fs::create_dir_all(&dir).expect("create the stub dir");
    let lib = dir.join("libtorch.so");
    let compiler = cc::Build::new()
        .cargo_metadata(false)
        .opt_level(0)
        .debug(false)
        .get_compiler();
    let status = compiler
        .to_command()
        .args([
            "-x",
            "c",
            "-shared",
            "-fPIC",
            "-Wl,-soname,libtorch.so",
            "-o",
        ])
        .arg(&lib)
        .arg(&source)
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        fail(&format!(
            "compiling {} into {} failed",
            source.display(),
            lib.display()
        ));
    }
    println!("cargo:rustc-env=LTRS_LIBTORCH_STUB={}", lib.display());
}

/// docs.rs: no libtorch, no compiler, no network. The crate's `env!`s get the default version
/// and an empty stub path (nothing runs from a docs build), and no library is linked; the cfgs
/// are the default version's, so the docs show its API.
fn docs_only(wanted: &str, minor: u32, supported: &[u32]) {
    emit_version_cfgs(minor, supported, cxx_std(minor));
    println!("cargo:rustc-env=LIBTORCH_SYS_VERSION={wanted}");
    println!("cargo:rustc-env=LTRS_LIBTORCH_STUB=");
    println!("cargo:version={wanted}");
    println!("cargo:cuda=0");
}

/// The supported minors of PyTorch 2: those with a `pytorch-2.MINOR.lock` in `provision/`, sorted.
fn supported_minors(provision: &Path) -> Vec<u32> {
    rerun_if_changed(provision);
    let mut minors: Vec<u32> = fs::read_dir(provision)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", provision.display())))
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_prefix("pytorch-2.")?
                .strip_suffix(".lock")?
                .parse()
                .ok()
        })
        .collect();
    minors.sort_unstable();
    if minors.is_empty() {
        fail(&format!(
            "no pytorch-2.MINOR.lock in {}",
            provision.display()
        ));
    }
    minors
}

/// "2.11, 2.12, 2.13"
fn list(minors: &[u32]) -> String {
    let names: Vec<String> = minors.iter().map(|m| format!("2.{m}")).collect();
    names.join(", ")
}

/// The minor the download gets: `LIBTORCH_VERSION` ("2.13" or "2.13.0"), else
/// `provision/default-version`.
fn download_minor(manifest: &Path, supported: &[u32]) -> u32 {
    let default_file = manifest.join("provision/default-version");
    rerun_if_changed(&default_file);
    let (text, from) = match env::var("LIBTORCH_VERSION") {
        Ok(v) => (v, "LIBTORCH_VERSION".to_owned()),
        Err(_) => (
            fs::read_to_string(&default_file)
                .unwrap_or_else(|e| fail(&format!("{}: {e}", default_file.display()))),
            default_file.display().to_string(),
        ),
    };
    let text = text.trim();
    match minor_of(text) {
        Some(m) if text.starts_with("2.") && supported.contains(&m) => m,
        _ => fail(&format!(
            "{from} asks for PyTorch {text}, which is not supported; supported: {}",
            list(supported)
        )),
    }
}

/// 13 for "2.13" and "2.13.1".
fn minor_of(version: &str) -> Option<u32> {
    version.split('.').nth(1)?.parse().ok()
}

/// The cfgs of the version found: `torch_ge_2_M` for every supported minor M above the oldest
/// up to `minor`, declared for `check-cfg` whatever the version; passed on to dependents as
/// `links` metadata (`DEP_TORCH_CFGS`, `DEP_TORCH_CHECK_CFGS`), with the C++ standard
/// (`DEP_TORCH_CXX_STD`) their own C++ against these headers needs.
fn emit_version_cfgs(minor: u32, supported: &[u32], std: &str) {
    let names: Vec<String> = supported[1..]
        .iter()
        .map(|m| format!("torch_ge_2_{m}"))
        .collect();
    let on: Vec<&String> = supported[1..]
        .iter()
        .zip(&names)
        .filter(|(m, _)| **m <= minor)
        .map(|(_, n)| n)
        .collect();
    for n in &names {
        println!("cargo::rustc-check-cfg=cfg({n})");
    }
    for n in &on {
        println!("cargo::rustc-cfg={n}");
    }
    let on: Vec<&str> = on.iter().map(|s| s.as_str()).collect();
    println!("cargo:cfgs={}", on.join(","));
    println!("cargo:check_cfgs={}", names.join(","));
    println!("cargo:cxx_std={std}");
}

/// The standard a minor's headers need: PyTorch 2.14's and newer refuse anything before C++20
/// (the default where no header says).
fn cxx_std(minor: u32) -> &'static str {
    if minor >= 14 {
        "c++20"
    } else {
        "c++17"
    }
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

fn find_libtorch(manifest: &Path, wanted: &str, minor: u32, cuda: bool) -> PathBuf {
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
    provision(manifest, wanted, minor, cuda)
}

/// With `cuda`, libtorch_cuda.so must be there, and, for a libtorch laid out by
/// deps/get-deps.sh, the NVIDIA libraries it needs too (fetched now if the `download` feature
/// allows); otherwise the final link would fail with a list of missing CUDA libraries.
fn ensure_cuda_libraries(manifest: &Path, root: &Path, lib: &Path, wanted: &str, minor: u32) {
    if !lib.join("libtorch_cuda.so").exists() {
        fail(&format!(
            "the `cuda` feature is on but {} has no libtorch_cuda.so.\n\
             Point LIBTORCH at a CUDA build of libtorch {wanted}, or unset it to use the pinned one.",
            lib.display()
        ));
    }
    let site = lib.join("../..");
    let ours = root.join("build-version").exists();
    if !ours || site.join(".cuda-complete").exists() {
        return;
    }
    if env::var_os("CARGO_FEATURE_DOWNLOAD").is_none() {
        fail(&format!(
            "the `cuda` feature needs the NVIDIA libraries beside {}: run deps/get-deps.sh --cuda \
             (or this crate's provision/get-libtorch.sh --cuda --dest {})",
            lib.display(),
            root.display()
        ));
    }
    let script = manifest.join("provision/get-libtorch.sh");
    let status = Command::new("bash")
        .arg(&script)
        .args([
            "--quiet",
            "--cuda",
            "--version",
            &format!("2.{minor}"),
            "--dest",
        ])
        .arg(root)
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        fail(&format!(
            "{} --cuda failed: run it by hand to see why",
            script.display()
        ));
    }
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

/// Runs provision/get-libtorch.sh into the user cache (it reuses what an earlier run fetched).
fn provision(manifest: &Path, wanted: &str, minor: u32, cuda: bool) -> PathBuf {
    let script = manifest.join("provision/get-libtorch.sh");
    let dest = cache_dir().join(format!("libtorch-{wanted}"));
    let mut cmd = Command::new("bash");
    cmd.arg(&script)
        .arg("--quiet")
        .args(["--version", &format!("2.{minor}")])
        .arg("--dest")
        .arg(&dest);
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

/// The shim sources of one archive: `*.cpp` in `dir`, plus the headers they may include.
fn shim_sources(dir: &Path) -> Vec<PathBuf> {
    rerun_if_changed(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "cpp"));
    files.sort();
    files
}

struct Shims<'a> {
    manifest: &'a Path,
    out: &'a Path,
    include: &'a Path,
    version: &'a str,
    /// `c++17`, or `c++20` for the headers that need it.
    std: &'a str,
}

impl Shims<'_> {
    /// Compiles `sources` into `lib<name>.a` in OUT_DIR, or copies it from the cache when the
    /// same sources were compiled with the same compiler, flags and libtorch before.
    fn build(
        &self,
        name: &str,
        sources: &[PathBuf],
        cuda: bool,
        pch: Option<&Path>,
        opt_level: u32,
        gloo_decls: Option<&Path>,
    ) -> PathBuf {
        let shim_dir = self.manifest.join("shim");
        let mut build = cc::Build::new();
        build
            .cpp(true)
            .std(self.std)
            .opt_level(opt_level)
            .debug(false)
            .cargo_metadata(false)
            .warnings(true)
            .extra_warnings(true)
            .flag("-D_GLIBCXX_USE_CXX11_ABI=1")
            // libtorch's headers are not ours to warn about: -isystem silences them.
            .flag("-isystem")
            .flag(self.include.to_str().unwrap())
            .flag("-isystem")
            .flag(
                self.include
                    .join("torch/csrc/api/include")
                    .to_str()
                    .unwrap(),
            )
            .include(&shim_dir);
        if cuda {
            build.define("LTRS_CUDA", None);
        }
        if let Some(dir) = gloo_decls {
            // libtorch was built with Gloo: ProcessGroupGloo.hpp's contents sit behind this.
            build.define("USE_C10D_GLOO", None);
            build.flag("-isystem").flag(dir.to_str().unwrap());
        }
        let compiler = build.get_compiler();

        // Everything the archive depends on goes into its cache key.
        let mut key = CacheKey::new();
        // Paths are hashed as what they point at, not where this checkout lives: a second clone
        // (CI's fresh one, a git worktree) must hit the archive the first one compiled.
        key.update(self.version.as_bytes());
        let include = fs::canonicalize(self.include).unwrap_or_else(|_| self.include.to_path_buf());
        let manifest = self.manifest.to_string_lossy().into_owned();
        key.update(include.to_string_lossy().as_bytes());
        key.update(compiler.path().to_string_lossy().as_bytes());
        for arg in compiler.args() {
            let arg = arg.to_string_lossy().replace(&manifest, "<libtorch-sys>");
            let arg = arg.replace(
                self.include.to_string_lossy().as_ref(),
                include.to_string_lossy().as_ref(),
            );
            key.update(arg.as_bytes());
        }
        if let Ok(v) = Command::new(compiler.path()).arg("--version").output() {
            key.update(&v.stdout);
        }
        // Only the headers these sources include: editing a handwritten shim's header must not
        // throw away the generated operators' archive (ten minutes of compiling on 2 cores).
        let mut inputs = included_headers(sources, &shim_dir);
        inputs.extend(sources.iter().cloned());
        if let Some(dir) = gloo_decls {
            rerun_if_changed(dir);
            inputs.extend(files_under(dir));
        }
        for file in &inputs {
            key.update(file.file_name().unwrap().to_string_lossy().as_bytes());
            key.update(fs::read(file).expect("read shim source"));
        }
        let key = key.hex();
        let archive_name = format!("lib{name}.a");
        let local = self.out.join(&archive_name);

        let use_cache = env::var("LIBTORCH_SHIM_CACHE").map_or(true, |v| v != "0");
        let cached = cache_dir()
            .join("shims")
            .join(&key[..32])
            .join(&archive_name);
        if use_cache && cached.is_file() && fs::copy(&cached, &local).is_ok() {
            return local;
        }

        if let Some(header) = pch {
            // Every generated shim starts with the same heavy headers (ATen's Tensor and our
            // conversions): parse them once into a precompiled header, made with exactly the
            // flags of the compile that uses it.
            let dir = self.out.join(format!("{name}-pch"));
            fs::create_dir_all(&dir).expect("create the pch dir");
            let stub = dir.join("ltrs_pch.h");
            fs::write(&stub, format!("#include \"{}\"\n", header.display())).unwrap();
            let mut cmd = compiler.to_command();
            cmd.arg("-x")
                .arg("c++-header")
                .arg(&stub)
                .arg("-o")
                .arg(dir.join("ltrs_pch.h.gch"));
            match cmd.status() {
                Ok(s) if s.success() => {
                    build
                        .flag("-Winvalid-pch")
                        .flag("-include")
                        .flag(stub.to_str().unwrap());
                }
                // Without it the compile is only slower.
                _ => println!(
                    "cargo:warning=precompiling {} failed; compiling without it",
                    header.display()
                ),
            }
        }
        build.files(sources).compile(name);
        if use_cache {
            // Written under a temporary name and renamed: a concurrent build never sees half a file.
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
}

/// FNV-1a over 128 bits: the shim cache's key. A stable, dependency-free hash is all this needs
/// (the inputs are our own files and flags, not adversarial), and dropping a cryptographic hash
/// crate takes its compile off the serial start of every clean build.
struct CacheKey(u128);

impl CacheKey {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;

    fn new() -> CacheKey {
        CacheKey(Self::OFFSET)
    }

    /// Adds `bytes`, then their length: ("ab", "c") and ("a", "bc") give different keys.
    fn update(&mut self, bytes: impl AsRef<[u8]>) {
        let bytes = bytes.as_ref();
        for &b in bytes.iter().chain(&(bytes.len() as u64).to_le_bytes()) {
            self.0 = (self.0 ^ b as u128).wrapping_mul(Self::PRIME);
        }
    }

    fn hex(&self) -> String {
        format!("{:032x}", self.0)
    }
}

/// The shim headers (`#include "NAME"`, resolved beside the including file, then in
/// `shim_dir`, as the compiler does) that `sources` include, directly or through each other,
/// sorted.
fn included_headers(sources: &[PathBuf], shim_dir: &Path) -> Vec<PathBuf> {
    let mut found = std::collections::BTreeSet::new();
    let mut todo: Vec<PathBuf> = sources.to_vec();
    while let Some(file) = todo.pop() {
        let text = fs::read_to_string(&file).expect("read shim source");
        for line in text.lines() {
            let Some(rest) = line.trim_start().strip_prefix("#include \"") else {
                continue;
            };
            let Some(name) = rest.split('"').next() else {
                continue;
            };
            let beside = file.parent().map(|dir| dir.join(name));
            let Some(header) = beside
                .filter(|h| h.is_file())
                .or_else(|| Some(shim_dir.join(name)).filter(|h| h.is_file()))
            else {
                continue;
            };
            if found.insert(header.clone()) {
                todo.push(header);
            }
        }
    }
    found.into_iter().collect()
}

/// Every file under `dir`, recursively, sorted (each also a rerun-if-changed input).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                rerun_if_changed(&path);
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
