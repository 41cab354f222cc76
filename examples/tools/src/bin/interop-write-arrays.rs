//! Writes safetensors, `.npy` and `.npz` files with our writers, plus `manifest.json` with the
//! values each holds, for Python to read back (`libtorch/tests/fixtures/gen/check_rust_arrays.py`
//! compares them bit for bit with `safetensors.torch.load_file` and `numpy.load`):
//!
//! ```sh
//! cargo run --bin interop-write-arrays -- --out /tmp/rust-arrays
//! python3 libtorch/tests/fixtures/gen/check_rust_arrays.py /tmp/rust-arrays
//! ```
//!
//! The manifest stores tensors as the fixtures' manifests do: `{"dtype", "shape", "hex"}` with
//! row-major little-endian bytes.
use clap::Parser;
use libtorch::serialize::{npy, safetensors};
use libtorch::{Kind, Tensor};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Write safetensors/npy/npz files for Python to check")]
struct Args {
    /// The folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

/// Deterministic bytes for a tensor of `kind`: every bit pattern shows up, NaNs included (bools
/// 0/1).
fn values(kind: Kind, shape: &[i64], salt: u64) -> Tensor {
    let n = shape.iter().product::<i64>() as usize * kind.elt_size_in_bytes();
    let mut x = salt.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let bytes: Vec<u8> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if kind == Kind::Bool {
                (x & 1) as u8
            } else {
                x as u8
            }
        })
        .collect();
    Tensor::from_bytes(&bytes, shape, kind).expect("a tensor from bytes")
}

fn tensor_json(t: &Tensor) -> libtorch::Result<String> {
    let bytes = t.to_bytes()?;
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        write!(hex, "{b:02x}").unwrap();
    }
    Ok(format!(
        "{{\"dtype\": \"{}\", \"shape\": {:?}, \"hex\": \"{hex}\"}}",
        t.kind().name(),
        t.size()
    ))
}

fn named_json(named: &[(String, Tensor)]) -> libtorch::Result<String> {
    let items: libtorch::Result<Vec<String>> = named
        .iter()
        .map(|(n, t)| Ok(format!("[\"{n}\", {}]", tensor_json(t)?)))
        .collect();
    Ok(format!("[{}]", items?.join(", ")))
}

fn run(args: &Args) -> libtorch::Result<bool> {
    let out = &args.out;
    std::fs::create_dir_all(out).expect("create the output folder");
    let mut manifest = Vec::new();

    // safetensors: every dtype both sides have, strided views, metadata.
    let st_kinds = [
        Kind::Double,
        Kind::Float,
        Kind::Half,
        Kind::BFloat16,
        Kind::Int64,
        Kind::Int,
        Kind::Int16,
        Kind::Int8,
        Kind::Uint8,
        Kind::Uint16,
        Kind::Uint32,
        Kind::Uint64,
        Kind::Bool,
        Kind::ComplexFloat,
        Kind::Float8e4m3fn,
        Kind::Float8e5m2,
        Kind::Float8e4m3fnuz,
        Kind::Float8e5m2fnuz,
        Kind::Float8e8m0fnu,
        Kind::Float4e2m1fnX2,
    ];
    let mut st: Vec<(String, Tensor)> = st_kinds
        .iter()
        .enumerate()
        .map(|(i, &k)| (k.name().to_string(), values(k, &[4, 6], i as u64 + 1)))
        .collect();
    let base = values(Kind::Float, &[6, 8], 99);
    st.push(("transposed".into(), base.t()));
    st.push(("stepped".into(), base.slice_with(1, Some(1), None, 3)));
    st.push(("scalar".into(), values(Kind::Double, &[], 7)));
    st.push(("empty".into(), values(Kind::Int, &[0, 4], 0)));
    let metadata = [("format", "pt"), ("written_by", "libtorch-rs")];
    safetensors::save_file_with_metadata(&st, metadata, out.join("rust.safetensors"))?;
    manifest.push(format!(
        "\"safetensors\": {{\"file\": \"rust.safetensors\", \"tensors\": {}, \"metadata\": {{{}}}}}",
        named_json(&st)?,
        metadata
            .iter()
            .map(|(k, v)| format!("\"{k}\": \"{v}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ));

    // .npy: every NumPy dtype, 0-dim, empty, and a column-major tensor (Fortran order).
    let np_kinds = [
        Kind::Bool,
        Kind::Int8,
        Kind::Int16,
        Kind::Int,
        Kind::Int64,
        Kind::Uint8,
        Kind::Uint16,
        Kind::Uint32,
        Kind::Uint64,
        Kind::Half,
        Kind::Float,
        Kind::Double,
        Kind::ComplexFloat,
        Kind::ComplexDouble,
    ];
    let mut arrays: Vec<(String, Tensor, bool)> = np_kinds
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            (
                k.name().to_string(),
                values(k, &[3, 5], 40 + i as u64),
                false,
            )
        })
        .collect();
    arrays.push(("fortran".into(), values(Kind::Double, &[4, 3], 5).t(), true));
    arrays.push((
        "fortran_3d".into(),
        values(Kind::Int16, &[2, 3, 4], 6).permute(&[2, 1, 0]),
        true,
    ));
    arrays.push(("scalar".into(), values(Kind::Float, &[], 8), false));
    arrays.push(("empty".into(), values(Kind::Int64, &[2, 0], 0), false));
    let mut npy_entries = Vec::new();
    for (name, t, fortran) in &arrays {
        let file = format!("{name}.npy");
        npy::save(out.join(&file), t)?;
        npy_entries.push(format!(
            "\"{file}\": {{\"tensor\": {}, \"fortran_order\": {fortran}}}",
            tensor_json(t)?
        ));
    }
    manifest.push(format!("\"npy\": {{{}}}", npy_entries.join(", ")));

    // .npz, plain and compressed.
    let z: Vec<(String, Tensor)> = arrays
        .iter()
        .map(|(n, t, _)| (n.clone(), t.shallow_clone()))
        .collect();
    let named = || &z;
    npy::save_npz(out.join("rust.npz"), named())?;
    npy::save_npz_compressed(out.join("rust_compressed.npz"), named())?;
    let zj = named_json(&z)?;
    manifest.push(format!(
        "\"npz\": {{\"rust.npz\": {zj}, \"rust_compressed.npz\": {zj}}}"
    ));

    std::fs::write(
        out.join("manifest.json"),
        format!("{{{}}}\n", manifest.join(",\n")),
    )
    .expect("write the manifest");
    println!(
        "wrote {} safetensors tensors, {} .npy files and 2 .npz archives to {}",
        st.len(),
        arrays.len(),
        out.display()
    );
    Ok(true)
}

fn main() -> ExitCode {
    examples::exit_code(run(&Args::parse()))
}
