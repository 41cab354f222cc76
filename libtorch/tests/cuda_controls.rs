//! CUDA controls: `torch.backends` flags, `torch.use_deterministic_algorithms`, seeding,
//! memory statistics, streams, events and device properties.
//!
//! The first tests run everywhere: the flags are ATen's global state, set and read in any
//! build, and every call that needs a CUDA device must return an error where there is none
//! (always in a CPU-only build), never abort. The tests in `gpu` need a GPU and the `cuda`
//! feature, so each is `#[ignore]`d, as in `tests/cuda.rs`; on a machine with one:
//!
//! ```sh
//! cargo test -p libtorch --test cuda_controls
//! cargo test --features cuda -p libtorch --test cuda_controls -- --include-ignored
//! ```

use libtorch::backends::{cuda::matmul, cudnn};
use libtorch::{cuda, Device, Kind, Stream, Tensor};
use std::sync::{Mutex, MutexGuard};

/// The flags, the generators and the current stream are process-wide; tests that touch them
/// run one at a time.
fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The defaults PyTorch 2.11 reports (`/work/venv/bin/python -c "import torch; ..."` with the
/// pinned torch: cudnn.enabled True, benchmark False, deterministic False, cudnn.allow_tf32
/// True, matmul.allow_tf32 False, fp16/bf16 reduced-precision reduction True, deterministic
/// algorithms False, warn_only False, fill_uninitialized_memory True, precision "highest").
#[test]
fn flags_start_at_pytorchs_defaults_and_round_trip() {
    let _x = exclusive();
    assert!(cudnn::enabled());
    assert!(!cudnn::benchmark());
    assert!(!cudnn::deterministic());
    assert!(cudnn::allow_tf32());
    assert!(!matmul::allow_tf32());
    assert!(matmul::allow_fp16_reduced_precision_reduction());
    assert!(matmul::allow_bf16_reduced_precision_reduction());
    assert!(!libtorch::are_deterministic_algorithms_enabled());
    assert!(!libtorch::is_deterministic_algorithms_warn_only_enabled());
    assert!(libtorch::backends::fill_uninitialized_memory());
    assert_eq!(libtorch::get_float32_matmul_precision(), "highest");

    // Each switch: flip, read back, restore, read back.
    type Flag = (&'static str, fn() -> bool, fn(bool));
    let flags: [Flag; 8] = [
        ("cudnn.enabled", cudnn::enabled, cudnn::set_enabled),
        ("cudnn.benchmark", cudnn::benchmark, cudnn::set_benchmark),
        (
            "cudnn.deterministic",
            cudnn::deterministic,
            cudnn::set_deterministic,
        ),
        ("cudnn.allow_tf32", cudnn::allow_tf32, cudnn::set_allow_tf32),
        (
            "matmul.allow_tf32",
            matmul::allow_tf32,
            matmul::set_allow_tf32,
        ),
        (
            "matmul.allow_fp16_reduced_precision_reduction",
            matmul::allow_fp16_reduced_precision_reduction,
            matmul::set_allow_fp16_reduced_precision_reduction,
        ),
        (
            "matmul.allow_bf16_reduced_precision_reduction",
            matmul::allow_bf16_reduced_precision_reduction,
            matmul::set_allow_bf16_reduced_precision_reduction,
        ),
        (
            "fill_uninitialized_memory",
            libtorch::backends::fill_uninitialized_memory,
            libtorch::backends::set_fill_uninitialized_memory,
        ),
    ];
    for (name, get, set) in flags {
        let before = get();
        set(!before);
        assert_eq!(get(), !before, "{name} after setting it to {}", !before);
        set(before);
        assert_eq!(get(), before, "{name} after restoring it");
    }

    // torch.backends.cudnn.flags(): unset keywords take PyTorch's defaults (cuDNN off).
    {
        let _g = cudnn::flags().benchmark(true).set();
        assert!(!cudnn::enabled());
        assert!(cudnn::benchmark());
        assert!(!cudnn::deterministic());
        assert!(cudnn::allow_tf32());
        {
            let _inner = cudnn::flags()
                .enabled(true)
                .deterministic(true)
                .allow_tf32(false)
                .set();
            assert!(cudnn::enabled() && !cudnn::benchmark());
            assert!(cudnn::deterministic() && !cudnn::allow_tf32());
        }
        assert!(!cudnn::enabled() && cudnn::benchmark() && cudnn::allow_tf32());
    }
    assert!(cudnn::enabled() && !cudnn::benchmark() && !cudnn::deterministic());
    assert!(cudnn::allow_tf32());

    // torch.use_deterministic_algorithms(True) / (True, warn_only=True) / (False).
    libtorch::use_deterministic_algorithms(true);
    assert!(libtorch::are_deterministic_algorithms_enabled());
    assert!(!libtorch::is_deterministic_algorithms_warn_only_enabled());
    libtorch::use_deterministic_algorithms_with(true, true);
    assert!(libtorch::are_deterministic_algorithms_enabled());
    assert!(libtorch::is_deterministic_algorithms_warn_only_enabled());
    libtorch::use_deterministic_algorithms(false);
    assert!(!libtorch::are_deterministic_algorithms_enabled());
    assert!(!libtorch::is_deterministic_algorithms_warn_only_enabled());
}

/// As in PyTorch 2.11: `matmul.allow_tf32 = True` reads back as precision "high", and
/// precision "medium" or "high" turns `allow_tf32` on; an unknown precision is refused.
#[test]
fn float32_matmul_precision_is_the_tf32_switch() {
    let _x = exclusive();
    matmul::set_allow_tf32(true);
    assert_eq!(libtorch::get_float32_matmul_precision(), "high");
    matmul::set_allow_tf32(false);
    assert_eq!(libtorch::get_float32_matmul_precision(), "highest");
    for p in ["medium", "high"] {
        libtorch::set_float32_matmul_precision(p).unwrap();
        assert_eq!(libtorch::get_float32_matmul_precision(), p);
        assert!(matmul::allow_tf32(), "precision {p}");
    }
    let err = libtorch::set_float32_matmul_precision("low").unwrap_err();
    assert!(err.message().contains("\"low\""), "{err}");
    assert_eq!(libtorch::get_float32_matmul_precision(), "high");
    libtorch::set_float32_matmul_precision("highest").unwrap();
    assert!(!matmul::allow_tf32());
}

/// With deterministic algorithms on, uninitialized memory is filled as PyTorch fills it:
/// `torch.empty(3)` is NaN and an int64 `empty_like` holds the largest int64 (checked with the
/// pinned torch); off again, the switch no longer applies.
#[test]
fn deterministic_mode_fills_uninitialized_memory() {
    let _x = exclusive();
    libtorch::use_deterministic_algorithms(true);
    let f = Tensor::empty(&[3]);
    let i = Tensor::ones_opts(&[2], (Kind::Int64, Device::Cpu)).empty_like();
    libtorch::use_deterministic_algorithms(false);
    assert!(f.to_vec::<f32>().unwrap().iter().all(|v| v.is_nan()));
    assert_eq!(i.to_vec::<i64>().unwrap(), [i64::MAX, i64::MAX]);
}

/// `cudnn::is_available()` and `version()` say whether libtorch has cuDNN, as PyTorch's do,
/// with or without a GPU: the `cuda` feature's libtorch ships cuDNN 9.19.0.
#[test]
fn cudnn_presence_follows_the_build() {
    if cuda::built_with_cuda() {
        assert!(cudnn::is_available());
        assert_eq!(cudnn::version(), Some(91900));
    } else {
        assert!(!cudnn::is_available());
        assert_eq!(cudnn::version(), None);
    }
}

/// Every call on a CUDA device that does not exist returns an error naming it, never aborts:
/// device index `device_count()` everywhere, and index 0 too where there is no CUDA device.
#[test]
fn cuda_calls_without_the_device_are_errors() {
    let _x = exclusive();
    let n = cuda::device_count();
    let mut missing = vec![n, usize::MAX];
    if !cuda::is_available() {
        missing.push(0);
    }
    for d in missing {
        let errors = [
            ("memory_allocated", cuda::memory_allocated(d).err()),
            ("max_memory_allocated", cuda::max_memory_allocated(d).err()),
            ("memory_reserved", cuda::memory_reserved(d).err()),
            ("max_memory_reserved", cuda::max_memory_reserved(d).err()),
            (
                "reset_peak_memory_stats",
                cuda::reset_peak_memory_stats(d).err(),
            ),
            ("mem_get_info", cuda::mem_get_info(d).err()),
            ("initial_seed", cuda::initial_seed(d).err()),
            ("set_device", cuda::set_device(d).err()),
            ("current_stream", cuda::current_stream(d).err()),
            ("default_stream", cuda::default_stream(d).err()),
            ("Stream::new", Stream::new(Device::Cuda(d), 0).err()),
            (
                "get_device_properties",
                cuda::get_device_properties(d).err(),
            ),
            ("get_device_name", cuda::get_device_name(d).err()),
            (
                "get_device_capability",
                cuda::get_device_capability(d).err(),
            ),
        ];
        for (call, err) in errors {
            let err = err.unwrap_or_else(|| panic!("cuda::{call}({d}) succeeded"));
            assert!(
                err.message().contains("no CUDA device"),
                "cuda::{call}({d}): {err}"
            );
            assert!(
                err.op().contains(call),
                "cuda::{call}({d}) named {}",
                err.op()
            );
        }
    }
    if !cuda::is_available() {
        // The whole message, naming the call once and saying why.
        let why = if cuda::built_with_cuda() {
            "none is visible to this process"
        } else {
            "this program was built without the `cuda` feature"
        };
        assert_eq!(
            cuda::memory_allocated(0).unwrap_err().to_string(),
            format!("cuda::memory_allocated: no CUDA device ({why})")
        );
        for (call, err) in [
            ("empty_cache", cuda::empty_cache().err()),
            ("current_device", cuda::current_device().err()),
            ("Event::new", cuda::Event::new(true).err()),
            ("Event::new", cuda::Event::new(false).err()),
        ] {
            let err = err.unwrap_or_else(|| panic!("cuda::{call} succeeded"));
            assert!(err.message().contains("no CUDA device"), "{call}: {err}");
        }
        // A stream value made by hand is refused before libtorch sees it.
        // SAFETY: not a stream libtorch handed out, on purpose: every method used below checks
        // the id against libtorch's streams before libtorch sees it (and there is no CUDA device).
        let forged = unsafe { Stream::from_raw_parts(0, Device::Cuda(0)) };
        assert!(forged.synchronize().is_err());
        assert!(forged.query().is_err());
        assert!(cuda::stream(forged).is_err());
        assert!(cuda::set_stream(forged).is_err());
        // Seeding is the exception: like torch.cuda.manual_seed_all, nothing to do.
        cuda::manual_seed_all(5).unwrap();
        cuda::manual_seed(5).unwrap();
    }
}

/// Arguments PyTorch refuses are refused before reaching libtorch, on any machine.
#[test]
fn stream_arguments_are_checked() {
    let err = Stream::new(Device::Cpu, 0).unwrap_err();
    assert!(err.message().contains("CUDA devices only"), "{err}");
    let err = Stream::new(Device::Cuda(0), 1).unwrap_err();
    assert!(err.message().contains("0 or negative"), "{err}");
    // SAFETY: the CPU's only stream (id 0) is the stream libtorch hands out for the CPU; the
    // method below refuses it as not a CUDA stream before libtorch sees it.
    let cpu_stream = unsafe { Stream::from_raw_parts(0, Device::Cpu) };
    let err = cpu_stream.synchronize().unwrap_err();
    assert!(err.message().contains("not a CUDA stream"), "{err}");
}

/// On a GPU: each control does what PyTorch's does.
#[cfg(feature = "cuda")]
mod gpu {
    use super::*;

    const GPU: Device = Device::Cuda(0);

    /// Fails (rather than passing vacuously) when run where there is no usable GPU.
    fn need_gpu() -> MutexGuard<'static, ()> {
        let guard = exclusive();
        assert!(
            cuda::is_available(),
            "no usable CUDA device: these tests need one"
        );
        guard
    }

    fn draw() -> Vec<f32> {
        Tensor::randn_opts(&[8], (Kind::Float, GPU))
            .to_vec::<f32>()
            .unwrap()
    }

    #[test]
    #[ignore = "needs a CUDA device"]
    fn manual_seed_all_reseeds_every_gpu() {
        let _gpu = need_gpu();
        cuda::manual_seed_all(7).unwrap();
        assert_eq!(cuda::initial_seed(0).unwrap(), 7);
        let a = draw();
        let b = draw();
        assert_ne!(a, b, "the generator advances");
        cuda::manual_seed_all(7).unwrap();
        assert_eq!(draw(), a);
        // torch.manual_seed seeds the GPUs too, to the same state.
        libtorch::manual_seed(7);
        assert_eq!(draw(), a);
        cuda::manual_seed(9).unwrap();
        assert_eq!(
            cuda::initial_seed(cuda::current_device().unwrap()).unwrap(),
            9
        );
        assert_ne!(draw(), a);
    }

    /// A 64 MiB tensor is a caching-allocator segment of its own (a multiple of the 2 MiB
    /// rounding of large blocks, taken fresh after `empty_cache`), so every statistic moves by
    /// exactly its size.
    #[test]
    #[ignore = "needs a CUDA device"]
    fn memory_statistics_follow_allocations() {
        let _gpu = need_gpu();
        const MIB64: u64 = 64 << 20;
        cuda::synchronize(0).unwrap();
        cuda::empty_cache().unwrap();
        let allocated = cuda::memory_allocated(0).unwrap();
        let reserved = cuda::memory_reserved(0).unwrap();
        assert!(reserved >= allocated);
        cuda::reset_peak_memory_stats(0).unwrap();
        assert_eq!(cuda::max_memory_allocated(0).unwrap(), allocated);
        assert_eq!(cuda::max_memory_reserved(0).unwrap(), reserved);

        let t = Tensor::zeros_opts(&[(MIB64 / 4) as i64], (Kind::Float, GPU));
        assert_eq!(cuda::memory_allocated(0).unwrap(), allocated + MIB64);
        assert_eq!(cuda::memory_reserved(0).unwrap(), reserved + MIB64);
        drop(t);
        // Freed, but kept in the cache until empty_cache.
        assert_eq!(cuda::memory_allocated(0).unwrap(), allocated);
        assert_eq!(cuda::memory_reserved(0).unwrap(), reserved + MIB64);
        assert_eq!(cuda::max_memory_allocated(0).unwrap(), allocated + MIB64);
        cuda::empty_cache().unwrap();
        assert_eq!(cuda::memory_reserved(0).unwrap(), reserved);
        assert_eq!(cuda::max_memory_reserved(0).unwrap(), reserved + MIB64);
        cuda::reset_peak_memory_stats(0).unwrap();
        assert_eq!(cuda::max_memory_allocated(0).unwrap(), allocated);

        let (free, total) = cuda::mem_get_info(0).unwrap();
        assert!(free <= total);
        assert_eq!(total, cuda::get_device_properties(0).unwrap().total_memory);
    }

    #[test]
    #[ignore = "needs a CUDA device"]
    fn stream_guard_switches_and_restores_the_current_stream() {
        let _gpu = need_gpu();
        let default = cuda::default_stream(0).unwrap();
        assert_eq!(default.id(), 0);
        assert_eq!(default.device(), GPU);
        assert_eq!(cuda::current_stream(0).unwrap(), default);
        let side = Stream::new(GPU, 0).unwrap();
        let high = Stream::new(GPU, -1).unwrap();
        assert_ne!(side, default);
        assert_ne!(side.id(), high.id());
        let x = Tensor::arange_opts(0, 1 << 20, 1, (Kind::Double, GPU));
        let y = {
            let guard = cuda::stream(side).unwrap();
            assert_eq!(guard.stream(), side);
            assert_eq!(cuda::current_stream(0).unwrap(), side);
            side.wait_stream(&default).unwrap();
            {
                let _inner = cuda::stream(high).unwrap();
                assert_eq!(cuda::current_stream(0).unwrap(), high);
            }
            assert_eq!(cuda::current_stream(0).unwrap(), side);
            &x * 2
        };
        assert_eq!(cuda::current_stream(0).unwrap(), default);
        default.wait_stream(&side).unwrap();
        side.synchronize().unwrap();
        assert!(side.query().unwrap());
        assert_eq!(
            y.sum().double_value(),
            ((1u64 << 20) * ((1 << 20) - 1)) as f64
        );
        cuda::set_stream(side).unwrap();
        assert_eq!(cuda::current_stream(0).unwrap(), side);
        cuda::set_stream(default).unwrap();
        // An even, made-up id would be read as a raw CUDA stream pointer: refused.
        // SAFETY: a made-up id, on purpose: `synchronize` checks it against libtorch's streams
        // and refuses it before libtorch reads it as a pointer.
        let forged = unsafe { Stream::from_raw_parts(4096, GPU) };
        let err = forged.synchronize().unwrap_err();
        assert!(
            err.message().contains("not a stream of libtorch's"),
            "{err}"
        );
    }

    #[test]
    #[ignore = "needs a CUDA device"]
    fn events_order_streams_and_time_work() {
        let _gpu = need_gpu();
        let s = cuda::current_stream(0).unwrap();
        let mut start = cuda::Event::new(true).unwrap();
        let mut end = cuda::Event::new(true).unwrap();
        assert!(
            start.query().unwrap(),
            "an event never recorded has completed"
        );
        start.record(&s).unwrap();
        let a = Tensor::randn_opts(&[2048, 2048], (Kind::Float, GPU));
        let mut b = a.matmul(&a);
        for _ in 0..10 {
            b = b.matmul(&a) / 2048.0;
        }
        end.record(&s).unwrap();
        end.synchronize().unwrap();
        assert!(end.query().unwrap());
        let ms = start.elapsed_time(&end).unwrap();
        assert!(ms > 0.0 && ms < 60_000.0, "{ms} ms");
        // An event without timing cannot be timed; one never recorded is refused.
        let mut plain = cuda::Event::new(false).unwrap();
        plain.record(&s).unwrap();
        assert!(start.elapsed_time(&plain).is_err());
        let unrecorded = cuda::Event::new(true).unwrap();
        assert!(start.elapsed_time(&unrecorded).is_err());
        // A side stream waits for an event of the current one.
        let side = Stream::new(GPU, 0).unwrap();
        let ready = s.record_event().unwrap();
        side.wait_event(&ready).unwrap();
        let c = {
            let _on_side = cuda::stream(side).unwrap();
            &b + 1
        };
        side.synchronize().unwrap();
        let want = (&b + 1).cpu();
        assert!(c.cpu().equal(&want));
        drop(b);
    }

    #[test]
    #[ignore = "needs a CUDA device"]
    fn device_properties_describe_the_gpu() {
        let _gpu = need_gpu();
        let p = cuda::get_device_properties(0).unwrap();
        assert!(!p.name.is_empty());
        assert!(p.major >= 3, "{p:?}");
        assert!(p.multi_processor_count > 0, "{p:?}");
        assert!(p.total_memory > (1 << 30), "{p:?}");
        assert_eq!(cuda::get_device_name(0).unwrap(), p.name);
        assert_eq!(cuda::get_device_capability(0).unwrap(), (p.major, p.minor));
        println!("{p:?}");
    }

    /// `torch.histc` on CUDA has no deterministic algorithm: with deterministic algorithms on
    /// it fails (PyTorch raises), in warn-only mode it runs.
    #[test]
    #[ignore = "needs a CUDA device"]
    fn deterministic_mode_refuses_nondeterministic_cuda_kernels() {
        let _gpu = need_gpu();
        let x = Tensor::rand_opts(&[1000], (Kind::Float, GPU));
        libtorch::use_deterministic_algorithms(true);
        let refused = x.f_histc();
        libtorch::use_deterministic_algorithms_with(true, true);
        let warned = x.f_histc();
        libtorch::use_deterministic_algorithms(false);
        let err = refused.unwrap_err();
        assert!(err.message().contains("deterministic"), "{err}");
        assert_eq!(warned.unwrap().sum().double_value(), 1000.0);
    }
}
