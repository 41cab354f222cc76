//! The guards of spec/rules.yaml: per operator, calls of Rust functions in
//! `libtorch/src/guards/`, resolved here against the operator's schema arguments.
//!
//! A guard is written as the call it becomes, less the operator name every guard function takes
//! first (`libtorch/src/guards/mod.rs` documents the syntax for the guard writer):
//!
//! ```text
//! pool::pool2d_indices(self, indices)        guards::pool::pool2d_indices(op, self, indices)?;
//! args::list_len(@padding, 2)                guards::args::list_len(op, ("padding", padding), 2)?;
//! args::dim_in(@self, [2, 3])                guards::args::dim_in(op, ("self", self), [2, 3])?;
//! stride = args::expand_singleton(@stride, 3)  rebinds `stride` to the function's result
//! ```
//!
//! Here every name must be an argument of the schema (an unknown one is a codegen error, which
//! names the operator); `!x` must be a `bool`; the rest (does the function exist, do the types
//! fit) is rustc's to check when it compiles the generated call.

use crate::kinds::ArgKind;
use crate::model::Op;

/// One guard: a call, whose result may rebind an argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    /// `stride = ...`: the argument (an index into `Op::args`) the result replaces for the
    /// later guards and the call.
    pub rebinds: Option<usize>,
    pub call: Call,
}

/// `module::function(args...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The path under `libtorch::guards`, e.g. `["pool", "pool2d_indices"]`.
    pub path: Vec<String>,
    pub args: Vec<Expr>,
}

/// One argument of a guard call.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `x`: the value of schema argument `x`.
    Arg(usize),
    /// `@x`: the pair `("x", x)`, for functions whose messages name the argument.
    Named(usize),
    /// `!x`: the negation of the bool argument `x`.
    Not(usize),
    /// An integer literal.
    Int(i64),
    Bool(bool),
    /// `[a, b]`: an array.
    Array(Vec<Expr>),
    /// `(a, b)`: a tuple.
    Tuple(Vec<Expr>),
    /// A nested call (no operator name, no `?`), e.g. `args::len(@grads)`.
    Call(Call),
}

/// Parses and resolves one op's guards, in the order given.
pub fn guards_of(op: &Op, specs: &[String]) -> Result<Vec<Guard>, String> {
    if specs.is_empty() {
        return Err("no guards listed".into());
    }
    specs
        .iter()
        .map(|s| parse_guard(op, s).map_err(|e| format!("`{s}`: {e}")))
        .collect()
}

fn parse_guard(op: &Op, text: &str) -> Result<Guard, String> {
    let mut p = Parser { op, text, pos: 0 };
    let rebinds = match text.split_once(" = ") {
        Some((name, _)) if is_ident(name.trim()) => {
            let i = p.arg(name.trim())?;
            if i == 0 && op.is_method {
                return Err("the receiver `self` cannot be rebound".into());
            }
            p.pos = text.find(" = ").unwrap() + 3;
            Some(i)
        }
        _ => None,
    };
    let call = p.call()?;
    p.skip_space();
    if p.pos != text.len() {
        return Err(format!("unexpected `{}`", &text[p.pos..]));
    }
    Ok(Guard { rebinds, call })
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// A recursive-descent parser over one guard's text.
struct Parser<'a> {
    op: &'a Op,
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn skip_space(&mut self) {
        while self.text[self.pos..].starts_with(' ') {
            self.pos += 1;
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        if self.text[self.pos..].starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(format!(
                "expected `{token}` at `{}`",
                &self.text[self.pos..]
            ))
        }
    }

    /// A name, a number, or a path segment.
    fn word(&mut self) -> Result<&'a str, String> {
        self.skip_space();
        let rest: &'a str = &self.text[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(format!("expected a name or number at `{rest}`"));
        }
        self.pos += len;
        Ok(&rest[..len])
    }

    /// The index of schema argument `name`.
    fn arg(&self, name: &str) -> Result<usize, String> {
        self.op
            .args
            .iter()
            .position(|a| a.name == name)
            .ok_or_else(|| format!("no argument `{name}` in `{}`", self.op.schema))
    }

    fn call(&mut self) -> Result<Call, String> {
        let mut path = vec![self.word()?.to_owned()];
        while self.eat("::") {
            path.push(self.word()?.to_owned());
        }
        if path.len() < 2 || !path.iter().all(|s| is_ident(s)) {
            return Err(format!(
                "`{}` is not `module::function` under libtorch/src/guards/",
                path.join("::")
            ));
        }
        self.expect("(")?;
        let args = self.list(")")?;
        Ok(Call { path, args })
    }

    /// Comma-separated expressions up to `close`.
    fn list(&mut self, close: &str) -> Result<Vec<Expr>, String> {
        let mut v = Vec::new();
        if self.eat(close) {
            return Ok(v);
        }
        loop {
            v.push(self.expr()?);
            if self.eat(close) {
                return Ok(v);
            }
            self.expect(",")?;
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        if self.eat("[") {
            return Ok(Expr::Array(self.list("]")?));
        }
        if self.eat("(") {
            return Ok(Expr::Tuple(self.list(")")?));
        }
        if self.eat("@") {
            let name = self.word()?;
            return Ok(Expr::Named(self.arg(name)?));
        }
        if self.eat("!") {
            let name = self.word()?;
            let i = self.arg(name)?;
            if self.op.args[i].kind != ArgKind::Bool {
                return Err(format!("`!{name}`: `{name}` is not a bool"));
            }
            return Ok(Expr::Not(i));
        }
        let start = self.pos;
        let word = self.word()?;
        if let Ok(n) = word.parse::<i64>() {
            return Ok(Expr::Int(n));
        }
        match word {
            "true" => return Ok(Expr::Bool(true)),
            "false" => return Ok(Expr::Bool(false)),
            _ => {}
        }
        let rest = self.text[self.pos..].trim_start();
        if rest.starts_with("::") {
            self.pos = start;
            return Ok(Expr::Call(self.call()?));
        }
        Ok(Expr::Arg(self.arg(word)?))
    }
}

/// Every argument a guard reads, in order of appearance (with repeats).
pub fn args_read(guard: &Guard) -> Vec<usize> {
    fn walk(e: &Expr, out: &mut Vec<usize>) {
        match e {
            Expr::Arg(i) | Expr::Named(i) | Expr::Not(i) => out.push(*i),
            Expr::Int(_) | Expr::Bool(_) => {}
            Expr::Array(v) | Expr::Tuple(v) => v.iter().for_each(|e| walk(e, out)),
            Expr::Call(c) => c.args.iter().for_each(|e| walk(e, out)),
        }
    }
    let mut out = Vec::new();
    guard.call.args.iter().for_each(|e| walk(e, &mut out));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::op_of;
    use crate::spec::{Argument, Declaration, Rules};
    use serde_yaml_ng::Value;

    fn decl(schema: &str, args: &[(&str, &str, Option<&str>)]) -> Declaration {
        Declaration {
            operator_name: "f".into(),
            overload_name: String::new(),
            schema_string: schema.into(),
            schema_order_arguments: args
                .iter()
                .map(|(n, t, d)| Argument {
                    name: (*n).into(),
                    cpp_type: (*t).into(),
                    default: d.map(|d| Value::String(d.into())),
                    output: false,
                })
                .collect(),
            returns: vec![crate::spec::Return {
                cpp_type: "at::Tensor".into(),
            }],
        }
    }

    fn conv() -> Op {
        let d = decl(
            "aten::f(Tensor self, int[2] padding, int[3] stride=1, bool flag=False) -> Tensor",
            &[
                ("self", "const at::Tensor &", None),
                ("padding", "at::IntArrayRef", None),
                ("stride", "at::IntArrayRef", Some("1")),
                ("flag", "bool", Some("false")),
            ],
        );
        op_of(&d, None, true).unwrap()
    }

    fn guards(specs: &[&str]) -> Result<Vec<Guard>, String> {
        let specs: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
        guards_of(&conv(), &specs)
    }

    #[test]
    fn calls_parse_and_resolve_against_the_schema() {
        let g = guards(&[
            "stride = args::expand_singleton(@stride, 3)",
            "pool::window(self, [padding, stride], (1, -2), !flag, true)",
            "args::same_len([args::len(@padding), args::len(@stride)])",
        ])
        .unwrap();
        assert_eq!(g[0].rebinds, Some(2));
        assert_eq!(g[0].call.path, ["args", "expand_singleton"]);
        assert_eq!(g[0].call.args, [Expr::Named(2), Expr::Int(3)]);
        assert_eq!(g[1].rebinds, None);
        assert_eq!(
            g[1].call.args,
            [
                Expr::Arg(0),
                Expr::Array(vec![Expr::Arg(1), Expr::Arg(2)]),
                Expr::Tuple(vec![Expr::Int(1), Expr::Int(-2)]),
                Expr::Not(3),
                Expr::Bool(true),
            ]
        );
        let len = |i| {
            Expr::Call(Call {
                path: vec!["args".into(), "len".into()],
                args: vec![Expr::Named(i)],
            })
        };
        assert_eq!(g[2].call.args, [Expr::Array(vec![len(1), len(2)])]);
        assert_eq!(args_read(&g[2]), [1, 2]);
    }

    #[test]
    fn unknown_names_bad_syntax_and_bad_rebinds_are_errors() {
        let e = guards(&["args::list_len(@paddin, 2)"]).unwrap_err();
        assert!(e.contains("no argument `paddin`"), "{e}");
        let e = guards(&["list_len(@padding, 2)"]).unwrap_err();
        assert!(e.contains("not `module::function`"), "{e}");
        let e = guards(&["args::list_len(@padding, 2"]).unwrap_err();
        assert!(e.contains("expected `,`"), "{e}");
        let e = guards(&["args::list_len(@padding, 2) x"]).unwrap_err();
        assert!(e.contains("unexpected"), "{e}");
        let e = guards(&["args::f(!padding)"]).unwrap_err();
        assert!(e.contains("not a bool"), "{e}");
        let e = guards(&["self = args::f(@self)"]).unwrap_err();
        assert!(e.contains("cannot be rebound"), "{e}");
        assert!(guards(&[]).is_err());
    }

    #[test]
    fn a_guard_naming_no_declaration_is_an_error() {
        let d = decl(
            "aten::f(Tensor self) -> Tensor",
            &[("self", "const at::Tensor &", None)],
        );
        let mut rules = Rules::default();
        rules
            .guards
            .insert("g".into(), vec!["args::defined(@self)".into()]);
        let e = crate::model::build_versions(&[vec![d]], &rules)
            .err()
            .unwrap();
        assert!(e.contains("`g`, which is no declaration"), "{e}");
    }
}
