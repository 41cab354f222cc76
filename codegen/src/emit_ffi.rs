//! Step 3b: the raw Rust declarations of the shims, `libtorch-sys/src/generated/ops_NN.rs`
//! (+ `mod.rs`).

use crate::kinds::{ArgKind, Ret};
use crate::model::Op;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// A Rust identifier for a schema name (`self` -> `self_`, keywords get a trailing `_`).
pub fn ident(name: &str) -> Ident {
    if crate::naming::is_rust_keyword(name) || name == "_" {
        format_ident!("{}_", name)
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// The FFI type of an argument kind (types from `libtorch_sys::abi`).
pub fn ffi_type(kind: ArgKind) -> TokenStream {
    use ArgKind::*;
    match kind {
        Tensor { .. } | OptTensor => quote!(ltrs_tensor),
        TensorList { .. } | ITensorList | OptTensorList => quote!(ltrs_tensor_list),
        Scalar | OptScalar => quote!(ltrs_scalar),
        ScalarList => quote!(ltrs_scalar_list),
        Int { .. } => quote!(i64),
        OptInt { .. } => quote!(ltrs_opt_int),
        IntList { .. } | OptIntList { .. } => quote!(ltrs_int_list),
        Float => quote!(f64),
        OptFloat => quote!(ltrs_opt_float),
        OptFloatList => quote!(ltrs_float_list),
        Bool => quote!(bool),
        OptBool => quote!(ltrs_opt_bool),
        BoolArray(_) => quote!(*const bool),
        Str | OptStr | Dimname => quote!(ltrs_str),
        DimnameList | OptDimnameList => quote!(ltrs_str_list),
        ScalarType | OptScalarType | Layout | OptLayout | MemoryFormat | OptMemoryFormat => {
            quote!(i32)
        }
        Device | OptDevice => quote!(ltrs_device),
        DeviceIndex => quote!(i8),
        OptGenerator => quote!(ltrs_generator),
        Storage => quote!(ltrs_storage),
        Stream => quote!(ltrs_stream),
    }
}

/// The pointee type of a return's out-pointer; None for `SelfRef`.
pub fn ffi_ret_type(ret: Ret) -> Option<TokenStream> {
    Some(match ret {
        Ret::SelfRef => return None,
        Ret::Tensor => quote!(ltrs_tensor),
        Ret::TensorVec => quote!(ltrs_tensor_vec),
        Ret::Bool | Ret::SymBool => quote!(bool),
        Ret::Int | Ret::SymInt => quote!(i64),
        Ret::Float => quote!(f64),
        Ret::ScalarType | Ret::QScheme => quote!(i32),
        Ret::Scalar => quote!(ltrs_scalar),
    })
}

fn decl(op: &Op) -> TokenStream {
    let name = format_ident!("{}", op.c_name());
    let doc = format!(" `{}`", op.schema);
    let outs = op.returns.iter().enumerate().filter_map(|(i, r)| {
        let t = ffi_ret_type(*r)?;
        let n = format_ident!("out{}", i);
        Some(quote!(#n: *mut #t))
    });
    let args = op.args.iter().map(|a| {
        let n = ident(&a.name);
        let t = ffi_type(a.kind);
        quote!(#n: #t)
    });
    let gate = op.versions.cfg_attr();
    quote! {
        #[doc = #doc]
        #gate
        pub fn #name(#(#outs,)* #(#args),*) -> *mut ltrs_error;
    }
}

/// One shard's declarations, `libtorch-sys/src/generated/ops_NN.rs`.
pub fn file(ops: &[&Op]) -> String {
    let decls = ops.iter().map(|op| decl(op));
    let tokens = quote! {
        //! The raw declarations of one shard of generated shims (`shim/generated/ops_NN.cpp` of
        //! the same `NN`), one per ATen operator overload.
        //!
        //! Each takes its out-pointers first, then the arguments in schema order, and returns a
        //! null error on success. See `shim/ltrs.h` for ownership and None encodings.
        #![allow(non_snake_case, clippy::too_many_arguments)]

        use crate::abi::*;

        extern "C" {
            #(#decls)*
        }
    };
    let file: syn::File = syn::parse2(tokens).expect("generated FFI parses");
    format!(
        "{}{}",
        crate::emit_cpp::HEADER,
        prettyplease::unparse(&file)
    )
}

/// `libtorch-sys/src/generated/mod.rs`: the module `libtorch_sys::ops`, every shard's
/// declarations in one namespace.
pub fn mod_file(shards: &[String]) -> String {
    let mut s = String::from(crate::emit_cpp::HEADER);
    s.push_str("//! The raw declarations of the generated shims (`shim/generated/ops_NN.cpp`), one per ATen\n\
                //! operator overload, all in one namespace: `libtorch_sys::ops::ltrs_add_Tensor`.\n\n");
    for n in shards {
        s.push_str(&format!("#[rustfmt::skip]\nmod {n};\npub use {n}::*;\n"));
    }
    s
}
