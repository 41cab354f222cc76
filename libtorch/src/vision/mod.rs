//! Computer vision, as torchvision: detection operators ([`ops`]), image transforms
//! ([`transforms`]), image files ([`io`]) and classification models with torchvision's
//! parameter names ([`models`]), so a torchvision `state_dict` loads strictly.
#[cfg(feature = "image")]
pub mod io;
pub mod models;
pub mod ops;
pub mod transforms;
