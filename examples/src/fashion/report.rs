//! The confusion matrix, printed as a table.
use super::CLASSES;

/// The confusion matrix as text: one row per true class, one column per predicted class, and
/// each class's recall.
pub fn confusion_table(m: &[[u64; 10]; 10]) -> String {
    let mut s = String::from("confusion matrix (rows: true class, columns: predicted)\n");
    s.push_str(&format!("{:>12}", ""));
    for j in 0..10 {
        s.push_str(&format!("{j:>6}"));
    }
    s.push_str("  recall\n");
    for (i, row) in m.iter().enumerate() {
        s.push_str(&format!("{:>9} {i:>2}", short(CLASSES[i])));
        for v in row {
            s.push_str(&format!("{v:>6}"));
        }
        let total: u64 = row.iter().sum();
        let recall = row[i] as f64 / total.max(1) as f64;
        s.push_str(&format!("  {:>5.1}%\n", 100.0 * recall));
    }
    s
}

fn short(name: &str) -> &str {
    &name[..name.len().min(9)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_counts_and_recall() {
        let mut m = [[0u64; 10]; 10];
        m[0][0] = 3;
        m[0][6] = 1;
        m[9][9] = 2;
        let t = confusion_table(&m);
        let row0 = t.lines().nth(2).unwrap();
        assert!(row0.starts_with("T-shirt/t  0"), "{row0}");
        assert!(row0.ends_with("75.0%"), "{row0}");
        assert!(t.lines().nth(11).unwrap().ends_with("100.0%"));
    }
}
