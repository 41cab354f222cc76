//! The loss/accuracy curves as a PNG (plotters' bitmap backend).
//!
//! Text needs a font: with plotters' `ab_glyph` feature we load a TrueType file at run time
//! (DejaVu Sans or Liberation Sans where the system has one). Without one, the same plot is
//! drawn with no titles or tick labels rather than failing.
use super::train::History;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::OnceLock;

const FONT_FILES: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// Registers the first usable system font as plotters' "sans-serif", once; whether one was.
pub fn system_font() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        FONT_FILES.iter().any(|path| {
            let Ok(bytes) = std::fs::read(path) else {
                return false;
            };
            // plotters keeps fonts for the whole process: leaking the one file is the intent.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok()
        })
    })
}

/// Writes the training-loss curve (every step, and each epoch's mean) and the test-accuracy
/// curve side by side to `path` (PNG, 1200×450). `labels`: draw titles and tick labels (needs
/// [`system_font`]).
pub fn write_png(path: &Path, history: &History, title: &str, labels: bool) -> Result<(), String> {
    draw(path, history, title, labels).map_err(|e| format!("{}: {e}", path.display()))
}

fn draw(
    path: &Path,
    h: &History,
    title: &str,
    labels: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::new(path, (1200, 450)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = if labels {
        root.titled(title, ("sans-serif", 22))?
    } else {
        root
    };
    let (left, right) = root.split_horizontally(600);
    let per_epoch = h.steps_per_epoch.max(1) as f64;
    let n_epochs = h.epochs.len().max(1) as f64;

    // Training loss: every step (light), the running mean over each epoch (dark).
    let max_loss = h
        .step_losses
        .iter()
        .cloned()
        .fold(0.0f64, f64::max)
        .max(1e-3);
    let mut chart = ChartBuilder::on(&left);
    chart.margin(15);
    if labels {
        chart
            .caption("training loss", ("sans-serif", 18))
            .x_label_area_size(35)
            .y_label_area_size(50);
    }
    let mut chart = chart.build_cartesian_2d(0.0..n_epochs, 0.0..max_loss * 1.05)?;
    mesh(&mut chart, labels, "epoch", "cross-entropy")?;
    chart.draw_series(LineSeries::new(
        h.step_losses
            .iter()
            .enumerate()
            .map(|(k, &l)| ((k + 1) as f64 / per_epoch, l)),
        RGBColor(160, 190, 230).stroke_width(1),
    ))?;
    chart.draw_series(LineSeries::new(
        std::iter::once((0.0, h.step_losses.first().copied().unwrap_or(0.0)))
            .chain(h.epochs.iter().map(|e| (e.epoch as f64, e.train_loss))),
        BLUE.stroke_width(3),
    ))?;

    // Test accuracy per epoch.
    let lo = h
        .epochs
        .iter()
        .map(|e| e.test_accuracy)
        .fold(1.0f64, f64::min);
    let lo = ((lo - 0.02) * 50.0).floor() / 50.0;
    let mut chart = ChartBuilder::on(&right);
    chart.margin(15);
    if labels {
        chart
            .caption("test accuracy", ("sans-serif", 18))
            .x_label_area_size(35)
            .y_label_area_size(50);
    }
    let mut chart = chart.build_cartesian_2d(0.5..n_epochs + 0.5, lo.max(0.0)..1.0)?;
    mesh(&mut chart, labels, "epoch", "accuracy")?;
    let points: Vec<(f64, f64)> = h
        .epochs
        .iter()
        .map(|e| (e.epoch as f64, e.test_accuracy))
        .collect();
    chart.draw_series(LineSeries::new(points.clone(), RED.stroke_width(3)))?;
    chart.draw_series(points.iter().map(|&p| Circle::new(p, 5, RED.filled())))?;
    root.present()?;
    Ok(())
}

type Chart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn mesh(
    chart: &mut Chart<'_, '_>,
    labels: bool,
    x: &str,
    y: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut m = chart.configure_mesh();
    if labels {
        m.x_desc(x).y_desc(y).label_style(("sans-serif", 14));
    } else {
        m.x_labels(0).y_labels(0);
    }
    m.draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fashion::train::EpochStats;

    fn history() -> History {
        let epochs = (1..=3)
            .map(|e| EpochStats {
                epoch: e,
                train_loss: 1.0 / e as f64,
                test_accuracy: 0.8 + 0.03 * e as f64,
                images_per_sec: 1000.0,
                seconds: 1.0,
            })
            .collect();
        History {
            epochs,
            step_losses: (0..30).map(|k| 2.0 / (1.0 + k as f64)).collect(),
            steps_per_epoch: 10,
        }
    }

    fn check_png(labels: bool) {
        let path =
            std::env::temp_dir().join(format!("fashion-plot-{}-{labels}.png", std::process::id()));
        write_png(&path, &history(), "test", labels).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        // PNG signature, then the IHDR chunk with width 1200 and height 450 (big-endian).
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&bytes[16..24], &[0, 0, 4, 176, 0, 0, 1, 194]);
    }

    #[test]
    fn renders_without_a_font() {
        check_png(false);
    }

    #[test]
    fn renders_with_a_system_font_if_any() {
        if system_font() {
            check_png(true);
        } else {
            println!("no system TrueType font: the labelled variant is not exercised here");
        }
    }
}
