//! Step 3d: the fuzz table, `examples/tools/src/fuzz/generated/table.rs`: for every bound op, one
//! function that draws each argument from a [`Gen`] and calls the op's full `f_` form, so the fuzz
//! driver (examples/tools/src/fuzz/) can throw random arguments at all of them by index.
//!
//! Each argument kind maps to one `Gen` method (what it draws) and one expression passing the
//! drawn value the way the safe API takes it (`&x`, `x.as_ref()`, ...).

use crate::kinds::ArgKind;
use crate::model::{NumberTwin, Op};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// How argument `x` of `kind` is drawn (`let` statements) and passed (an expression).
fn draw(kind: ArgKind, x: &proc_macro2::Ident) -> (TokenStream, TokenStream) {
    use ArgKind::*;
    let by_ref = |m: TokenStream| (quote!(let #x = g.#m;), quote!(&#x));
    let by_val = |m: TokenStream| (quote!(let #x = g.#m;), quote!(#x));
    let as_ref = |m: TokenStream| (quote!(let #x = g.#m;), quote!(#x.as_ref()));
    let as_deref = |m: TokenStream| (quote!(let #x = g.#m;), quote!(#x.as_deref()));
    let by_mut = |m: TokenStream| (quote!(let mut #x = g.#m;), quote!(&mut #x));
    match kind {
        Tensor { mutable: false, .. } => by_ref(quote!(tensor())),
        Tensor { mutable: true, .. } => by_mut(quote!(tensor())),
        OptTensor => as_ref(quote!(opt_tensor())),
        TensorList { mutable: false } | ITensorList => by_ref(quote!(tensor_list())),
        TensorList { mutable: true } => by_mut(quote!(tensor_list())),
        OptTensorList => (
            quote!(let #x = g.opt_tensor_list(); let #x: Vec<Option<&Tensor>> = #x.iter().map(Option::as_ref).collect();),
            quote!(&#x),
        ),
        Scalar => by_val(quote!(scalar())),
        OptScalar => by_val(quote!(opt_scalar())),
        ScalarList => by_ref(quote!(scalar_list())),
        Int { .. } => by_val(quote!(int())),
        OptInt { .. } => by_val(quote!(opt_int())),
        IntList { .. } => by_ref(quote!(int_list())),
        OptIntList { .. } => as_deref(quote!(opt_int_list())),
        Float => by_val(quote!(float())),
        OptFloat => by_val(quote!(opt_float())),
        OptFloatList => as_deref(quote!(opt_float_list())),
        Bool => by_val(quote!(bool())),
        OptBool => by_val(quote!(opt_bool())),
        BoolArray(n) => {
            let n = Literal::usize_unsuffixed(n);
            by_val(quote!(bool_array::<#n>()))
        }
        Str => by_ref(quote!(string())),
        OptStr => as_deref(quote!(opt_string())),
        ScalarType => by_val(quote!(kind())),
        OptScalarType => by_val(quote!(opt_kind())),
        Layout => by_val(quote!(layout())),
        OptLayout => by_val(quote!(opt_layout())),
        MemoryFormat => by_val(quote!(memory_format())),
        OptMemoryFormat => by_val(quote!(opt_memory_format())),
        Device => by_val(quote!(device())),
        OptDevice => by_val(quote!(opt_device())),
        DeviceIndex => by_val(quote!(device_index())),
        OptGenerator => as_ref(quote!(opt_generator())),
        Dimname => by_ref(quote!(dimname())),
        DimnameList => (
            quote!(let #x = g.dimname_list(); let #x: Vec<&str> = #x.iter().map(String::as_str).collect();),
            quote!(&#x),
        ),
        OptDimnameList => (
            quote!(let #x = g.opt_dimname_list(); let #x: Option<Vec<&str>> = #x.as_ref().map(|l| l.iter().map(String::as_str).collect());),
            quote!(#x.as_deref()),
        ),
        Storage => by_ref(quote!(storage())),
        Stream => by_val(quote!(stream())),
    }
}

fn call_fn(i: usize, op: &Op) -> TokenStream {
    let f = format_ident!("op_{}", i);
    let name = format_ident!("{}", op.full_fn_name());
    let mut stmts = Vec::new();
    let mut passed = Vec::new();
    for (j, a) in op.args.iter().enumerate() {
        let x = format_ident!("a{}", j);
        let (stmt, expr) = match a.number_twin {
            // A tensor or None (the number path is the `Scalar?` twin's own entry).
            Some(NumberTwin::Optional(_)) => (
                quote!(let #x = g.opt_tensor();),
                quote!(#x.as_ref().map_or(OptionalOperand::Absent, OptionalOperand::Tensor)),
            ),
            _ => draw(a.kind, &x),
        };
        stmts.push(stmt);
        passed.push(expr);
    }
    let call = if op.is_method {
        // The receiver is a value (autoref makes `&x` / `&mut x` of it).
        let recv = format_ident!("a0");
        let rest = &passed[1..];
        quote!(#recv.#name(#(#rest),*))
    } else {
        quote!(Tensor::#name(#(#passed),*))
    };
    // An op without arguments draws nothing.
    let g = if op.args.is_empty() {
        format_ident!("_g")
    } else {
        format_ident!("g")
    };
    let gate = op.versions.cfg_attr();
    quote! {
        #gate
        fn #f(#g: &mut Gen) -> Result<()> {
            #(#stmts)*
            #call.map(drop)
        }
    }
}

/// The whole table file.
pub fn file(ops: &[Op]) -> String {
    let entries = ops.iter().enumerate().map(|(i, op)| {
        let f = format_ident!("op_{}", i);
        let key = &op.key;
        let gate = op.versions.cfg_attr();
        quote!(#gate (#key, #f))
    });
    let fns = ops.iter().enumerate().map(|(i, op)| call_fn(i, op));
    let tokens = quote! {
        #![allow(unused_mut, clippy::let_unit_value, clippy::needless_borrow)]
        use crate::fuzz::gen::Gen;
        use libtorch::{OptionalOperand, Result, Tensor};

        /// One fuzz call: draw the arguments, call the op, drop what it returns.
        pub type Call = fn(&mut Gen) -> Result<()>;

        /// Every bound op, by its declaration key (`add.Tensor`), in the generator's order.
        pub static OPS: &[(&str, Call)] = &[#(#entries),*];

        #(#fns)*
    };
    let file: syn::File = match syn::parse2(tokens) {
        Ok(f) => f,
        Err(e) => panic!("generated fuzz table does not parse: {e}"),
    };
    format!(
        "{}{}",
        crate::emit_cpp::HEADER,
        prettyplease::unparse(&file)
    )
}
