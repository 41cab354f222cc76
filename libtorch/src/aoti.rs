//! AOTInductor packages (`.pt2` files made by `torch._inductor.aoti_compile_and_package`).
//! Being written.
