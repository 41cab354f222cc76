//! A fuzz driver for the file loaders: real files of each format (written by our own savers,
//! plus the PyTorch/NumPy-made fixtures), mutated where their structure is (truncation at each
//! region's edges, byte flips, length, size, offset and shape fields, dtype strings, deep
//! nesting, duplicated and removed entries, and for `.pt` the pickle's integer operands and
//! opcodes), then loaded. The contract it checks: every input loads or returns an error; no
//! crash, abort, panic, hang, or read past a buffer (the last under valgrind,
//! `examples/tools/scripts/fuzz-loaders-memcheck.sh`).
//!
//! Case `i` of a run is a function of (format, seed, i) and the corpus, so a failure replays
//! with `fuzz-loaders --format F --seed S --case I`; the `fuzz-loaders` binary runs the cases
//! in child processes and saves each crashing input to its crash folder.

pub mod mutate;
pub mod pickle;
pub mod text;
pub mod zipmut;

use libtorch::serialize::{self, npy, safetensors};
use libtorch::{IValue, Kind, Tensor};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// A file format under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `torch.save` files (zip and legacy), through `serialize::load_value_from_bytes`.
    Pt,
    /// safetensors, through `load`, `load_file` and `load_file_mmap` in turn.
    Safetensors,
    /// `.npy`, through `npy::load_from_bytes`.
    Npy,
    /// `.npz`, through `npy::load_npz_from_bytes`.
    Npz,
}

impl Format {
    /// Every format, in the order a run takes them.
    pub const ALL: [Format; 4] = [Format::Pt, Format::Safetensors, Format::Npy, Format::Npz];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pt => "pt",
            Format::Safetensors => "safetensors",
            Format::Npy => "npy",
            Format::Npz => "npz",
        }
    }

    /// The format of a command-line name.
    pub fn parse(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown format `{s}` (pt, safetensors, npy, npz)"))
    }
}

/// SplitMix64: small, fast, and the same on every platform.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for case `case` of a run.
    pub fn for_case(format: Format, seed: u64, case: u64) -> Rng {
        let f = format as u64 + 1;
        let mut r = Rng(seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(case.wrapping_mul(0xD1B5_4A32_D192_ED03))
            .wrapping_add(f.wrapping_mul(0x8CB9_2BA7_2F3D_8DD7)));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Integers that sit on edges: zero, small, powers of two and their neighbours, maxima.
pub const INTERESTING: [u64; 24] = [
    0,
    1,
    2,
    3,
    7,
    8,
    16,
    63,
    64,
    127,
    128,
    255,
    256,
    4095,
    65535,
    65536,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX - 1,
    u64::MAX,
];

/// One seed file of the corpus.
#[derive(Clone)]
pub struct SeedFile {
    /// Where it came from (a fixture's file name, or what our saver wrote).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

fn det(kind: Kind, shape: &[i64], salt: u64) -> Tensor {
    let n = shape.iter().product::<i64>() as usize * kind.elt_size_in_bytes();
    let mut r = Rng(salt);
    let bytes: Vec<u8> = (0..n)
        .map(|_| {
            let b = r.next_u64() as u8;
            if kind == Kind::Bool {
                b & 1
            } else {
                b
            }
        })
        .collect();
    Tensor::from_bytes(&bytes, shape, kind).expect("a seed tensor")
}

/// The fixtures folder of the `libtorch` crate.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../libtorch/tests/fixtures")
}

fn files_in(dir: &Path, ext: &str) -> Vec<SeedFile> {
    let mut v: Vec<SeedFile> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .filter_map(|p| {
                    Some(SeedFile {
                        name: p.file_name()?.to_string_lossy().into_owned(),
                        bytes: std::fs::read(&p).ok()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// The seed files of a format: ours, written now, then the fixtures found on disk
/// (`libtorch/tests/fixtures/arrays` for the array formats, `libtorch/tests/fixtures/pt` and
/// `extra` for `.pt`), in name order.
pub fn corpus(format: Format, extra: Option<&Path>) -> Vec<SeedFile> {
    let mut v = Vec::new();
    let mut add = |name: &str, bytes: libtorch::Result<Vec<u8>>| {
        v.push(SeedFile {
            name: name.into(),
            bytes: bytes.unwrap_or_else(|e| panic!("seed {name}: {e}")),
        })
    };
    let kinds_np = [
        Kind::Bool,
        Kind::Uint8,
        Kind::Int8,
        Kind::Int16,
        Kind::Uint32,
        Kind::Int64,
        Kind::Half,
        Kind::Float,
        Kind::Double,
        Kind::ComplexFloat,
        Kind::ComplexDouble,
    ];
    let small: Vec<(String, Tensor)> = kinds_np
        .iter()
        .enumerate()
        .map(|(i, &k)| (k.name().to_string(), det(k, &[2, 3], i as u64)))
        .collect();
    let named = || small.iter();
    let fixtures = fixtures_dir();
    match format {
        Format::Safetensors => {
            add(
                "ours-small.safetensors",
                safetensors::save(named().filter(|(_, t)| t.kind() != Kind::ComplexDouble)),
            );
            let st: Vec<(String, Tensor)> = [
                Kind::BFloat16,
                Kind::Float8e4m3fn,
                Kind::Float8e8m0fnu,
                Kind::Float4e2m1fnX2,
                Kind::Uint64,
            ]
            .iter()
            .enumerate()
            .map(|(i, &k)| (k.name().to_string(), det(k, &[3, 2], 20 + i as u64)))
            .collect();
            add(
                "ours-meta.safetensors",
                safetensors::save_with_metadata(
                    &st,
                    // One key: the order of several is the writer's hash map's, which varies
                    // between processes, and a case must be the same in every process.
                    [("format", "pt")],
                ),
            );
            add(
                "ours-one.safetensors",
                safetensors::save([("w", &det(Kind::Float, &[4], 9))]),
            );
            v.extend(files_in(&fixtures.join("arrays"), "safetensors"));
        }
        Format::Npy => {
            for (n, t) in &small {
                add(&format!("ours-{n}.npy"), npy::save_to_bytes(t));
            }
            add(
                "ours-fortran.npy",
                npy::save_to_bytes(&det(Kind::Int, &[3, 4], 3).t()),
            );
            add(
                "ours-0d.npy",
                npy::save_to_bytes(&det(Kind::Double, &[], 4)),
            );
            v.extend(files_in(&fixtures.join("arrays"), "npy"));
        }
        Format::Npz => {
            add("ours.npz", npy::save_npz_to_bytes(named()));
            add(
                "ours-compressed.npz",
                npy::save_npz_compressed_to_bytes(named()),
            );
            v.extend(files_in(&fixtures.join("arrays"), "npz"));
        }
        Format::Pt => {
            add("ours-state-dict.pt", serialize::save_to_bytes(named()));
            let ckpt = IValue::dict([
                (
                    "model",
                    IValue::tensor_dict([("w", &det(Kind::Float, &[2, 2], 1))]),
                ),
                ("epoch", IValue::Int(3)),
                ("lr", IValue::Double(0.5)),
                (
                    "history",
                    IValue::List(vec![
                        IValue::Int(1),
                        IValue::String("x".into()),
                        IValue::Tuple(vec![IValue::Bool(true), IValue::None]),
                    ]),
                ),
            ]);
            add("ours-checkpoint.pt", serialize::save_value_to_bytes(&ckpt));
            v.extend(files_in(&fixtures.join("pt"), "pt"));
            if let Some(dir) = extra {
                v.extend(files_in(dir, "pt"));
            }
        }
    }
    v
}

/// Writes a corpus into `dir` (one file per seed, numbered so the order survives).
pub fn write_corpus(dir: &Path, corpus: &[SeedFile]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (i, s) in corpus.iter().enumerate() {
        std::fs::write(dir.join(format!("{i:04}-{}", s.name)), &s.bytes)?;
    }
    Ok(())
}

/// Reads a corpus written by [`write_corpus`].
pub fn read_corpus(dir: &Path) -> std::io::Result<Vec<SeedFile>> {
    let mut v: Vec<SeedFile> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| {
            Ok(SeedFile {
                name: e.file_name().to_string_lossy().into_owned(),
                bytes: std::fs::read(e.path())?,
            })
        })
        .collect::<std::io::Result<_>>()?;
    v.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(v)
}

/// The input of case `case`.
pub fn case_input(format: Format, seed: u64, case: u64, corpus: &[SeedFile]) -> Vec<u8> {
    let mut rng = Rng::for_case(format, seed, case);
    let base = &rng.pick(corpus).bytes.clone();
    mutate::mutate(format, base, corpus, &mut rng)
}

/// What loading one input did.
#[derive(Debug)]
pub enum Outcome {
    /// Loaded (and every tensor read back).
    Ok,
    /// An error (allowed).
    Err(String),
    /// A panic escaped the loader (a bug).
    Panic(String),
}

/// Reads every tensor's bytes, so that a tensor pointing past its buffer is caught (by a
/// crash, or by valgrind).
fn touch(t: &Tensor) -> libtorch::Result<()> {
    if t.defined() && t.f_kind()?.has_plain_storage() {
        t.to_bytes()?;
    }
    Ok(())
}

fn touch_value(v: &IValue) -> libtorch::Result<()> {
    // An explicit stack: a deeply nested value must not overflow ours.
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            IValue::Tensor(t) => touch(t)?,
            IValue::List(items) | IValue::Tuple(items) => stack.extend(items),
            IValue::Dict(items) => {
                for (k, v) in items {
                    stack.push(k);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn touch_all(named: &[(String, Tensor)]) -> libtorch::Result<()> {
    named.iter().try_for_each(|(_, t)| touch(t))
}

/// Loads `bytes` as `format`. Safetensors cases alternate between the in-memory, file and
/// memory-mapped readers (`scratch` is the file, rewritten for each case).
pub fn load(format: Format, bytes: &[u8], case: u64, scratch: &Path) -> Outcome {
    let run = || -> libtorch::Result<()> {
        match format {
            Format::Pt => touch_value(&serialize::load_value_from_bytes(bytes)?),
            Format::Npy => touch(&npy::load_from_bytes(bytes)?),
            Format::Npz => touch_all(&npy::load_npz_from_bytes(bytes)?),
            Format::Safetensors => match case % 3 {
                0 => touch_all(&safetensors::load(bytes)?),
                k => {
                    std::fs::write(scratch, bytes).expect("write the scratch file");
                    let r = if k == 1 {
                        safetensors::load_file(scratch)
                    } else {
                        // SAFETY: the scratch file is only rewritten after these tensors are
                        // dropped (at the end of this closure).
                        unsafe { safetensors::load_file_mmap(scratch) }
                    };
                    touch_all(&r?)
                }
            },
        }
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(())) => Outcome::Ok,
        Ok(Err(e)) => Outcome::Err(e.to_string()),
        Err(p) => Outcome::Panic(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "non-string panic".into()),
        ),
    }
}
