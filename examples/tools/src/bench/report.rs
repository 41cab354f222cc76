//! The results table, as Markdown (so it pastes into the README unchanged).
use super::Unit;

/// One row: a workload's two numbers in its unit.
pub struct Row {
    /// `(a) add`, ...
    pub label: String,
    /// The unit of the two numbers, e.g. `ns/op`.
    pub unit: String,
    /// The baseline's number.
    pub base: f64,
    /// Ours.
    pub ours: f64,
    /// Extra text after the numbers (spread).
    pub note: String,
    /// The acceptable ours/base ratio, if any.
    pub budget: Option<f64>,
}

impl Row {
    /// ours / base.
    pub fn ratio(&self) -> f64 {
        self.ours / self.base
    }

    /// Whether the ratio is within the budget (true when there is none).
    pub fn within_budget(&self) -> bool {
        self.budget.is_none_or(|b| self.ratio() <= b)
    }
}

/// Formats a time in seconds per iteration in `unit`.
pub fn in_unit(seconds: f64, unit: Unit) -> f64 {
    seconds * unit.per_second()
}

fn number(x: f64) -> String {
    if x >= 100_000.0 {
        format!("{x:.0}")
    } else if x >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

/// Prints the rows as a Markdown table with a header naming the baseline column.
pub fn print_table(rows: &[Row], base_header: &str) {
    println!(
        "| workload | unit | {base_header} | ours | ours/base | budget | spread (base, ours) |"
    );
    println!("|---|---|--:|--:|--:|---|---|");
    for r in rows {
        let budget = match r.budget {
            Some(b) if r.within_budget() => format!("≤ {b:.2} ok"),
            Some(b) => format!("≤ {b:.2} **MISSED**"),
            None => "-".to_string(),
        };
        println!(
            "| {} | {} | {} | {} | {:.3} | {budget} | {} |",
            r.label,
            r.unit,
            number(r.base),
            number(r.ours),
            r.ratio(),
            r.note
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_and_budget() {
        let row = Row {
            label: "x".into(),
            unit: "ns/op".into(),
            base: 100.0,
            ours: 104.0,
            note: String::new(),
            budget: Some(1.03),
        };
        assert!((row.ratio() - 1.04).abs() < 1e-12);
        assert!(!row.within_budget());
        assert!(Row {
            budget: Some(1.05),
            ..row
        }
        .within_budget());
        assert_eq!(in_unit(2.0, Unit::Ms), 2000.0);
        assert_eq!(number(1234.56), "1234.6");
        assert_eq!(number(1.23456), "1.235");
    }
}
