//! Events averaged by name (`prof.key_averages()`), and PyTorch's summary table of them.
use super::FunctionEvent;
use crate::{Error, Result};

/// The events of one name (and, when grouped so, one list of input shapes) added up
/// (`torch.autograd.profiler_util.FunctionEventAvg`). Times are in microseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionEventAvg {
    /// The operator or range name.
    pub key: String,
    /// How many events were added.
    pub count: usize,
    /// Their summed durations (`cpu_time_total`).
    pub cpu_time_total: f64,
    /// Their summed durations without their children's (`self_cpu_time_total`).
    pub self_cpu_time_total: f64,
    /// The events' input shapes, when grouped by them (else empty, as in PyTorch).
    pub input_shapes: Vec<Vec<i64>>,
    /// Their summed FLOPs estimates.
    pub flops: u64,
    /// Whether the events are asynchronous.
    pub is_async: bool,
}

impl FunctionEventAvg {
    /// The mean duration of one call (`cpu_time`).
    pub fn cpu_time(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.cpu_time_total / self.count as f64
        }
    }
}

/// The averages of a profile, in order of each key's first event (`EventList` of
/// `FunctionEventAvg`); iterate it, or print its [`table`](KeyAverages::table).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyAverages(Vec<FunctionEventAvg>);

impl KeyAverages {
    pub(super) fn new(events: &[FunctionEvent], by_input_shape: bool) -> KeyAverages {
        let mut out: Vec<FunctionEventAvg> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for e in events {
            // PyTorch's key: name, device, whether a user range (and the shapes if asked).
            let key = (
                e.name.clone(),
                e.device,
                e.is_user_annotation,
                if by_input_shape {
                    Some(e.input_shapes.clone())
                } else {
                    None
                },
            );
            let i = *index.entry(key).or_insert_with(|| {
                out.push(FunctionEventAvg {
                    key: e.name.clone(),
                    count: 0,
                    cpu_time_total: 0.0,
                    self_cpu_time_total: 0.0,
                    input_shapes: if by_input_shape {
                        e.input_shapes.clone()
                    } else {
                        Vec::new()
                    },
                    flops: 0,
                    is_async: e.is_async,
                });
                out.len() - 1
            });
            let avg = &mut out[i];
            avg.count += 1;
            avg.cpu_time_total += e.cpu_time_total();
            avg.self_cpu_time_total += e.self_cpu_time_total;
            avg.flops += e.flops;
        }
        KeyAverages(out)
    }

    /// The averages as a slice.
    pub fn as_slice(&self) -> &[FunctionEventAvg] {
        &self.0
    }

    /// The sum of every entry's self CPU time (`self_cpu_time_total`), in microseconds.
    pub fn self_cpu_time_total(&self) -> f64 {
        self.0.iter().map(|e| e.self_cpu_time_total).sum()
    }

    /// PyTorch's summary table (`key_averages().table(sort_by=..., row_limit=...)`): name, self
    /// CPU time and share, total CPU time and share, mean time, number of calls (and input
    /// shapes and FLOPs where recorded), sorted by `sort_by` from largest (`None`: in order of
    /// first call). Panics on an unknown `sort_by`; see [`f_table`](KeyAverages::f_table).
    #[track_caller]
    pub fn table(&self, sort_by: Option<&str>, row_limit: usize) -> String {
        self.f_table(sort_by, row_limit)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`table`](KeyAverages::table), with an error for an unknown `sort_by`. The keys are
    /// `self_cpu_time_total`, `cpu_time_total`, `cpu_time`, `count` and `flops`.
    pub fn f_table(&self, sort_by: Option<&str>, row_limit: usize) -> Result<String> {
        let mut rows: Vec<&FunctionEventAvg> = self.0.iter().collect();
        if let Some(key) = sort_by {
            let value: fn(&FunctionEventAvg) -> f64 = match key {
                "self_cpu_time_total" => |e| e.self_cpu_time_total,
                "cpu_time_total" => |e| e.cpu_time_total,
                "cpu_time" => |e| e.cpu_time(),
                "count" => |e| e.count as f64,
                "flops" => |e| e.flops as f64,
                other => {
                    return Err(Error::invalid(
                        "table",
                        format!(
                            "unknown sort_by {other:?}: expected self_cpu_time_total, \
                             cpu_time_total, cpu_time, count or flops"
                        ),
                    ))
                }
            };
            // Stable and descending, as Python's sorted(..., reverse=True).
            rows.sort_by(|a, b| value(b).total_cmp(&value(a)));
        }
        Ok(render(&rows, self.self_cpu_time_total(), row_limit))
    }
}

impl IntoIterator for KeyAverages {
    type Item = FunctionEventAvg;
    type IntoIter = std::vec::IntoIter<FunctionEventAvg>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a KeyAverages {
    type Item = &'a FunctionEventAvg;
    type IntoIter = std::slice::Iter<'a, FunctionEventAvg>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl std::fmt::Display for KeyAverages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&render(
            &self.0.iter().collect::<Vec<_>>(),
            self.self_cpu_time_total(),
            100,
        ))
    }
}

/// `profiler_util._format_time`.
fn format_time(us: f64) -> String {
    if us >= 1e6 {
        format!("{:.3}s", us / 1e6)
    } else if us >= 1e3 {
        format!("{:.3}ms", us / 1e3)
    } else {
        format!("{us:.3}us")
    }
}

/// `profiler_util._format_time_share`.
fn format_share(us: f64, total: f64) -> String {
    if total == 0.0 {
        "NaN".to_owned()
    } else {
        format!("{:.2}%", us * 100.0 / total)
    }
}

/// Python's list repr of shapes: `[[2, 3], []]`.
fn shapes_repr(shapes: &[Vec<i64>]) -> String {
    let inner: Vec<String> = shapes
        .iter()
        .map(|s| {
            let dims: Vec<String> = s.iter().map(i64::to_string).collect();
            format!("[{}]", dims.join(", "))
        })
        .collect();
    format!("[{}]", inner.join(", "))
}

/// `profiler_util._build_table` for CPU events: right-aligned columns two spaces apart.
fn render(rows: &[&FunctionEventAvg], total: f64, row_limit: usize) -> String {
    if rows.is_empty() {
        return String::new();
    }
    const MAX_NAME: usize = 55;
    const MAX_SHAPES: usize = 80;
    const COLUMN: usize = 12;
    let name_width = (rows
        .iter()
        .map(|e| e.key.chars().count())
        .max()
        .unwrap_or(0)
        + 4)
    .min(MAX_NAME);
    let has_shapes = rows.iter().any(|e| !e.input_shapes.is_empty());
    let shapes_width = (rows
        .iter()
        .map(|e| shapes_repr(&e.input_shapes).len())
        .max()
        .unwrap_or(0)
        + 4)
    .min(MAX_SHAPES);
    let min_flops = rows.iter().map(|e| e.flops).filter(|&f| f > 0).min();
    let flops_scale = min_flops.map(|m| {
        const NAMES: [&str; 6] = ["FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs"];
        let level = ((m as f64).log10() / 3.0).clamp(0.0, 5.0).floor() as usize;
        (10f64.powi(-3 * level as i32), NAMES[level])
    });

    let mut widths = vec![name_width];
    let mut headers = vec![
        "Name".to_owned(),
        "Self CPU %".into(),
        "Self CPU".into(),
        "CPU total %".into(),
        "CPU total".into(),
        "CPU time avg".into(),
        "# of Calls".into(),
    ];
    widths.extend([COLUMN; 6]);
    if has_shapes {
        headers.push("Input Shapes".into());
        widths.push(shapes_width);
    }
    if let Some((_, unit)) = flops_scale {
        headers.push(format!("Total {unit}"));
        widths.push(COLUMN);
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (cell, w) in cells.iter().zip(&widths) {
            s.push_str(&format!("{cell:>w$}  "));
        }
        s.push('\n');
        s
    };
    let sep: String = widths
        .iter()
        .map(|w| "-".repeat(*w) + "  ")
        .collect::<String>()
        + "\n";

    let mut out = String::new();
    out.push_str(&sep);
    out.push_str(&line(&headers));
    out.push_str(&sep);
    for e in rows.iter().take(row_limit) {
        let mut name = e.key.clone();
        if name.chars().count() >= MAX_NAME - 3 {
            name = name.chars().take(MAX_NAME - 3).collect::<String>() + "...";
        }
        let mut cells = vec![
            name,
            format_share(e.self_cpu_time_total, total),
            format_time(e.self_cpu_time_total),
            if e.is_async {
                "0".to_owned()
            } else {
                format_share(e.cpu_time_total, total)
            },
            format_time(e.cpu_time_total),
            format_time(e.cpu_time()),
            e.count.to_string(),
        ];
        if has_shapes {
            cells.push(
                shapes_repr(&e.input_shapes)
                    .chars()
                    .take(shapes_width)
                    .collect(),
            );
        }
        if let Some((scale, _)) = flops_scale {
            cells.push(if e.flops == 0 {
                "--".to_owned()
            } else {
                format!("{:8.3}", e.flops as f64 * scale)
            });
        }
        out.push_str(&line(&cells));
    }
    out.push_str(&sep);
    out.push_str(&format!("Self CPU time total: {}\n", format_time(total)));
    out
}
