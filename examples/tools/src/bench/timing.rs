//! Wall-clock measurement: calibrate an iteration count, warm up, then alternate the two sides
//! over several repetitions and take each side's median.
use super::workloads::Case;
use super::{BenchResult, Side};
use std::time::{Duration, Instant};

/// How long and how often to measure.
#[derive(Clone, Copy, Debug)]
pub struct TimingOptions {
    /// Repetitions per side; the median is reported.
    pub reps: usize,
    /// The wall time one repetition should take.
    pub rep_time: Duration,
}

/// Seconds per iteration on each side (medians), and the relative spread of each.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The baseline's median seconds per iteration.
    pub cpp: f64,
    /// Our median seconds per iteration.
    pub ours: f64,
    /// (max - min) / median over the baseline's repetitions.
    pub cpp_spread: f64,
    /// (max - min) / median over our repetitions.
    pub ours_spread: f64,
    /// Iterations per repetition.
    pub iters: u64,
}

fn timed(case: &mut dyn Case, side: Side, iters: u64) -> BenchResult<f64> {
    case.reset()?;
    let start = Instant::now();
    case.run(side, iters)?;
    Ok(start.elapsed().as_secs_f64())
}

/// The median and the relative spread of `xs` (which is sorted in place).
fn median_spread(xs: &mut [f64]) -> (f64, f64) {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let median = if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    };
    (median, (xs[n - 1] - xs[0]) / median)
}

/// Measures both sides of `case`.
pub fn measure(case: &mut dyn Case, opts: TimingOptions) -> BenchResult<Timing> {
    // Calibrate on our side: grow the count until a run takes a tenth of a repetition.
    let target = opts.rep_time.as_secs_f64();
    let mut iters = 1u64;
    let per_iter = loop {
        let t = timed(case, Side::Ours, iters)?;
        if t >= target / 10.0 || iters >= 1 << 30 {
            break t / iters as f64;
        }
        iters *= 4;
    };
    let iters = ((target / per_iter) as u64).max(1);
    // Warm-up: one full repetition of each side.
    timed(case, Side::Cpp, iters)?;
    timed(case, Side::Ours, iters)?;
    let (mut cpp, mut ours) = (Vec::new(), Vec::new());
    for rep in 0..opts.reps.max(1) {
        let order = if rep % 2 == 0 {
            [Side::Cpp, Side::Ours]
        } else {
            [Side::Ours, Side::Cpp]
        };
        for side in order {
            let t = timed(case, side, iters)? / iters as f64;
            match side {
                Side::Cpp => cpp.push(t),
                Side::Ours => ours.push(t),
            }
        }
    }
    let (cpp, cpp_spread) = median_spread(&mut cpp);
    let (ours, ours_spread) = median_spread(&mut ours);
    Ok(Timing {
        cpp,
        ours,
        cpp_spread,
        ours_spread,
        iters,
    })
}

#[cfg(test)]
mod tests {
    use super::median_spread;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median_spread(&mut [3.0, 1.0, 2.0]), (2.0, 1.0));
        assert_eq!(median_spread(&mut [4.0, 1.0, 2.0, 3.0]), (2.5, 1.2));
    }
}
