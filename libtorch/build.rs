//! Passes libtorch-sys's `links` metadata on, so a crate depending on `libtorch` can read
//! `DEP_LIBTORCH_LIB_DIR` (see the README: one line gives its binaries an rpath), and sets the
//! PyTorch version cfgs (`torch_ge_2_12` ...) that gate the generated methods, as libtorch-sys's
//! build script decided them from the libtorch it found.
fn main() {
    for key in [
        "LIB_DIR",
        "INCLUDE_DIR",
        "VERSION",
        "CUDA",
        "CFGS",
        "CHECK_CFGS",
        "CXX_STD",
    ] {
        if let Ok(v) = std::env::var(format!("DEP_TORCH_{key}")) {
            println!("cargo:{}={v}", key.to_lowercase());
        }
    }
    version_cfgs("DEP_TORCH");
}

/// `torch_ge_2_M` for the version found, each declared for `check-cfg`.
fn version_cfgs(prefix: &str) {
    let var = |key: &str| std::env::var(format!("{prefix}_{key}")).unwrap_or_default();
    for name in var("CHECK_CFGS").split(',').filter(|n| !n.is_empty()) {
        println!("cargo::rustc-check-cfg=cfg({name})");
    }
    for name in var("CFGS").split(',').filter(|n| !n.is_empty()) {
        println!("cargo::rustc-cfg={name}");
    }
}
