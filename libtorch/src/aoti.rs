//! AOTInductor packages: models compiled ahead of time by PyTorch's Inductor into native code,
//! packaged as `.pt2` files by `torch._inductor.aoti_compile_and_package`, and run here without
//! Python (`torch._inductor.aoti_load_package` in Python).
//!
//! ```
//! use libtorch::{aoti, Tensor};
//! # fn main() -> libtorch::Result<()> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jit/mlp.pt2");
//! let model = aoti::load_package(path)?; // torch._inductor.aoti_load_package(path)
//! let outputs = model.f_run(&[Tensor::zeros(&[8, 64])])?;
//! assert_eq!(outputs[0].size(), [8, 10]);
//! // The model checks its inputs: this one was exported for 64 features.
//! let err = model.f_run(&[Tensor::zeros(&[8, 63])]).unwrap_err();
//! assert!(err.message().contains("unmatched dim value at 1"));
//! # Ok(())
//! # }
//! ```
//!
//! **Load only packages you trust.** A package holds a shared library compiled for one kind of
//! machine: loading it runs that library's code in this process. A package compiled with
//! Inductor's defaults (`-march=native`) runs only on CPUs with the instruction sets of the
//! machine that compiled it (its metadata says which: `AOTI_CPU_ISA`).
//!
//! Inputs are checked by the package's own code: the model's generated checks of each input's
//! dtype, device, sizes and every stride known at compile time run on every call here (this
//! crate sets `AOTI_RUNTIME_CHECK_INPUTS=1` for the process before `main`, and refuses to load a
//! package when it was turned off); a wrong input is an `Err` carrying the model's message
//! (which the model's runtime writes to standard error; a run here keeps it for the error).
//! Inputs that are not dense are made contiguous first. One thing those checks do not compare
//! is the number of dimensions: pass tensors of the rank the model was exported with (a tensor
//! of lower rank makes the check read sizes the tensor does not have).
//!
//! A CUDA package (compiled on a GPU) runs with the `cuda` feature, on CUDA inputs.
use crate::error::{check, unwrap, Error, Result};
use crate::jit::{from_value, path_str, Value};
use crate::{IValue, Tensor};
use libtorch_sys as sys;
use libtorch_sys::jit as j;
use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::Path;
use std::ptr::NonNull;

/// How to load a package: which model, how many instances, which GPU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// The model to load from a package holding several (`aoti_load_package(path,
    /// model_name=...)`); packages made by `aoti_compile_and_package` hold one, `"model"`.
    pub model_name: String,
    /// Instances of the model: up to this many [`CompiledModel::run`] calls run at once, more
    /// wait for a free instance (each instance has its own activations).
    pub num_runners: usize,
    /// The CUDA device a CUDA package runs on (`None`: the current device). Ignored for CPU
    /// packages.
    pub device_index: Option<usize>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            model_name: "model".to_owned(),
            num_runners: 1,
            device_index: None,
        }
    }
}

impl LoadOptions {
    /// The defaults with another model name.
    pub fn model(name: impl Into<String>) -> LoadOptions {
        LoadOptions {
            model_name: name.into(),
            ..LoadOptions::default()
        }
    }
}

/// A model loaded from an AOTInductor package. `Send` and `Sync`: runs from several threads
/// share its [`LoadOptions::num_runners`] instances.
pub struct CompiledModel {
    raw: NonNull<j::ltrs_aoti_package>,
    name: String,
}

// SAFETY: the loader (torch::inductor::AOTIModelPackageLoader) owns its extracted files, its
// model library and its container; none of them is tied to the loading thread.
unsafe impl Send for CompiledModel {}
// SAFETY: `&self` methods run the model and read its metadata. Runs go through the model
// container, which hands each run one of its model instances under a mutex (waiting on a
// condition variable when all are busy) and guards its constants with a reader-writer lock;
// the metadata is a copy made at load time.
unsafe impl Sync for CompiledModel {}

impl Drop for CompiledModel {
    fn drop(&mut self) {
        // SAFETY: owned handle, freed once; the loader's destructor removes its temporary
        // files and does not throw.
        unsafe { j::ltrs_aoti_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for CompiledModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledModel")
            .field("model_name", &self.name)
            .finish()
    }
}

/// Loads the model of a package made by `torch._inductor.aoti_compile_and_package`.
#[track_caller]
pub fn load_package(path: impl AsRef<Path>) -> Result<CompiledModel> {
    load_package_with(path, &LoadOptions::default())
}

/// Loads a package with explicit [`LoadOptions`] (a model name, several instances, a GPU).
#[track_caller]
pub fn load_package_with(path: impl AsRef<Path>, options: &LoadOptions) -> Result<CompiledModel> {
    let op = "aoti::load_package";
    let p = path_str(path.as_ref(), op)?;
    let runners = i64::try_from(options.num_runners)
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| Error::invalid(op, "num_runners must be at least 1"))?;
    let device = match options.device_index {
        None => -1,
        Some(i) => {
            i16::try_from(i).map_err(|_| Error::invalid(op, format!("no CUDA device index {i}")))?
        }
    };
    let stub = CString::new(j::LIBTORCH_STUB).ok();
    let mut raw = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call (the stub path NUL-terminated or null); on
    // success `raw` is an owned loader.
    unsafe {
        check(
            j::ltrs_aoti_load(
                p.as_ptr().cast(),
                p.len() as i64,
                sys::ltrs_str::from_str(&options.model_name),
                runners,
                device,
                stub.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
                &mut raw,
            ),
            op,
        )?;
    }
    let raw = NonNull::new(raw).ok_or_else(|| Error::invalid(op, "no package returned"))?;
    Ok(CompiledModel {
        raw,
        name: options.model_name.clone(),
    })
}

impl CompiledModel {
    /// The name of the model in its package.
    pub fn model_name(&self) -> &str {
        &self.name
    }

    /// Runs the model on its inputs (flattened, as the exported program takes them) and returns
    /// its outputs (flattened). An input of the wrong dtype, device or shape is an error with the
    /// model's own message.
    #[track_caller]
    pub fn f_run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let raw: Vec<sys::ltrs_tensor> = inputs.iter().map(Tensor::as_raw).collect();
        let mut out = sys::ltrs_tensor_vec {
            data: std::ptr::null_mut(),
            len: 0,
        };
        // SAFETY: the loader is live for `&self` (runs may overlap, see `Sync`); `raw` holds
        // `inputs.len()` borrowed handles; on success `out` is an array of owned handles.
        unsafe {
            check(
                j::ltrs_aoti_run(self.raw.as_ptr(), raw.as_ptr(), raw.len() as i64, &mut out),
                "aoti::run",
            )?;
            Ok(take_vec(out))
        }
    }

    /// [`f_run`](CompiledModel::f_run), panicking on error.
    #[track_caller]
    pub fn run(&self, inputs: &[Tensor]) -> Vec<Tensor> {
        unwrap(self.f_run(inputs))
    }

    /// The package's metadata: where it was compiled for (`AOTI_DEVICE_KEY`: `cpu` or `cuda`,
    /// `AOTI_CPU_ISA`, `AOTI_PLATFORM`, ...) and what its author added.
    #[track_caller]
    pub fn metadata(&self) -> Result<BTreeMap<String, String>> {
        let op = "aoti::metadata";
        let mut out = std::ptr::null_mut();
        // SAFETY: the loader is live; on success `out` is an owned dict of str to str.
        let dict = unsafe {
            check(j::ltrs_aoti_metadata(self.raw.as_ptr(), &mut out), op)?;
            Value::take(out, op)?
        };
        match from_value(&dict, op)? {
            IValue::Dict(entries) => entries
                .into_iter()
                .map(|(k, v)| Ok((String::try_from(k)?, String::try_from(v)?)))
                .collect(),
            other => Err(Error::invalid(
                op,
                format!("a {} is not a dict", other.type_name()),
            )),
        }
    }

    /// The original names of the weights compiled into the model (`fc1.weight`, ...).
    #[track_caller]
    pub fn constant_names(&self) -> Result<Vec<String>> {
        let op = "aoti::constant_names";
        let mut out = std::ptr::null_mut();
        // SAFETY: the loader is live; on success `out` is an owned list of str.
        let list = unsafe {
            check(j::ltrs_aoti_constant_names(self.raw.as_ptr(), &mut out), op)?;
            Value::take(out, op)?
        };
        Vec::<IValue>::try_from(from_value(&list, op)?)?
            .into_iter()
            .map(String::try_from)
            .collect()
    }
}

/// Takes over the tensors of a vector a shim returned and frees its array.
///
/// # Safety
/// `v` must come from a successful shim call and not be used again.
unsafe fn take_vec(v: sys::ltrs_tensor_vec) -> Vec<Tensor> {
    let len = usize::try_from(v.len).unwrap_or(0);
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        // SAFETY: the shim wrote `len` owned handles to `data`; each is taken over once.
        out.push(unsafe { Tensor::from_raw(*v.data.add(i)) });
    }
    // SAFETY: the array came from the shim's malloc; its elements now belong to `out`.
    unsafe { sys::ltrs_tensor_vec_free(v) };
    out
}
