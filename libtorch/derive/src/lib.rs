//! `#[derive(Module)]` for the `libtorch` crate; use it as `libtorch::nn::Module` (the derive and
//! the trait share the name, as serde's do). Its documentation, with examples, is on
//! `libtorch::nn::Module`.
use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_macro_input, Data, DeriveInput, Fields, Ident, LitStr};

/// Implements `libtorch::nn::Module` for a struct from its fields, in declaration order (which is
/// PyTorch's registration order, so `state_dict()` and files list them as PyTorch would):
///
/// - a `Tensor` (or `Option<Tensor>`) field is a parameter under the field's name;
///   `#[module(buffer)]` makes it a buffer;
/// - a field whose type implements `Module` is a child: its tensors are named `field.name`;
///   `Option<M>` is a child when `Some`, `Vec<M>` children are named `field.0`, `field.1`, ...
///   (`nn.ModuleList`);
/// - numbers, `bool`, `String`, `Kind`, `Device` are configuration and skipped, as is any field
///   marked `#[module(skip)]`;
/// - a `training: bool` field, if present, holds the module's own mode; without one,
///   `is_training()` is false when a child is in eval mode.
///
/// The forward pass is the struct's inherent `fn f_forward(&self, xs: &Tensor) -> Result<Tensor>`;
/// `#[module(no_forward)]` on the struct says there is none (a container whose methods the user
/// calls), and `forward` then returns an error.
#[proc_macro_derive(Module, attributes(module))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// What `#[module(...)]` says about a field.
#[derive(PartialEq)]
enum Role {
    /// A parameter, a child module or configuration: decided by the field's type, through
    /// `libtorch::nn::ModuleField`.
    ByType,
    Buffer,
    Skip,
}

fn field_role(attrs: &[syn::Attribute]) -> syn::Result<Role> {
    let mut role = Role::ByType;
    for attr in attrs.iter().filter(|a| a.path().is_ident("module")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("buffer") {
                role = Role::Buffer;
                Ok(())
            } else if meta.path.is_ident("skip") {
                role = Role::Skip;
                Ok(())
            } else {
                Err(meta.error("expected `#[module(buffer)]` or `#[module(skip)]`"))
            }
        })?;
    }
    Ok(role)
}

fn has_forward(attrs: &[syn::Attribute]) -> syn::Result<bool> {
    let mut forward = true;
    for attr in attrs.iter().filter(|a| a.path().is_ident("module")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("no_forward") {
                forward = false;
                Ok(())
            } else {
                Err(meta.error("expected `#[module(no_forward)]`"))
            }
        })?;
    }
    Ok(forward)
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.span(),
            "#[derive(Module)] needs a struct (its fields are the module's tensors and children)",
        ));
    };
    // (field access, its name in state_dict, role, span)
    let mut fields: Vec<(Tokens, String, Role, proc_macro2::Span)> = Vec::new();
    let mut training_field = None;
    match &data.fields {
        Fields::Named(named) => {
            for f in &named.named {
                let ident: &Ident = f.ident.as_ref().expect("named field");
                let key = ident.to_string();
                let key = key.strip_prefix("r#").unwrap_or(&key).to_owned();
                if key == "training" && is_bool(&f.ty) {
                    training_field = Some(quote!(self.#ident));
                    continue;
                }
                fields.push((quote!(self.#ident), key, field_role(&f.attrs)?, f.ty.span()));
            }
        }
        Fields::Unnamed(unnamed) => {
            for (i, f) in unnamed.unnamed.iter().enumerate() {
                let index = syn::Index::from(i);
                fields.push((
                    quote!(self.#index),
                    i.to_string(),
                    field_role(&f.attrs)?,
                    f.ty.span(),
                ));
            }
        }
        Fields::Unit => {}
    }
    let lib = quote!(::libtorch::nn);
    let visits = fields.iter().map(|(access, key, role, span)| {
        let key = LitStr::new(key, *span);
        match role {
            Role::ByType => {
                quote_spanned!(*span=> #lib::ModuleField::visit_field(&#access, #key, f);)
            }
            Role::Buffer => {
                quote_spanned!(*span=> #lib::BufferField::visit_buffer(&#access, #key, f);)
            }
            Role::Skip => quote!(),
        }
    });
    let by_type: Vec<&Tokens> = fields
        .iter()
        .filter(|(_, _, role, _)| *role == Role::ByType)
        .map(|(access, ..)| access)
        .collect();
    let set_own = training_field.as_ref().map(|t| quote!(#t = training;));
    let is_training = match &training_field {
        Some(t) => quote!(#t),
        // Layers without modes (Linear) always say "training": one child in eval mode means
        // the struct was put in eval mode.
        None => quote!({
            true #( && #lib::ModuleField::is_training_field(&#by_type) != Some(false) )*
        }),
    };
    let forward = if has_forward(&input.attrs)? {
        // The struct's inherent `f_forward`: inherent functions win over traits' in a path like
        // `Self::f_forward`. Without one, the path would name this very trait method (endless
        // recursion, whose lint is silent in macro output); with the second trait below also
        // in scope, it is instead an ambiguity error naming what is missing.
        quote!(
            fn f_forward(&self, xs: &::libtorch::Tensor) -> ::libtorch::Result<::libtorch::Tensor> {
                use #lib::Module as _;
                #[allow(non_camel_case_types)]
                trait derive_Module_needs_an_inherent_fn_f_forward {
                    fn f_forward(&self, xs: &::libtorch::Tensor) -> ::libtorch::Result<::libtorch::Tensor>;
                }
                impl<T: ?::std::marker::Sized> derive_Module_needs_an_inherent_fn_f_forward for T {
                    fn f_forward(&self, _: &::libtorch::Tensor) -> ::libtorch::Result<::libtorch::Tensor> {
                        ::std::unreachable!()
                    }
                }
                Self::f_forward(self, xs)
            }
        )
    } else {
        let module = LitStr::new(&name.to_string(), name.span());
        quote!(
            fn f_forward(&self, _xs: &::libtorch::Tensor) -> ::libtorch::Result<::libtorch::Tensor> {
                #lib::no_forward(#module)
            }
        )
    };
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #lib::Module for #name #ty_generics #where_clause {
            #forward
            fn visit(&self, f: &mut dyn FnMut(&str, #lib::Slot, &::libtorch::Tensor)) {
                #( #visits )*
            }
            fn set_training(&mut self, training: bool) {
                #set_own
                #( #lib::ModuleField::set_training_field(&mut #by_type, training); )*
            }
            fn is_training(&self) -> bool {
                #is_training
            }
        }
    })
}

fn is_bool(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident("bool"))
}
