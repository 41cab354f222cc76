//! The text the example learns from: by default the licence texts every Debian system carries
//! in `/usr/share/common-licenses` (package `base-files`, which is Essential: present on a
//! fresh Debian 12 and in its slim container images), about 250 KB of English prose.
use std::path::{Path, PathBuf};

/// Where Debian keeps the licence texts.
pub const DEBIAN_LICENSES: &str = "/usr/share/common-licenses";

/// The files of [`DEBIAN_LICENSES`] the example reads, in this order: the regular files of
/// Debian 12's `base-files` (the `GPL`, `LGPL`, `GFDL` symbolic links are left out, they repeat
/// other files). A fixed list, so that the same text, and so the same numbers, come out on
/// every Debian 12.
pub const DEBIAN_LICENSE_FILES: [&str; 14] = [
    "Apache-2.0",
    "Artistic",
    "BSD",
    "CC0-1.0",
    "GFDL-1.2",
    "GFDL-1.3",
    "GPL-1",
    "GPL-2",
    "GPL-3",
    "LGPL-2",
    "LGPL-2.1",
    "LGPL-3",
    "MPL-1.1",
    "MPL-2.0",
];

/// The smaller set `--quick` reads (about 50 KB).
pub const QUICK_FILES: [&str; 4] = ["Apache-2.0", "Artistic", "BSD", "GPL-2"];

/// One document, split for training and validation.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file it came from.
    pub path: PathBuf,
    /// The first paragraphs (about 90% of the text), one per line.
    pub train: String,
    /// The remaining paragraphs, one per line.
    pub valid: String,
}

/// The default corpus: the files `names` of [`DEBIAN_LICENSES`], or an error naming the
/// missing ones.
pub fn debian_licenses(names: &[&str]) -> Result<Vec<PathBuf>, String> {
    let dir = Path::new(DEBIAN_LICENSES);
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    let missing: Vec<String> = paths
        .iter()
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the default corpus is Debian's licence texts (package base-files), but {} missing \
             here: {}; pass other plain-text files with --corpus FILE...",
            if missing.len() == 1 {
                "this one is"
            } else {
                "these are"
            },
            missing.join(", ")
        ));
    }
    Ok(paths)
}

/// Reflows `text` into paragraphs, one per line: lines are trimmed, runs of spaces and tabs
/// become one space, the lines of a paragraph (ended by a blank line) are joined with a space.
/// The licences are laid out for 72-column terminals; reflowing leaves the words and
/// punctuation, which is what the model should learn, not the indentation.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&words.join(" "));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Reads `path` and splits its paragraphs: the last ones, about `valid_fraction` of the bytes
/// (at least one paragraph where there are two or more), for validation, the rest for
/// training. The licences share whole passages (GPL-2 and LGPL-2.x, GFDL-1.2 and 1.3), so the
/// validation text of one partly repeats the training text of another: the validation
/// perplexity measures how well the model learnt this legal English, not how it generalises
/// to unseen prose.
pub fn read_document(path: &Path, valid_fraction: f64) -> Result<Document, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // Debian's licences are ASCII; other files may hold stray bytes that are not UTF-8.
    let text = String::from_utf8_lossy(&bytes);
    let paras = paragraphs(&text);
    if paras.is_empty() {
        return Err(format!("{}: no text", path.display()));
    }
    let total: usize = paras.iter().map(|p| p.len() + 1).sum();
    let mut split = paras.len();
    let mut valid_bytes = 0usize;
    while split > 1 && (valid_bytes as f64) < valid_fraction * total as f64 {
        split -= 1;
        valid_bytes += paras[split].len() + 1;
    }
    let join = |ps: &[String]| ps.iter().map(|p| format!("{p}\n")).collect::<String>();
    Ok(Document {
        path: path.to_owned(),
        train: join(&paras[..split]),
        valid: join(&paras[split..]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflows_into_paragraphs() {
        let text = "  Title\n\n  first   line\n\tsecond line\n\n\n last\n";
        assert_eq!(
            paragraphs(text),
            ["Title", "first line second line", "last"]
        );
    }
}
