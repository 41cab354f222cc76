//! The Rust twin of `tests/fixtures/gen/describe.py`: a canonical JSON description of a loaded
//! value (structure, dtypes, shapes, strides, storage sharing, bit-exact values), compared
//! against the one Python made of the same file.
use libtorch::{Device, IValue, Kind, Layout, QScheme, Tensor};
use serde_json::{json, Value};
use std::collections::HashMap;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `{"dtype", "shape", "hex"}` of a dense tensor's values.
pub fn tensor_json(t: &Tensor) -> Value {
    json!({
        "dtype": t.kind().name(),
        "shape": t.size(),
        "hex": hex(&t.to_bytes().unwrap()),
    })
}

fn layout_name(l: Layout) -> &'static str {
    match l {
        Layout::Strided => "strided",
        Layout::Sparse => "sparse_coo",
        Layout::SparseCsr => "sparse_csr",
        Layout::SparseCsc => "sparse_csc",
        Layout::SparseBsr => "sparse_bsr",
        Layout::SparseBsc => "sparse_bsc",
        other => panic!("describe: layout {other:?}"),
    }
}

fn device_type(d: Device) -> &'static str {
    match d {
        Device::Cpu => "cpu",
        Device::Cuda(_) => "cuda",
        Device::Meta => "meta",
        Device::Mps => "mps",
        other => panic!("describe: device {other}"),
    }
}

fn is_quantized(k: Kind) -> bool {
    matches!(k, Kind::QInt8 | Kind::QUInt8 | Kind::QInt32)
}

#[derive(Default)]
pub struct Describer {
    storages: HashMap<usize, usize>,
}

impl Describer {
    /// Python's `t.untyped_storage().data_ptr()`, numbered in first-seen order.
    fn storage_id(&mut self, t: &Tensor) -> usize {
        let elt = t.kind().elt_size_in_bytes();
        let ptr = t.data_ptr() as usize;
        let base = if ptr == 0 {
            0
        } else {
            ptr - t.f_storage_offset().unwrap() as usize * elt
        };
        let n = self.storages.len();
        *self.storages.entry(base).or_insert(n)
    }

    pub fn tensor(&mut self, t: &Tensor) -> Value {
        let kind = t.kind();
        let mut d = json!({
            "type": "tensor",
            "dtype": kind.name(),
            "shape": t.size(),
            "requires_grad": t.requires_grad(),
            "layout": layout_name(t.layout()),
            "device": device_type(t.device()),
        });
        let m = d.as_object_mut().unwrap();
        let strided = t.layout() == Layout::Strided;
        if strided && t.device() != Device::Meta && !is_quantized(kind) {
            m.insert("stride".into(), json!(t.stride()));
            m.insert("offset".into(), json!(t.f_storage_offset().unwrap()));
            m.insert("storage".into(), json!(self.storage_id(t)));
        }
        if t.device() == Device::Meta {
            m.insert("stride".into(), json!(t.stride()));
        } else if is_quantized(kind) {
            let q = t.qscheme();
            let name = match q {
                QScheme::PerTensorAffine => "per_tensor_affine",
                QScheme::PerChannelAffine => "per_channel_affine",
                QScheme::PerChannelAffineFloatQParams => "per_channel_affine_float_qparams",
                other => panic!("describe: {other:?}"),
            };
            m.insert("qscheme".into(), json!(name));
            if q == QScheme::PerTensorAffine {
                m.insert("scale".into(), json!(hex(&t.q_scale().to_le_bytes())));
                m.insert("zero_point".into(), json!(t.q_zero_point()));
            } else {
                m.insert("scales".into(), tensor_json(&t.q_per_channel_scales()));
                m.insert(
                    "zero_points".into(),
                    tensor_json(&t.q_per_channel_zero_points()),
                );
                m.insert("axis".into(), json!(t.q_per_channel_axis()));
            }
            m.insert("values".into(), tensor_json(&t.int_repr()));
        } else if !strided {
            m.insert("values".into(), tensor_json(&t.to_dense()));
        } else {
            m.insert("values".into(), tensor_json(t));
        }
        d
    }

    pub fn value(&mut self, v: &IValue) -> Value {
        match v {
            IValue::None => json!({"type": "None"}),
            IValue::Bool(b) => json!({"type": "bool", "value": b}),
            IValue::Int(i) => json!({"type": "int", "value": i}),
            IValue::Double(f) => json!({"type": "float", "hex": hex(&f.to_le_bytes())}),
            IValue::Complex(c) => {
                let mut b = c.re.to_le_bytes().to_vec();
                b.extend_from_slice(&c.im.to_le_bytes());
                json!({"type": "complex", "hex": hex(&b)})
            }
            IValue::String(s) => json!({"type": "str", "value": s}),
            IValue::Bytes(b) => json!({"type": "bytes", "hex": hex(b)}),
            IValue::Tensor(t) => self.tensor(t),
            IValue::Device(d) => json!({"type": "device", "value": d.to_string()}),
            IValue::Kind(k) => json!({"type": "dtype", "value": k.name()}),
            IValue::List(items) => {
                json!({"type": "list", "items": items.iter().map(|x| self.value(x)).collect::<Vec<_>>()})
            }
            IValue::Tuple(items) => {
                json!({"type": "tuple", "items": items.iter().map(|x| self.value(x)).collect::<Vec<_>>()})
            }
            IValue::Dict(entries) => json!({
                "type": "dict",
                "items": entries
                    .iter()
                    .map(|(k, x)| json!([self.value(k), self.value(x)]))
                    .collect::<Vec<_>>(),
            }),
        }
    }
}

/// The description of `v`.
pub fn describe(v: &IValue) -> Value {
    Describer::default().value(v)
}
