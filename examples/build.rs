//! The one line a downstream crate needs so its binaries find libtorch's shared libraries
//! without LD_LIBRARY_PATH: an rpath to the directory the `libtorch` crate reports.
fn main() {
    println!(
        "cargo:rustc-link-arg=-Wl,-rpath,{}",
        std::env::var("DEP_LIBTORCH_LIB_DIR").unwrap()
    );
}
