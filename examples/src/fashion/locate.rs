//! Where the Fashion-MNIST files are: `--data-dir`, the system-wide Debian package, the cache,
//! or else fetched by `deps/get-fashion-mnist.sh` into the cache.
use libtorch::data::mnist;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The system-wide location of Debian's `dataset-fashion-mnist`.
pub const SYSTEM_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The script that finds or fetches the data (in the repository's `deps/`).
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("deps")
        .join("get-fashion-mnist.sh")
}

/// Where the script unpacks the package: `<cache>/datasets/dataset-fashion-mnist/...`.
pub fn cache_dir() -> Option<PathBuf> {
    let cache = std::env::var_os("LIBTORCH_CACHE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CACHE_HOME").map(|x| PathBuf::from(x).join("libtorch-rs"))
        })
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/libtorch-rs"))
        })?;
    Some(cache.join("datasets/dataset-fashion-mnist/usr/share/datasets/fashion-mnist"))
}

/// The directory holding the four IDX files. `explicit` (from `--data-dir`) must be complete;
/// otherwise the system and cache locations are tried, then the fetch script is run (its
/// progress goes to stderr).
pub fn data_dir(explicit: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(dir) = explicit {
        return if mnist::is_complete(dir) {
            Ok(dir.to_path_buf())
        } else {
            Err(format!(
                "{}: does not hold the four Fashion-MNIST IDX files \
                 (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...)",
                dir.display()
            ))
        };
    }
    let known = [Some(PathBuf::from(SYSTEM_DIR)), cache_dir()];
    if let Some(dir) = known.into_iter().flatten().find(|d| mnist::is_complete(d)) {
        return Ok(dir);
    }
    let script = script();
    let out = Command::new("bash")
        .arg(&script)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}); pass --data-dir DIR with the Fashion-MNIST IDX files",
            script.display(),
            out.status
        ));
    }
    let printed = String::from_utf8_lossy(&out.stdout);
    let dir = PathBuf::from(printed.lines().last().unwrap_or("").trim());
    if mnist::is_complete(&dir) {
        Ok(dir)
    } else {
        Err(format!(
            "{} printed {:?}, which does not hold the IDX files",
            script.display(),
            dir
        ))
    }
}
