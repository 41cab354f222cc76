//! Random arguments for the fuzz driver, drawn from small pools of values that are known to
//! break code: empty and 0-dim shapes, mismatched shapes, every dtype, negative and huge
//! integers, NaN and infinities, None, undefined tensors, lists of odd lengths.
//!
//! Values are chosen so that a call can fail but not take the machine down: sizes are either
//! small or so large that the allocation is refused at once (2^50 elements and more, beyond the
//! address space), never in the range that would succeed slowly and exhaust memory.

use libtorch::{Device, Generator, Kind, Layout, MemoryFormat, Scalar, Storage, Stream, Tensor};

/// A seeded source of random arguments (xorshift64*; the same seed draws the same arguments).
///
/// With `LTRS_FUZZ_TRACE=1` in the environment, every drawn value is printed to stderr as it is
/// drawn, so the arguments of a call that crashes libtorch can be read from the last lines.
pub struct Gen {
    state: u64,
    trace: bool,
    /// The share of drawn tensors moved to CUDA device 0 (see [`Gen::on_cuda`]).
    cuda_share: f64,
    /// The share of drawn tensors given another form (see [`Gen::with_forms`]).
    form_share: f64,
    /// The indices into [`FORMS`] drawn from; empty for all (see [`Gen::only_forms`]).
    forms: Vec<usize>,
}

const INTS: &[i64] = &[0, 1, 2, 3, -1, -2, 4, 1, 0, 2];
/// `1 << 50` elements of any size exceed a 64-bit process's address space (2^47 bytes), so
/// their allocation is refused at once even where the kernel overcommits memory without limit
/// (`vm.overcommit_memory = 1`); `1 << 40` one-byte elements are not, and there filling them
/// looked like a hang.
const RARE_INTS: &[i64] = &[i64::MAX, i64::MIN, 1 << 50, -(1 << 50), 7, 64];
const FLOATS: &[f64] = &[0.0, 1.0, -1.0, 0.5, 2.0, -3.5, 1e-8];
const RARE_FLOATS: &[f64] = &[
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e30,
    -1e30,
    f64::MIN_POSITIVE,
];
const STRINGS: &[&str] = &[
    "",
    "mean",
    "sum",
    "none",
    "reflect",
    "constant",
    "linear",
    "floor",
    "trunc",
    "tanh",
    "L",
    "U",
    "reduced",
    "zeros",
    "bilinear",
    "nearest",
    "ij,jk->ik",
    "i->",
    "abc",
    "backward",
];
/// The forms of [`Gen::reform`], in its order.
pub const FORMS: &[&str] = &[
    "sparse COO",
    "hybrid COO",
    "uncoalesced COO",
    "CSR",
    "CSC",
    "BSR",
    "BSC",
    "quantized per tensor",
    "quantized per channel",
    "nested",
    "MKL-DNN",
    "expanded",
    "offset",
    "conjugate or negative bit",
    "channels-last",
    "channels-last 3d",
];
const DIMNAMES: &[&str] = &["N", "C", "H", "*", "", "not a name"];
/// The dtypes a fuzzed tensor can have (quantized ones are only reachable through ops).
const KINDS: &[Kind] = &[
    Kind::Float,
    Kind::Float,
    Kind::Double,
    Kind::Int64,
    Kind::Int64,
    Kind::Int,
    Kind::Int16,
    Kind::Int8,
    Kind::Uint8,
    Kind::Bool,
    Kind::Half,
    Kind::BFloat16,
    Kind::ComplexFloat,
    Kind::ComplexDouble,
];

/// The index in [`FORMS`] of the form named `name`, or an error listing the names.
pub fn form_index(name: &str) -> Result<usize, String> {
    FORMS
        .iter()
        .position(|f| *f == name)
        .ok_or_else(|| format!("unknown form {name:?}; the forms are: {}", FORMS.join(", ")))
}

impl Gen {
    /// A generator with `seed` (0 is mapped to a fixed non-zero state).
    pub fn new(seed: u64) -> Gen {
        Gen {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            trace: std::env::var_os("LTRS_FUZZ_TRACE").is_some_and(|v| v == "1"),
            cuda_share: 0.0,
            form_share: 0.0,
            forms: Vec::new(),
        }
    }

    /// Moves about `share` of the drawn tensors to CUDA device 0, so the ops run their CUDA
    /// kernels (a CUDA build on a machine with a GPU; elsewhere the move fails and the tensor
    /// stays on the CPU). With 0, the default, the draws are exactly those of a CPU-only run.
    pub fn on_cuda(mut self, share: f64) -> Gen {
        self.cuda_share = share;
        self
    }

    /// Gives about `share` of the drawn tensors another form a user can hold ([`Gen::reform`]):
    /// sparse, quantized, nested, MKL-DNN, or a strided view that is not plainly contiguous.
    /// With 0, the default, the draws are exactly those of a run without forms.
    pub fn with_forms(mut self, share: f64) -> Gen {
        self.form_share = share;
        self
    }

    /// Draws only the forms of [`FORMS`] at these indices (all when empty), to aim a run at one
    /// family of kernels (the nested ones, say); see [`form_index`]. With all forms the draws
    /// are those of a run without this call.
    pub fn only_forms(mut self, forms: &[usize]) -> Gen {
        self.forms = forms.iter().copied().filter(|&i| i < FORMS.len()).collect();
        self
    }

    /// Prints a drawn value when tracing; returns it.
    fn traced<T: std::fmt::Debug>(&self, what: &str, v: T) -> T {
        if self.trace {
            eprintln!("  {what} {v:?}");
        }
        v
    }

    /// A list length in `0..n`, traced.
    fn traced_below(&mut self, what: &str, n: usize) -> usize {
        let v = self.below(n);
        self.traced(what, v)
    }

    /// Marks the start of a call when tracing.
    pub fn trace_call(&self, op: &str, n: u64) {
        if self.trace {
            eprintln!("call {n} of {op}");
        }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<T: Copy>(&mut self, pool: &[T]) -> T {
        pool[self.below(pool.len())]
    }

    /// `None` one time in five, else `Some(f(self))`.
    fn maybe<T>(&mut self, f: impl FnOnce(&mut Gen) -> T) -> Option<T> {
        if self.chance(0.2) {
            self.traced("None", ());
            None
        } else {
            Some(f(self))
        }
    }

    pub fn int(&mut self) -> i64 {
        let v = if self.chance(0.08) {
            self.pick(RARE_INTS)
        } else {
            self.pick(INTS)
        };
        self.traced("int", v)
    }
    pub fn opt_int(&mut self) -> Option<i64> {
        self.maybe(Gen::int)
    }
    pub fn int_list(&mut self) -> Vec<i64> {
        let n = self.traced_below("int list of", 5);
        (0..n).map(|_| self.int()).collect()
    }
    pub fn opt_int_list(&mut self) -> Option<Vec<i64>> {
        self.maybe(Gen::int_list)
    }
    pub fn float(&mut self) -> f64 {
        let v = if self.chance(0.15) {
            self.pick(RARE_FLOATS)
        } else {
            self.pick(FLOATS)
        };
        self.traced("float", v)
    }
    pub fn opt_float(&mut self) -> Option<f64> {
        self.maybe(Gen::float)
    }
    pub fn opt_float_list(&mut self) -> Option<Vec<f64>> {
        self.maybe(|g| {
            let n = g.traced_below("float list of", 4);
            (0..n).map(|_| g.float()).collect()
        })
    }
    pub fn bool(&mut self) -> bool {
        let v = self.chance(0.5);
        self.traced("bool", v)
    }
    pub fn opt_bool(&mut self) -> Option<bool> {
        self.maybe(Gen::bool)
    }
    pub fn bool_array<const N: usize>(&mut self) -> [bool; N] {
        std::array::from_fn(|_| self.bool())
    }
    pub fn scalar(&mut self) -> Scalar {
        match self.below(6) {
            0 | 1 => Scalar::Int(self.int()),
            2 | 3 => Scalar::Float(self.float()),
            4 => Scalar::Bool(self.bool()),
            _ => Scalar::Complex(self.float(), self.float()),
        }
    }
    pub fn opt_scalar(&mut self) -> Option<Scalar> {
        self.maybe(Gen::scalar)
    }
    pub fn scalar_list(&mut self) -> Vec<Scalar> {
        let n = self.traced_below("scalar list of", 4);
        (0..n).map(|_| self.scalar()).collect()
    }
    pub fn string(&mut self) -> String {
        let v = self.pick(STRINGS);
        self.traced("string", v).to_string()
    }
    pub fn opt_string(&mut self) -> Option<String> {
        self.maybe(Gen::string)
    }
    pub fn dimname(&mut self) -> String {
        let v = self.pick(DIMNAMES);
        self.traced("dimname", v).to_string()
    }
    pub fn dimname_list(&mut self) -> Vec<String> {
        let n = self.traced_below("dimname list of", 4);
        (0..n).map(|_| self.dimname()).collect()
    }
    pub fn opt_dimname_list(&mut self) -> Option<Vec<String>> {
        self.maybe(Gen::dimname_list)
    }
    pub fn kind(&mut self) -> Kind {
        let v = if self.chance(0.05) {
            // Any dtype libtorch has, quantized and bit types included.
            self.pick(Kind::all())
        } else {
            self.pick(KINDS)
        };
        self.traced("kind", v)
    }
    pub fn opt_kind(&mut self) -> Option<Kind> {
        self.maybe(Gen::kind)
    }
    pub fn layout(&mut self) -> Layout {
        let v = if self.chance(0.7) {
            Layout::Strided
        } else {
            Layout::from_ffi(self.below(8) as i32)
        };
        self.traced("layout", v)
    }
    pub fn opt_layout(&mut self) -> Option<Layout> {
        self.maybe(Gen::layout)
    }
    pub fn memory_format(&mut self) -> MemoryFormat {
        let v = MemoryFormat::from_ffi(self.below(4) as i32);
        self.traced("memory format", v)
    }
    pub fn opt_memory_format(&mut self) -> Option<MemoryFormat> {
        self.maybe(Gen::memory_format)
    }
    pub fn device(&mut self) -> Device {
        let v = match self.below(10) {
            0 => Device::Meta,
            1 => Device::Cuda(0),
            _ => Device::Cpu,
        };
        self.traced("device", v)
    }
    pub fn opt_device(&mut self) -> Option<Device> {
        self.maybe(Gen::device)
    }
    pub fn device_index(&mut self) -> i8 {
        let v = self.pick(&[0, -1, 3]);
        self.traced("device index", v)
    }
    pub fn opt_generator(&mut self) -> Option<Generator> {
        let seed = self.next();
        self.maybe(|_| Generator::cpu(seed).expect("a CPU generator"))
    }
    pub fn stream(&mut self) -> Stream {
        let id = self.pick(&[0, 1, -1]);
        let device = self.device();
        // SAFETY: libtorch reads only even, non-zero CUDA stream ids as raw `cudaStream_t`
        // pointers; 0, 1 and -1 are not, so whatever the operator makes of them is a checked
        // error at worst.
        unsafe { Stream::from_raw_parts(id, device) }
    }
    pub fn storage(&mut self) -> Storage {
        // A storage of some defined tensor (an undefined one has none).
        loop {
            let t = self.tensor();
            if let Ok(s) = Storage::of(&t) {
                return s;
            }
        }
    }

    /// A shape: rank 0 to 4, dimensions 0 to 5, occasionally a huge one.
    pub fn shape(&mut self) -> Vec<i64> {
        let rank = self.pick(&[0, 1, 1, 2, 2, 2, 3, 4]);
        (0..rank)
            .map(|_| self.pick(&[0, 1, 2, 3, 3, 4, 5]))
            .collect()
    }

    /// A tensor: any dtype, small random shape, values that include NaN and infinities for
    /// floating types; sometimes undefined, non-contiguous, or requiring grad.
    pub fn tensor(&mut self) -> Tensor {
        if self.chance(0.04) {
            self.traced("tensor", "undefined");
            return Tensor::default();
        }
        let shape = self.shape();
        let kind = self.kind();
        self.tensor_of(&shape, kind)
    }

    fn tensor_of(&mut self, shape: &[i64], kind: Kind) -> Tensor {
        let n: i64 = shape.iter().product();
        // The values are summarized below, not traced one by one.
        let trace = std::mem::replace(&mut self.trace, false);
        let floating = kind.is_floating_point() || kind.is_complex();
        let values: Vec<f64> = (0..n)
            .map(|_| {
                if floating {
                    self.float()
                } else {
                    self.pick(&[0.0, 1.0, 2.0, 3.0, -1.0, 4.0])
                }
            })
            .collect();
        self.trace = trace;
        let Ok(base) = Tensor::from_data(&values, shape) else {
            return Tensor::default();
        };
        let traced_values = self.trace.then(|| values.clone());
        // Kinds `to` cannot make (quantized, bits) stay double: the op sees a plain tensor.
        let mut t = base.f_to_dtype(kind).unwrap_or(base);
        if shape.len() >= 2 && self.chance(0.1) {
            t = t.f_transpose_int(0, 1).unwrap_or(t);
        }
        if self.form_share > 0.0 && self.chance(self.form_share) {
            t = self.reform(t);
        }
        if self.cuda_share > 0.0 && self.chance(self.cuda_share) {
            t = t.f_to(Device::Cuda(0)).unwrap_or(t);
            self.traced("on", "cuda:0");
        }
        if floating && self.chance(0.08) {
            t = t.f_set_requires_grad(true).unwrap_or_default();
        }
        if let Some(values) = traced_values {
            let shown = &values[..values.len().min(12)];
            eprintln!(
                "  tensor {kind:?} size {:?} stride {:?} grad {} values {shown:?}",
                t.f_size().ok(),
                t.f_stride().ok(),
                t.defined() && t.requires_grad()
            );
        }
        t
    }

    /// `t` in another form: each of the sparse layouts (COO, hybrid and uncoalesced COO, CSR,
    /// CSC, BSR, BSC), quantized per tensor or per channel, nested, MKL-DNN, or a strided view
    /// with a zero stride, a storage offset, the conjugate or negative bit, or channels-last.
    /// Kernels for these forms are separate code with their own checks. Where a conversion
    /// refuses `t` (CSR needs 2 or more dimensions, quantizing needs a float), `t` is kept.
    fn reform(&mut self, t: Tensor) -> Tensor {
        let form = if self.forms.is_empty() {
            self.below(FORMS.len())
        } else {
            let pick = self.below(self.forms.len());
            self.forms[pick]
        };
        let block = self.pick(&[1, 2]);
        let qkind = self.pick(&[Kind::QInt8, Kind::QUInt8, Kind::QInt32]);
        let floats = || t.f_to_dtype(Kind::Float);
        let made = match form {
            0 => t.f_to_sparse(),
            1 => t.f_to_sparse_sparse_dim(1),
            2 => t.f_to_sparse().and_then(|s| {
                // Every entry twice: a valid COO tensor that is not coalesced.
                let (i, v) = (s.f_indices()?, s.f_values()?);
                Tensor::f__sparse_coo_tensor_unsafe(
                    &Tensor::f_cat_with(&[&i, &i], 1)?,
                    &Tensor::f_cat(&[&v, &v])?,
                    &s.size(),
                )
            }),
            3 => t.f_to_sparse_csr(),
            4 => t.f_to_sparse_csc(),
            5 => t.f_to_sparse_bsr(&[block, block]),
            6 => t.f_to_sparse_bsc(&[block, block]),
            7 => floats().and_then(|f| f.f_quantize_per_tensor(0.25, 1, qkind)),
            8 => floats().and_then(|f| {
                let n = f.f_size()?.first().copied().unwrap_or(0);
                f.f_quantize_per_channel(
                    &Tensor::f_full(&[n], 0.25)?,
                    &Tensor::f_zeros(&[n])?.f_to_dtype(Kind::Int64)?,
                    0,
                    qkind,
                )
            }),
            9 => t
                .f_narrow(0, 0, (t.size().first().copied().unwrap_or(0) - 1).max(0))
                .and_then(
                    // Two components of one rank and different leading sizes.
                    |shorter| Tensor::f__nested_tensor_from_tensor_list(&[&t, &shorter]),
                ),
            // Float only: oneDNN zero-fills any other dtype as floats, a crash reached through
            // every op that makes zeros like its input (see guards/onednn.rs).
            10 => floats().and_then(|f| f.f_to_mkldnn()),
            11 => {
                let mut wide = vec![2];
                wide.extend(t.size());
                t.f_unsqueeze(0).and_then(|u| u.f_expand(&wide))
            }
            12 => t.f_reshape(&[-1]).and_then(|flat| {
                let n = flat.numel() as i64;
                Tensor::f_cat(&[&flat, &flat])?
                    .f_narrow(0, n, n)?
                    .f_view(&t.size())
            }),
            13 => {
                if t.is_complex() {
                    t.f_conj()
                } else {
                    t.f__neg_view()
                }
            }
            14 => t.f_contiguous_with(MemoryFormat::ChannelsLast),
            _ => t.f_contiguous_with(MemoryFormat::ChannelsLast3d),
        };
        match made {
            Ok(m) if m.defined() => {
                self.traced("form", (FORMS[form], &m));
                m
            }
            _ => t,
        }
    }

    pub fn opt_tensor(&mut self) -> Option<Tensor> {
        self.maybe(Gen::tensor)
    }

    /// 0 to 3 tensors, usually of one shape and dtype (as ops expect), sometimes mixed.
    pub fn tensor_list(&mut self) -> Vec<Tensor> {
        let n = self.traced_below("tensor list of", 4);
        if self.chance(0.3) {
            (0..n).map(|_| self.tensor()).collect()
        } else {
            let shape = self.shape();
            let kind = self.kind();
            (0..n).map(|_| self.tensor_of(&shape, kind)).collect()
        }
    }

    pub fn opt_tensor_list(&mut self) -> Vec<Option<Tensor>> {
        let n = self.traced_below("optional tensor list of", 4);
        (0..n).map(|_| self.opt_tensor()).collect()
    }
}
