//! The distributed shim compiles ProcessGroupGloo.hpp against stand-in Gloo declarations
//! (shim/dist/gloo_decls; the argument is in shim/dist/gloo.cpp). That is sound only while the
//! compiled archive neither defines nor calls anything of Gloo's: this checks it with `nm`.
use std::process::Command;

/// The one Gloo-named symbol allowed: the standard library moving `shared_ptr`s of an
/// incomplete type, the same code whatever `gloo::transport::Device` is.
const ALLOWED: &[&str] =
    &["std::vector<std::shared_ptr<gloo::transport::Device>, std::allocator<std::shared_ptr<gloo::transport::Device> > >::_M_realloc_insert"];

#[test]
fn gloo_shim_defines_and_calls_nothing_of_gloo() {
    let archive = std::path::Path::new(env!("OUT_DIR")).join("libltrs_dist.a");
    let out = match Command::new("nm").arg("-C").arg(&archive).output() {
        Ok(out) if out.status.success() => out,
        // Without binutils there is nothing to check with; the build's static_asserts still
        // guard the layouts.
        Ok(out) => panic!(
            "nm -C {} failed: {}",
            archive.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => {
            eprintln!("nm not found ({e}); skipping the symbol check");
            return;
        }
    };
    let listing = String::from_utf8_lossy(&out.stdout);
    let offending: Vec<&str> = listing
        .lines()
        .filter(|l| l.contains("gloo::"))
        .filter(|l| !ALLOWED.iter().any(|a| l.contains(a)))
        .collect();
    assert!(
        offending.is_empty(),
        "the distributed shim uses Gloo's own code, which its stand-in headers cannot vouch for:\n{}",
        offending.join("\n")
    );
    // The check sees the archive: the shim's own entry points are there.
    assert!(listing.contains("T ltrs_gloo_new"), "{listing}");
}
