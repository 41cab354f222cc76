//! The profiler: libtorch's Kineto profiler over a matmul loop, its Chrome trace, its events
//! and their averages, user ranges.
use libtorch::profiler::{self, Profile, ProfilerActivity, ProfilerOptions};
use libtorch::Tensor;
use std::sync::Mutex;

/// One profile at a time in the process: the tests of this file take turns.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn matmul_loop(n: usize) {
    let a = Tensor::ones(&[32, 48]);
    let b = Tensor::ones(&[48, 16]);
    for _ in 0..n {
        let c = a.mm(&b);
        assert!(c.to_vec::<f32>().unwrap().iter().all(|&v| v == 48.0));
    }
}

#[test]
fn chrome_trace_has_the_ops_and_the_user_range() {
    let _s = serial();
    let options = ProfilerOptions::default()
        .activities(&[ProfilerActivity::CPU])
        .record_shapes(true);
    let (value, prof) = profiler::profile(options, || {
        let _range = profiler::record_function("my_matmuls");
        matmul_loop(5);
        7
    })
    .unwrap();
    assert_eq!(value, 7);

    let dir = std::env::temp_dir().join(format!("ltrs-profiler-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("trace.json");
    prof.export_chrome_trace(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).expect("the trace is valid JSON");
    let events = json["traceEvents"]
        .as_array()
        .expect("traceEvents is a list");
    let named = |n: &str| events.iter().filter(|e| e["name"] == n).collect::<Vec<_>>();
    let mm = named("aten::mm");
    assert_eq!(mm.len(), 5, "one aten::mm event per call");
    for e in &mm {
        assert_eq!(e["ph"], "X");
        assert!(e["dur"].as_f64().unwrap() >= 0.0);
        // record_shapes: the input dims are in the event's args.
        assert_eq!(
            e["args"]["Input Dims"],
            serde_json::json!([[32, 48], [48, 16]])
        );
    }
    let range = named("my_matmuls");
    assert_eq!(range.len(), 1);
    assert_eq!(range[0]["cat"], "user_annotation");
    // Every mm lies inside the range.
    let (r0, r1) = (
        range[0]["ts"].as_f64().unwrap(),
        range[0]["ts"].as_f64().unwrap() + range[0]["dur"].as_f64().unwrap(),
    );
    for e in &mm {
        let t = e["ts"].as_f64().unwrap();
        assert!(t >= r0 && t + e["dur"].as_f64().unwrap() <= r1 + 1.0);
    }
    // Kineto writes a trace once per profile, as in PyTorch.
    assert!(prof.export_chrome_trace(dir.join("again.json")).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn events_nest_and_key_averages_count_calls() {
    let _s = serial();
    let (_, prof) = profiler::profile(ProfilerOptions::default().record_shapes(true), || {
        let _outer = profiler::record_function("outer");
        matmul_loop(3);
    })
    .unwrap();
    let events = prof.events();
    let outer = events.iter().position(|e| e.name == "outer").unwrap();
    assert!(events[outer].is_user_annotation);
    let mms: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].name == "aten::mm")
        .collect();
    assert_eq!(mms.len(), 3);
    for &i in &mms {
        let e = &events[i];
        assert_eq!(e.input_shapes, [vec![32, 48], vec![48, 16]]);
        assert!(!e.is_user_annotation);
        // The mm's parent chain reaches the user range.
        let mut p = e.cpu_parent;
        while let Some(j) = p {
            if j == outer {
                break;
            }
            p = events[j].cpu_parent;
        }
        assert_eq!(p, Some(outer), "aten::mm is nested inside the range");
        assert!(e.self_cpu_time_total >= 0.0 && e.self_cpu_time_total <= e.cpu_time_total());
    }
    // Self time of the range = its time minus its direct children's.
    let o = &events[outer];
    let children: f64 = o
        .cpu_children
        .iter()
        .map(|&c| events[c].cpu_time_total())
        .sum();
    assert!((o.self_cpu_time_total - (o.cpu_time_total() - children)).abs() < 1e-9);
    assert!(!o.cpu_children.is_empty());

    let avg = prof.key_averages();
    let mm = avg.as_slice().iter().find(|e| e.key == "aten::mm").unwrap();
    assert_eq!(mm.count, 3);
    let total: f64 = mms.iter().map(|&i| events[i].cpu_time_total()).sum();
    assert!((mm.cpu_time_total - total).abs() < 1e-6);
    assert!((mm.cpu_time() - total / 3.0).abs() < 1e-6);
    // The whole profile's self time is every event's own time, counted once.
    let sum_self: f64 = events.iter().map(|e| e.self_cpu_time_total).sum();
    assert!((avg.self_cpu_time_total() - sum_self).abs() < 1e-6);

    let table = avg.table(Some("self_cpu_time_total"), 100);
    assert!(table.contains("Self CPU time total:"), "{table}");
    // Without grouping by shape, no shapes column (as in PyTorch).
    assert!(!table.contains("Input Shapes"), "{table}");
    let rows: Vec<&str> = table.lines().filter(|l| l.contains("aten::mm")).collect();
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].trim_end().ends_with(" 3"),
        "the call count ends the row: {table}"
    );
    assert!(avg.f_table(Some("no_such_key"), 10).is_err());

    let by_shape = prof.key_averages_by_input_shape();
    let table = by_shape.table(None, 100);
    let rows: Vec<&str> = table.lines().filter(|l| l.contains("aten::mm")).collect();
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].trim_end().ends_with("[[32, 48], [48, 16]]"),
        "{table}"
    );
    let mm_rows: Vec<_> = by_shape
        .into_iter()
        .filter(|e| e.key == "aten::mm")
        .collect();
    assert_eq!(mm_rows.len(), 1);
    assert_eq!(mm_rows[0].count, 3);
}

#[test]
fn guard_form_and_errors() {
    let _s = serial();
    // Nothing to profile.
    let e = Profile::start(ProfilerOptions::default().activities(&[]))
        .err()
        .unwrap();
    assert!(e.to_string().contains("activities"), "{e}");
    if !libtorch::cuda::is_available() {
        let e = Profile::start(ProfilerOptions::default().activities(&[ProfilerActivity::CUDA]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("CUDA"), "{e}");
    }
    let p = Profile::start(ProfilerOptions::default()).unwrap();
    // A second profile while one runs is refused, not a crash.
    let again = Profile::start(ProfilerOptions::default()).err().unwrap();
    assert!(again.to_string().contains("already running"), "{again}");
    let x = Tensor::from_slice(&[1.0f32, 2.0]);
    let y = x.exp();
    let prof = p.stop().unwrap();
    assert_eq!(
        prof.events()
            .iter()
            .filter(|e| e.name == "aten::exp")
            .count(),
        1
    );
    assert!((y.to_vec::<f32>().unwrap()[0] as f64 - 1f64.exp()).abs() < 1e-6);
    // Dropping a guard stops the profile: the next one starts.
    drop(Profile::start(ProfilerOptions::default()).unwrap());
    let (_, prof) = profiler::profile(ProfilerOptions::default(), || x.neg()).unwrap();
    assert!(prof.events().iter().any(|e| e.name == "aten::neg"));
    assert!(!prof.events().iter().any(|e| e.name == "aten::exp"));
    // A range without a profiler records nothing and closes cleanly.
    profiler::record_function("idle").end().unwrap();
}

#[test]
fn a_panic_inside_the_closure_stops_the_profiler() {
    let _s = serial();
    let r = std::panic::catch_unwind(|| {
        let _ = profiler::profile(ProfilerOptions::default(), || panic!("boom"));
    });
    assert!(r.is_err());
    let (_, prof) = profiler::profile(ProfilerOptions::default(), || {
        Tensor::from_slice(&[1.0f32]).sin()
    })
    .unwrap();
    assert!(prof.events().iter().any(|e| e.name == "aten::sin"));
}

#[test]
fn with_flops_estimates_matmul_flops() {
    let _s = serial();
    let (_, prof) = profiler::profile(ProfilerOptions::default().with_flops(true), || {
        matmul_loop(2)
    })
    .unwrap();
    let mm: Vec<_> = prof
        .events()
        .iter()
        .filter(|e| e.name == "aten::mm")
        .collect();
    assert_eq!(mm.len(), 2);
    // 2 * M * K * N multiply-adds, as PyTorch counts them.
    for e in mm {
        assert_eq!(e.flops, 2 * 32 * 48 * 16);
    }
}
