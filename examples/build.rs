//! The lines a downstream crate needs so its binaries find libtorch's shared libraries without
//! LD_LIBRARY_PATH: an rpath to the directory the `libtorch` crate reports, or `LIBTORCH_RPATH`
//! when set (`'$ORIGIN'` for a bundle, see docs/bundling.md).
use std::env;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH_RPATH");
    let rpath = env::var("LIBTORCH_RPATH")
        .or_else(|_| env::var("DEP_LIBTORCH_LIB_DIR"))
        .expect("the libtorch crate exports its lib dir");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{rpath}");
}
