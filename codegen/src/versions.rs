//! The supported PyTorch versions, and the gates that keep an item to the versions it exists in.
//!
//! Every supported minor has its own `Declarations.yaml` (see [`SPECS`]). The model is built over
//! all of them (model.rs `build_versions`): each op carries the [`VersionSet`] of the minors whose
//! declarations hold it with the same schema. The emitters turn a set that is not every version
//! into a gate: `#[cfg(...)]` on the Rust items (libtorch-sys's build script sets
//! `torch_ge_2_12` ... up to the version it found, and the libtorch crate's build script passes
//! them on) and `#if TORCH_VERSION_MINOR ...` (libtorch's own `torch/headeronly/version.h`) around
//! the C++ shims.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The supported minors of PyTorch 2, oldest first, with the `Declarations.yaml` of each (from
/// the repository root). Adding a version: its lock in libtorch-sys/provision/, its spec here.
pub const SPECS: [(u32, &str); 5] = [
    (11, "spec/Declarations.yaml"),
    (12, "spec/versions/2.12/Declarations.yaml"),
    (13, "spec/versions/2.13/Declarations.yaml"),
    (14, "spec/versions/2.14/Declarations.yaml"),
    (15, "spec/versions/2.15/Declarations.yaml"),
];

/// A set of supported versions, as bits over [`SPECS`] (bit `i` = `SPECS[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionSet(pub u8);

impl VersionSet {
    pub const fn all() -> VersionSet {
        VersionSet((1 << SPECS.len()) - 1)
    }
    pub fn only(index: usize) -> VersionSet {
        VersionSet(1 << index)
    }
    pub fn is_all(self) -> bool {
        self == VersionSet::all()
    }
    pub fn contains(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }
    pub fn union(self, other: VersionSet) -> VersionSet {
        VersionSet(self.0 | other.0)
    }
    /// Whether every version of `other` is in `self`.
    pub fn covers(self, other: VersionSet) -> bool {
        other.0 & !self.0 == 0
    }

    /// The runs of consecutive versions, as (first, last) indices into [`SPECS`].
    fn ranges(self) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for i in (0..SPECS.len()).filter(|&i| self.contains(i)) {
            match out.last_mut() {
                Some((_, last)) if *last + 1 == i => *last = i,
                _ => out.push((i, i)),
            }
        }
        out
    }

    /// The Rust `cfg` predicate, None for every version.
    pub fn cfg(self) -> Option<TokenStream> {
        if self.is_all() {
            return None;
        }
        let range = |(first, last): (usize, usize)| {
            let mut parts = Vec::new();
            if first > 0 {
                let ge = format_ident!("{}", cfg_name(SPECS[first].0));
                parts.push(quote!(#ge));
            }
            if last + 1 < SPECS.len() {
                let ge = format_ident!("{}", cfg_name(SPECS[last + 1].0));
                parts.push(quote!(not(#ge)));
            }
            match parts.as_slice() {
                [one] => one.clone(),
                _ => quote!(all(#(#parts),*)),
            }
        };
        let ranges: Vec<TokenStream> = self.ranges().into_iter().map(range).collect();
        Some(match ranges.as_slice() {
            [one] => one.clone(),
            _ => quote!(any(#(#ranges),*)),
        })
    }

    /// `#[cfg(...)]`, or nothing for every version.
    pub fn cfg_attr(self) -> TokenStream {
        match self.cfg() {
            Some(p) => quote!(#[cfg(#p)]),
            None => quote!(),
        }
    }

    /// The C++ preprocessor condition on libtorch's `TORCH_VERSION_MINOR`, None for every version.
    pub fn cpp_condition(self) -> Option<String> {
        if self.is_all() {
            return None;
        }
        let range = |(first, last): (usize, usize)| {
            let mut parts = Vec::new();
            if first > 0 {
                parts.push(format!("TORCH_VERSION_MINOR >= {}", SPECS[first].0));
            }
            if last + 1 < SPECS.len() {
                parts.push(format!("TORCH_VERSION_MINOR < {}", SPECS[last + 1].0));
            }
            parts.join(" && ")
        };
        let ranges: Vec<String> = self.ranges().into_iter().map(range).collect();
        Some(if ranges.len() == 1 {
            ranges[0].clone()
        } else {
            format!("({})", ranges.join(") || ("))
        })
    }

    /// "Only in PyTorch 2.11–2.12.", None for every version.
    pub fn doc(self) -> Option<String> {
        if self.is_all() {
            return None;
        }
        let names: Vec<String> = self
            .ranges()
            .into_iter()
            .map(|(a, b)| {
                if a == b {
                    format!("2.{}", SPECS[a].0)
                } else if b + 1 == SPECS.len() {
                    format!("2.{} and newer", SPECS[a].0)
                } else {
                    format!("2.{}–2.{}", SPECS[a].0, SPECS[b].0)
                }
            })
            .collect();
        Some(format!("Only in PyTorch {}.", names.join(", ")))
    }
}

/// `torch_ge_2_13`: set by the build scripts when the libtorch found is 2.13 or newer.
pub fn cfg_name(minor: u32) -> String {
    format!("torch_ge_2_{minor}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates() {
        let old = VersionSet(0b00011);
        assert_eq!(old.cfg().unwrap().to_string(), "not (torch_ge_2_13)");
        assert_eq!(old.cpp_condition().unwrap(), "TORCH_VERSION_MINOR < 13");
        assert_eq!(old.doc().unwrap(), "Only in PyTorch 2.11–2.12.");
        let new = VersionSet(0b11000);
        assert_eq!(new.cfg().unwrap().to_string(), "torch_ge_2_14");
        assert_eq!(new.doc().unwrap(), "Only in PyTorch 2.14 and newer.");
        let mid = VersionSet(0b00110);
        assert_eq!(
            mid.cfg().unwrap().to_string(),
            "all (torch_ge_2_12 , not (torch_ge_2_14))"
        );
        assert_eq!(
            mid.cpp_condition().unwrap(),
            "TORCH_VERSION_MINOR >= 12 && TORCH_VERSION_MINOR < 14"
        );
        let split = VersionSet(0b10001);
        assert_eq!(
            split.cpp_condition().unwrap(),
            "(TORCH_VERSION_MINOR < 12) || (TORCH_VERSION_MINOR >= 15)"
        );
        assert!(VersionSet::all().cfg().is_none());
    }
}
