//! Records libtorch's `lib/` directory in the binaries' rpath (or `LIBTORCH_RPATH` when set), so
//! `target/release/serve` runs from the shell, as the README's `build.rs` does.
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH_RPATH");
    let dir = std::env::var("LIBTORCH_RPATH")
        .or_else(|_| std::env::var("DEP_LIBTORCH_LIB_DIR"))
        .expect("the libtorch crate exports its lib dir");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
}
