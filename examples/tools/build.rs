//! Two jobs: the rpath to libtorch's libraries (as in the examples' build script), and compiling
//! the C++ baseline of the `bench` binary against the same libtorch headers.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH_RPATH");
    let rpath = env::var("LIBTORCH_RPATH")
        .or_else(|_| env::var("DEP_LIBTORCH_LIB_DIR"))
        .expect("the libtorch crate exports its lib dir");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{rpath}");

    let include = PathBuf::from(
        env::var("DEP_LIBTORCH_INCLUDE_DIR").expect("the libtorch crate exports its include dir"),
    );
    let source = "cpp/bench_baseline.cpp";
    println!("cargo:rerun-if-changed={source}");
    println!("cargo:rerun-if-env-changed=CXX");
    println!("cargo:rerun-if-env-changed=CXXFLAGS");
    cc::Build::new()
        .cpp(true)
        .file(source)
        // Always optimized, also in debug builds: the baseline must be what C++ users get.
        .opt_level(2)
        .flag("-std=c++17")
        .define("_GLIBCXX_USE_CXX11_ABI", "1")
        .flag("-isystem")
        .flag(include.to_str().expect("a UTF-8 include path"))
        .flag("-isystem")
        .flag(
            include
                .join("torch/csrc/api/include")
                .to_str()
                .expect("a UTF-8 include path"),
        )
        .warnings(false)
        .compile("bench_baseline");
}
