//! Passes libtorch-sys's `links` metadata on, so a crate depending on `libtorch` can read
//! `DEP_LIBTORCH_LIB_DIR` (see the README: one line gives its binaries an rpath).
fn main() {
    for key in ["LIB_DIR", "INCLUDE_DIR", "VERSION", "CUDA"] {
        if let Ok(v) = std::env::var(format!("DEP_TORCH_{key}")) {
            println!("cargo:{}={v}", key.to_lowercase());
        }
    }
}
