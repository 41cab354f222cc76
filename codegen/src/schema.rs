//! The schema strings (`aten::add.Tensor(Tensor self, ...) -> Tensor`), parsed for what
//! Declarations.yaml's structured fields do not say: SymInt types, alias and mutation
//! annotations, fixed list lengths (`int[2]`).

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaArg {
    /// The type without annotation, e.g. `SymInt[]`, `Tensor?`.
    pub base: String,
    pub name: String,
    /// The alias set letter, e.g. `a` for `Tensor(a!)`.
    pub alias: Option<String>,
    pub mutable: bool,
}

#[derive(Debug)]
pub struct Schema {
    pub args: Vec<SchemaArg>,
    pub returns: Vec<SchemaArg>,
}

/// Splits at top-level commas (outside brackets, parentheses and string literals).
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start, mut in_str, mut escaped) = (0i32, 0usize, false, false);
    for (i, c) in s.char_indices() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = s[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

/// `Tensor(a!) self=...` / `Tensor(a)` -> its parts.
pub fn parse_schema_arg(s: &str) -> SchemaArg {
    let s = s.split_once('=').map_or(s, |(l, _)| l).trim();
    // The type ends at the first space outside parentheses.
    let mut depth = 0;
    let mut split = s.len();
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ' ' if depth == 0 => {
                split = i;
                break;
            }
            _ => {}
        }
    }
    let (ty, name) = (&s[..split], s[split..].trim());
    let (base, alias, mutable) = match (ty.find('('), ty.find(')')) {
        (Some(open), Some(close)) => {
            let ann = &ty[open + 1..close];
            let letter = ann
                .split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or("");
            (
                format!("{}{}", &ty[..open], &ty[close + 1..]),
                Some(letter.to_owned()).filter(|l| !l.is_empty()),
                ann.contains('!'),
            )
        }
        _ => (ty.to_owned(), None, false),
    };
    SchemaArg {
        base,
        name: name.to_owned(),
        alias,
        mutable,
    }
}

pub fn parse_schema(schema: &str) -> Result<Schema, String> {
    let bad = || format!("cannot parse schema `{schema}`");
    let open = schema.find('(').ok_or_else(bad)?;
    let mut depth = 0;
    let mut close = None;
    for (i, c) in schema[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close.ok_or_else(bad)?;
    let args = split_top(&schema[open + 1..close])
        .into_iter()
        .filter(|a| *a != "*")
        .map(parse_schema_arg)
        .collect();
    let rets = schema[close + 1..]
        .trim()
        .strip_prefix("->")
        .ok_or_else(bad)?
        .trim();
    let returns = match rets.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => split_top(inner).into_iter().map(parse_schema_arg).collect(),
        None => vec![parse_schema_arg(rets)],
    };
    Ok(Schema { args, returns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_parsing() {
        let s = parse_schema(
            "aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",
        )
        .unwrap();
        assert_eq!(s.args.len(), 3);
        assert_eq!(s.args[0].base, "Tensor");
        assert!(s.args[0].mutable);
        assert_eq!(s.args[0].alias.as_deref(), Some("a"));
        assert_eq!(s.returns[0].alias.as_deref(), Some("a"));
        let s = parse_schema(
            "aten::f(Tensor self, SymInt[1]? d=None, int[2] k=[-2,-1], str s=\"a,b\") -> (Tensor values, Tensor indices)",
        )
        .unwrap();
        assert_eq!(s.args.len(), 4);
        assert_eq!(s.args[1].base, "SymInt[1]?");
        assert_eq!(s.args[3].name, "s");
        assert_eq!(s.returns.len(), 2);
        assert_eq!(s.returns[1].name, "indices");
        let s = parse_schema("aten::g(Tensor(a -> *) self) -> Tensor(a)[]").unwrap();
        assert_eq!(s.args[0].name, "self");
        assert!(!s.args[0].mutable);
        let s = parse_schema("aten::h(Tensor(a!)[] self) -> ()").unwrap();
        assert!(s.args[0].mutable);
        assert_eq!(s.returns.len(), 0);
    }
}
