//! Three jobs: the rpath to libtorch's libraries (as in the examples' build script), the PyTorch
//! version cfgs that gate the fuzz table's entries (as libtorch's build script sets them), and
//! compiling the C++ baseline of the `bench` binary against the same libtorch headers.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH_RPATH");
    let rpath = env::var("LIBTORCH_RPATH")
        .or_else(|_| env::var("DEP_LIBTORCH_LIB_DIR"))
        .expect("the libtorch crate exports its lib dir");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{rpath}");
    let var = |key: &str| env::var(format!("DEP_LIBTORCH_{key}")).unwrap_or_default();
    for name in var("CHECK_CFGS").split(',').filter(|n| !n.is_empty()) {
        println!("cargo::rustc-check-cfg=cfg({name})");
    }
    for name in var("CFGS").split(',').filter(|n| !n.is_empty()) {
        println!("cargo::rustc-cfg={name}");
    }
    // PyTorch 2.14's and newer headers need C++20.
    let std = match var("CXX_STD") {
        s if s.is_empty() => "c++17".to_owned(),
        s => s,
    };

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
        .flag(format!("-std={std}"))
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
