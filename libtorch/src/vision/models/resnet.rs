//! ResNet (`torchvision.models.resnet18`, `resnet34`, `resnet50`, `resnet101`, `resnet152`).
use super::layers::{batch_norm, kaiming_normal_convs};
use crate::error::{unwrap, Error, Result};
use crate::nn::{
    visit_child, AdaptiveAvgPool2d, BatchNorm2d, Conv2d, ConvConfig, Linear, MaxPool2d, Module,
    Sequential, Slot,
};
use crate::Tensor;

const BN: (f64, f64) = (1e-5, 0.1);

fn conv(cin: i64, cout: i64, k: i64, stride: i64) -> Result<Conv2d> {
    let cfg = ConvConfig::default()
        .stride(stride)
        .padding(k / 2)
        .bias(false);
    Conv2d::f_make(cin, cout, k, cfg, false)
}

/// `downsample`: a 1×1 strided convolution and a batch norm (named `0`, `1`).
fn downsample(cin: i64, cout: i64, stride: i64) -> Result<Sequential> {
    Ok(Sequential::new()
        .add(conv(cin, cout, 1, stride)?)
        .add(batch_norm(cout, BN)?))
}

/// The two-convolution residual block of ResNet-18/34 (`BasicBlock`): `conv1`, `bn1`,
/// `conv2`, `bn2`, and `downsample` where the shape changes.
pub struct BasicBlock {
    conv1: Conv2d,
    bn1: BatchNorm2d,
    conv2: Conv2d,
    bn2: BatchNorm2d,
    downsample: Option<Sequential>,
}

impl BasicBlock {
    const EXPANSION: i64 = 1;

    fn new(
        inplanes: i64,
        planes: i64,
        stride: i64,
        downsample: Option<Sequential>,
    ) -> Result<Self> {
        Ok(BasicBlock {
            conv1: conv(inplanes, planes, 3, stride)?,
            bn1: batch_norm(planes, BN)?,
            conv2: conv(planes, planes, 3, 1)?,
            bn2: batch_norm(planes, BN)?,
            downsample,
        })
    }
}

impl Module for BasicBlock {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        let out = self.bn1.f_forward(&self.conv1.f_forward(x)?)?.f_relu()?;
        let out = self.bn2.f_forward(&self.conv2.f_forward(&out)?)?;
        let identity = match &self.downsample {
            Some(d) => d.f_forward(x)?,
            None => x.clone(),
        };
        out.f_add(&identity)?.f_relu()
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("conv1", &self.conv1, f);
        visit_child("bn1", &self.bn1, f);
        visit_child("conv2", &self.conv2, f);
        visit_child("bn2", &self.bn2, f);
        if let Some(d) = &self.downsample {
            visit_child("downsample", d, f);
        }
    }
    fn set_training(&mut self, on: bool) {
        self.bn1.set_training(on);
        self.bn2.set_training(on);
        if let Some(d) = &mut self.downsample {
            d.set_training(on);
        }
    }
    fn is_training(&self) -> bool {
        self.bn1.is_training()
    }
}

/// The 1×1-3×3-1×1 residual block of ResNet-50/101/152 (`Bottleneck`, stride on the 3×3):
/// `conv1`..`conv3`, `bn1`..`bn3`, and `downsample` where the shape changes.
pub struct Bottleneck {
    conv1: Conv2d,
    bn1: BatchNorm2d,
    conv2: Conv2d,
    bn2: BatchNorm2d,
    conv3: Conv2d,
    bn3: BatchNorm2d,
    downsample: Option<Sequential>,
}

impl Bottleneck {
    const EXPANSION: i64 = 4;

    fn new(
        inplanes: i64,
        planes: i64,
        stride: i64,
        downsample: Option<Sequential>,
    ) -> Result<Self> {
        let width = planes; // groups = 1, base_width = 64
        Ok(Bottleneck {
            conv1: conv(inplanes, width, 1, 1)?,
            bn1: batch_norm(width, BN)?,
            conv2: conv(width, width, 3, stride)?,
            bn2: batch_norm(width, BN)?,
            conv3: conv(width, planes * Self::EXPANSION, 1, 1)?,
            bn3: batch_norm(planes * Self::EXPANSION, BN)?,
            downsample,
        })
    }
}

impl Module for Bottleneck {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        let out = self.bn1.f_forward(&self.conv1.f_forward(x)?)?.f_relu()?;
        let out = self.bn2.f_forward(&self.conv2.f_forward(&out)?)?.f_relu()?;
        let out = self.bn3.f_forward(&self.conv3.f_forward(&out)?)?;
        let identity = match &self.downsample {
            Some(d) => d.f_forward(x)?,
            None => x.clone(),
        };
        out.f_add(&identity)?.f_relu()
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("conv1", &self.conv1, f);
        visit_child("bn1", &self.bn1, f);
        visit_child("conv2", &self.conv2, f);
        visit_child("bn2", &self.bn2, f);
        visit_child("conv3", &self.conv3, f);
        visit_child("bn3", &self.bn3, f);
        if let Some(d) = &self.downsample {
            visit_child("downsample", d, f);
        }
    }
    fn set_training(&mut self, on: bool) {
        for b in [&mut self.bn1, &mut self.bn2, &mut self.bn3] {
            b.set_training(on);
        }
        if let Some(d) = &mut self.downsample {
            d.set_training(on);
        }
    }
    fn is_training(&self) -> bool {
        self.bn1.is_training()
    }
}

/// Which residual block a ResNet stacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// [`BasicBlock`] (ResNet-18, -34).
    Basic,
    /// [`Bottleneck`] (ResNet-50, -101, -152).
    Bottleneck,
}

/// A ResNet with torchvision's parameter names (`conv1`, `bn1`, `layer1.0.conv1`, ...,
/// `fc`) and initialisation (convolutions `kaiming_normal_(mode="fan_out")`, batch norms 1/0,
/// `fc` PyTorch's `Linear` default), on `[N, 3, H, W]` images (224×224 for ImageNet weights).
///
/// ```
/// use libtorch::nn::Module;
/// use libtorch::vision::models::resnet18;
/// use libtorch::Tensor;
/// let mut net = resnet18(10);
/// net.eval();
/// let y = net.forward(&Tensor::zeros(&[1, 3, 32, 32]));
/// assert_eq!(y.size(), [1, 10]);
/// assert_eq!(net.state_dict().len(), 122); // as torchvision's resnet18().state_dict()
/// ```
pub struct ResNet {
    conv1: Conv2d,
    bn1: BatchNorm2d,
    maxpool: MaxPool2d,
    layers: [Sequential; 4],
    avgpool: AdaptiveAvgPool2d,
    /// The classifier, `Linear(512 * expansion, num_classes)`; replace it to fine-tune.
    pub fc: Linear,
}

impl ResNet {
    /// A ResNet of `block`s, `layers[i]` of them in stage `i`, with `num_classes` outputs
    /// (torchvision's `ResNet(block, layers, num_classes)`).
    pub fn f_new(block: Block, layers: [i64; 4], num_classes: i64) -> Result<ResNet> {
        if num_classes <= 0 || layers.iter().any(|&n| n <= 0) {
            return Err(Error::invalid(
                "ResNet",
                format!(
                    "num_classes ({num_classes}) and block counts ({layers:?}) must be positive"
                ),
            ));
        }
        let expansion = match block {
            Block::Basic => BasicBlock::EXPANSION,
            Block::Bottleneck => Bottleneck::EXPANSION,
        };
        let conv1 = Conv2d::f_make(
            3,
            64,
            7,
            ConvConfig::default().stride(2).padding(3).bias(false),
            false,
        )?;
        let bn1 = batch_norm(64, BN)?;
        let mut inplanes = 64;
        let mut stages = Vec::new();
        for (i, (&n, planes)) in layers.iter().zip([64, 128, 256, 512]).enumerate() {
            let stride = if i == 0 { 1 } else { 2 };
            // torchvision's _make_layer: the downsample is built before the first block
            let mut ds = if stride != 1 || inplanes != planes * expansion {
                Some(downsample(inplanes, planes * expansion, stride)?)
            } else {
                None
            };
            let mut s = Sequential::new();
            for k in 0..n {
                let (cin, st, d) = if k == 0 {
                    (inplanes, stride, ds.take())
                } else {
                    (planes * expansion, 1, None)
                };
                s = match block {
                    Block::Basic => s.add(BasicBlock::new(cin, planes, st, d)?),
                    Block::Bottleneck => s.add(Bottleneck::new(cin, planes, st, d)?),
                };
            }
            inplanes = planes * expansion;
            stages.push(s);
        }
        let fc = Linear::f_new(512 * expansion, num_classes, true)?;
        let layers: [Sequential; 4] = stages.try_into().ok().expect("four stages");
        let mut maxpool = MaxPool2d::new(3);
        maxpool.stride = 2;
        maxpool.padding = 1;
        let net = ResNet {
            conv1,
            bn1,
            maxpool,
            layers,
            avgpool: AdaptiveAvgPool2d {
                output_size: (1, 1),
            },
            fc,
        };
        kaiming_normal_convs(&net)?;
        Ok(net)
    }
}

macro_rules! resnets {
    ($($(#[$doc:meta])* $name:ident => $block:ident, $layers:expr;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(num_classes: i64) -> ResNet {
            unwrap(ResNet::f_new(Block::$block, $layers, num_classes))
        }
    )*};
}

resnets! {
    /// ResNet-18 (`torchvision.models.resnet18(num_classes=...)`, 11.7M parameters at 1000
    /// classes).
    resnet18 => Basic, [2, 2, 2, 2];
    /// ResNet-34.
    resnet34 => Basic, [3, 4, 6, 3];
    /// ResNet-50 (25.6M parameters at 1000 classes).
    resnet50 => Bottleneck, [3, 4, 6, 3];
    /// ResNet-101.
    resnet101 => Bottleneck, [3, 4, 23, 3];
    /// ResNet-152.
    resnet152 => Bottleneck, [3, 8, 36, 3];
}

impl Module for ResNet {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        let r = (|| {
            let mut x = self.bn1.f_forward(&self.conv1.f_forward(x)?)?.f_relu()?;
            x = self.maxpool.f_forward(&x)?;
            for l in &self.layers {
                x = l.f_forward(&x)?;
            }
            let x = self.avgpool.f_forward(&x)?.f_flatten_with(1, -1)?;
            self.fc.f_forward(&x)
        })();
        r.map_err(|e: Error| e.in_call("ResNet"))
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("conv1", &self.conv1, f);
        visit_child("bn1", &self.bn1, f);
        for (i, l) in self.layers.iter().enumerate() {
            visit_child(&format!("layer{}", i + 1), l, f);
        }
        visit_child("fc", &self.fc, f);
    }
    fn set_training(&mut self, on: bool) {
        self.bn1.set_training(on);
        for l in &mut self.layers {
            l.set_training(on);
        }
    }
    fn is_training(&self) -> bool {
        self.bn1.is_training()
    }
}
