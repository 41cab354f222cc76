//! Image classifiers as `torchvision.models`, with torchvision's parameter names, registration
//! order and initialisation: a `state_dict` saved from torchvision (`torch.save(m.state_dict(),
//! p)`) loads strictly with [`serialize::load_module`](crate::serialize::load_module) and gives
//! torchvision's outputs.
//!
//! | torchvision | here |
//! |---|---|
//! | `resnet18(num_classes=10)`, `resnet34`, `resnet50`, `resnet101`, `resnet152` | [`resnet18`]`(10)`, ... ([`ResNet`]) |
//! | `mobilenet_v3_small(num_classes=...)`, `mobilenet_v3_large` | [`mobilenet_v3_small`], [`mobilenet_v3_large`] ([`MobileNetV3`]) |
//! | `vit_b_16(num_classes=...)`, `VisionTransformer(image_size, patch_size, ...)` | [`vit_b_16`], [`VisionTransformer::new`]`(`[`VitConfig`]`)` |
//!
//! ```no_run
//! use libtorch::nn::Module;
//! use libtorch::vision::{io, models, transforms::functional as TF};
//! // in Python: torch.save(torchvision.models.resnet50(weights="DEFAULT").state_dict(), "r50.pt")
//! let mut net = models::resnet50(1000);
//! libtorch::serialize::load_module(&net, "r50.pt").unwrap();
//! net.eval();
//! let img = io::load_image("cat.jpg").unwrap();
//! let img = TF::resize(&img, &[232], TF::InterpolationMode::Bilinear, None, true).unwrap();
//! let img = TF::normalize(&img, &[0.485, 0.456, 0.406], &[0.229, 0.224, 0.225]).unwrap();
//! let logits = libtorch::no_grad(|| net.forward(&img.unsqueeze(0)));
//! ```
mod layers;
mod mobilenet;
mod resnet;
mod vit;

pub use mobilenet::{mobilenet_v3_large, mobilenet_v3_small, MobileNetV3, MobileNetV3Arch};
pub use resnet::{
    resnet101, resnet152, resnet18, resnet34, resnet50, BasicBlock, Block, Bottleneck, ResNet,
};
pub use vit::{vit_b_16, VisionTransformer, VitConfig};
