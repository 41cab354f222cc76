//! The events of a finished profile, read out of libtorch's result and linked into parents and
//! children as `torch.autograd.profiler_util.EventList._build_tree` does.
use crate::error::check;
use crate::{Device, Result};
use libtorch_sys as sys;
use std::ffi::CStr;

/// One recorded event (`torch.autograd.profiler_util.FunctionEvent`): an operator call, a
/// [`record_function`](super::record_function) range, or device activity. Times are in
/// microseconds from the start of the trace.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionEvent {
    /// The operator or range name, e.g. `aten::mm`.
    pub name: String,
    /// The operator overload (empty unless libtorch recorded it).
    pub overload_name: String,
    /// The (profiler's) id of the thread it ran on.
    pub thread: u64,
    /// Start, in microseconds from the trace start.
    pub start_us: f64,
    /// End, in microseconds from the trace start.
    pub end_us: f64,
    /// The input shapes, one per input (empty for a non-tensor input), when
    /// `record_shapes` was on.
    pub input_shapes: Vec<Vec<i64>>,
    /// The device the event ran on (the CPU for operator calls).
    pub device: Device,
    /// Started and ended on different threads, or recorded as asynchronous.
    pub is_async: bool,
    /// A [`record_function`](super::record_function) range (`is_user_annotation`).
    pub is_user_annotation: bool,
    /// The autograd sequence number linking forward ops to their backward (-1 if none).
    pub sequence_nr: i64,
    /// Estimated floating-point operations (with `with_flops`; 0 otherwise).
    pub flops: u64,
    /// The event's own CPU time, without its children's (`self_cpu_time_total`).
    pub self_cpu_time_total: f64,
    /// Indices into the event list of the events nested directly inside this one.
    pub cpu_children: Vec<usize>,
    /// Index of the event this one is nested in, if any.
    pub cpu_parent: Option<usize>,
    recorded_scope: u8,
}

impl FunctionEvent {
    /// The duration, in microseconds, for an event on the CPU (`cpu_time_total`), else 0.
    pub fn cpu_time_total(&self) -> f64 {
        if self.device == Device::Cpu {
            self.end_us - self.start_us
        } else {
            0.0
        }
    }

    /// Whether the event is an autograd backward node's (`scope == BACKWARD_FUNCTION`).
    pub fn is_backward(&self) -> bool {
        self.recorded_scope == 1
    }
}

/// Names PyTorch leaves out of every event list (`profiler_util._filter_name`).
fn filtered(name: &str) -> bool {
    matches!(
        name,
        "[memory]"
            | "[OutOfMemory]"
            | "profiler::_record_function_enter"
            | "profiler::_record_function_enter_new"
            | "profiler::_record_function_exit"
            | "aten::is_leaf"
            | "aten::output_nr"
            | "aten::_version"
    )
}

/// The events of `raw`, as `profile._parse_kineto_results` and `EventList._build_tree` make them.
pub(super) fn read(raw: *const sys::profiler::ltrs_profiler_result) -> Result<Vec<FunctionEvent>> {
    let mut ptr = std::ptr::null();
    let mut n = 0usize;
    let mut start = 0u64;
    // SAFETY: `raw` is a live result; the out-pointers are valid.
    unsafe {
        check(
            sys::profiler::ltrs_profiler_result_events(raw, &mut ptr, &mut n, &mut start),
            "profile",
        )?
    };
    let raw_events: &[sys::profiler::ltrs_profiler_event] = if n == 0 {
        &[]
    } else {
        // SAFETY: the shim returned `n` events at `ptr`, alive while `raw` is.
        unsafe { std::slice::from_raw_parts(ptr, n) }
    };
    let mut out = Vec::with_capacity(n);
    for e in raw_events {
        // SAFETY: the strings are NUL-terminated and live while `raw` does; copied here.
        let name = unsafe { CStr::from_ptr(e.name) }
            .to_string_lossy()
            .into_owned();
        if filtered(&name) || e.is_hidden {
            continue;
        }
        // SAFETY: as above.
        let overload_name = unsafe { CStr::from_ptr(e.overload_name) }
            .to_string_lossy()
            .into_owned();
        let mut input_shapes = Vec::with_capacity(e.n_shapes);
        if e.n_shapes > 0 {
            // SAFETY: `n_shapes` ranks, and as many dims as the ranks add up to, live at these
            // pointers while `raw` does.
            let ranks = unsafe { std::slice::from_raw_parts(e.shape_ranks, e.n_shapes) };
            let total = ranks.iter().map(|&r| r as usize).sum::<usize>();
            let dims = if total == 0 {
                &[][..]
            } else {
                // SAFETY: see above.
                unsafe { std::slice::from_raw_parts(e.shape_dims, total) }
            };
            let mut at = 0;
            for &r in ranks {
                input_shapes.push(dims[at..at + r as usize].to_vec());
                at += r as usize;
            }
        }
        let device = Device::from_ffi(sys::ltrs_device {
            type_: e.device_type as i16,
            index: e.device_index as i16,
        });
        out.push(FunctionEvent {
            name,
            overload_name,
            thread: e.start_thread,
            start_us: e.start_ns.wrapping_sub(start) as i64 as f64 / 1000.0,
            end_us: e.end_ns.wrapping_sub(start) as i64 as f64 / 1000.0,
            input_shapes,
            device,
            is_async: e.is_async || e.start_thread != e.end_thread,
            is_user_annotation: e.is_user_scope,
            sequence_nr: e.sequence_nr,
            flops: e.flops,
            self_cpu_time_total: 0.0,
            cpu_children: Vec::new(),
            cpu_parent: None,
            recorded_scope: e.scope,
        });
    }
    out.sort_by(|a, b| {
        a.start_us
            .total_cmp(&b.start_us)
            .then(b.end_us.total_cmp(&a.end_us))
    });
    let mut out = remove_dup_nodes(populate_cpu_children(out));
    for i in 0..out.len() {
        let e = &out[i];
        out[i].self_cpu_time_total = if e.is_async || e.device != Device::Cpu {
            0.0
        } else {
            e.cpu_time_total()
                - e.cpu_children
                    .iter()
                    .map(|&c| out[c].cpu_time_total())
                    .sum::<f64>()
        };
    }
    Ok(out)
}

/// Links each synchronous CPU event to the smallest event on its thread that contains it
/// (`EventList._populate_cpu_children`); `events` is sorted by (start, -end).
fn populate_cpu_children(mut events: Vec<FunctionEvent>) -> Vec<FunctionEvent> {
    let mut by_thread: std::collections::BTreeMap<u64, Vec<usize>> = Default::default();
    for (i, e) in events.iter().enumerate() {
        if !e.is_async && e.device == Device::Cpu {
            by_thread.entry(e.thread).or_default().push(i);
        }
    }
    for list in by_thread.values() {
        let mut stack: Vec<usize> = Vec::new();
        for &i in list {
            while let Some(&p) = stack.last() {
                let (child, parent) = (&events[i], &events[p]);
                if child.start_us >= parent.end_us || child.end_us > parent.end_us {
                    stack.pop();
                } else {
                    events[p].cpu_children.push(i);
                    events[i].cpu_parent = Some(p);
                    break;
                }
            }
            stack.push(i);
        }
    }
    events
}

/// Folds an event into its parent when it is the parent's only child and has the same name
/// (`EventList._remove_dup_nodes`), renumbering the links.
fn remove_dup_nodes(mut events: Vec<FunctionEvent>) -> Vec<FunctionEvent> {
    loop {
        let mut delete = vec![false; events.len()];
        let mut any = false;
        for i in 0..events.len() {
            let Some(p) = events[i].cpu_parent else {
                continue;
            };
            // A parent folded away in this pass is dealt with in the next one.
            if !delete[p] && events[p].name == events[i].name && events[p].cpu_children.len() == 1 {
                let children = std::mem::take(&mut events[i].cpu_children);
                for &c in &children {
                    events[c].cpu_parent = Some(p);
                }
                events[p].cpu_children = children;
                delete[i] = true;
                any = true;
            }
        }
        if !any {
            return events;
        }
        let mut new_index = vec![usize::MAX; events.len()];
        let mut next = 0;
        for (i, d) in delete.iter().enumerate() {
            if !d {
                new_index[i] = next;
                next += 1;
            }
        }
        events = events
            .into_iter()
            .zip(&delete)
            .filter(|(_, d)| !**d)
            .map(|(mut e, _)| {
                e.cpu_parent = e.cpu_parent.map(|p| new_index[p]);
                e.cpu_children = e.cpu_children.iter().map(|&c| new_index[c]).collect();
                e
            })
            .collect();
    }
}
