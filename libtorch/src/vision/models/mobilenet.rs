//! MobileNetV3 (`torchvision.models.mobilenet_v3_small`, `mobilenet_v3_large`).
use super::layers::{conv_norm_act, Act, Hardsigmoid, Hardswish};
use crate::error::{unwrap, Error, Result};
use crate::nn::init;
use crate::nn::{visit_child, Conv2d, ConvConfig, Dropout, Linear, Module, Sequential, Slot};
use crate::{NoGradGuard, Tensor};

/// MobileNetV3's batch norms: eps 0.001, momentum 0.01.
const BN: (f64, f64) = (1e-3, 0.01);

/// torchvision's `_make_divisible(v, 8)`.
fn make_divisible(v: f64, divisor: i64) -> i64 {
    let new_v = divisor.max(((v + divisor as f64 / 2.0) as i64) / divisor * divisor);
    if (new_v as f64) < 0.9 * v {
        new_v + divisor
    } else {
        new_v
    }
}

/// Squeeze-and-excitation (`torchvision.ops.SqueezeExcitation` with a hard-sigmoid scale):
/// `fc1`, `fc2` 1×1 convolutions with biases.
struct SqueezeExcitation {
    fc1: Conv2d,
    fc2: Conv2d,
}

impl Module for SqueezeExcitation {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        let s = x.f_adaptive_avg_pool2d(&[1, 1])?;
        let s = self.fc1.f_forward(&s)?.f_relu()?;
        let s = Hardsigmoid.f_forward(&self.fc2.f_forward(&s)?)?;
        s.f_mul(x)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("fc1", &self.fc1, f);
        visit_child("fc2", &self.fc2, f);
    }
}

/// One row of torchvision's `inverted_residual_setting` (`InvertedResidualConfig`).
#[derive(Clone, Copy, Debug)]
struct Bneck {
    cin: i64,
    kernel: i64,
    expanded: i64,
    cout: i64,
    se: bool,
    hs: bool,
    stride: i64,
}

/// `InvertedResidual`: expand (1×1), depthwise, optional squeeze-excitation, project (1×1),
/// as `block.0`, `block.1`, ...; residual when the shape is kept.
struct InvertedResidual {
    block: Sequential,
    residual: bool,
}

impl InvertedResidual {
    fn new(c: Bneck) -> Result<Self> {
        let act = if c.hs { Act::Hardswish } else { Act::Relu };
        let mut block = Sequential::new();
        if c.expanded != c.cin {
            block = block.add(conv_norm_act(c.cin, c.expanded, 1, 1, 1, 1, BN, act)?);
        }
        block = block.add(conv_norm_act(
            c.expanded, c.expanded, c.kernel, c.stride, c.expanded, 1, BN, act,
        )?);
        if c.se {
            let squeeze = make_divisible((c.expanded / 4) as f64, 8);
            let cfg = ConvConfig::default();
            block = block.add(SqueezeExcitation {
                fc1: Conv2d::f_make(c.expanded, squeeze, 1, cfg, false)?,
                fc2: Conv2d::f_make(squeeze, c.expanded, 1, cfg, false)?,
            });
        }
        block = block.add(conv_norm_act(
            c.expanded,
            c.cout,
            1,
            1,
            1,
            1,
            BN,
            Act::None,
        )?);
        Ok(InvertedResidual {
            block,
            residual: c.stride == 1 && c.cin == c.cout,
        })
    }
}

impl Module for InvertedResidual {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.block.f_forward(x)?;
        if self.residual {
            y.f_add(x)
        } else {
            Ok(y)
        }
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("block", &self.block, f);
    }
    fn set_training(&mut self, on: bool) {
        self.block.set_training(on);
    }
    fn is_training(&self) -> bool {
        self.block.is_training()
    }
}

/// Which MobileNetV3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MobileNetV3Arch {
    /// `mobilenet_v3_large` (5.5M parameters at 1000 classes).
    Large,
    /// `mobilenet_v3_small` (2.5M parameters at 1000 classes).
    Small,
}

fn setting(arch: MobileNetV3Arch) -> (Vec<Bneck>, i64) {
    let b = |cin, kernel, expanded, cout, se, act: &str, stride| Bneck {
        cin,
        kernel,
        expanded,
        cout,
        se,
        hs: act == "HS",
        stride,
    };
    match arch {
        MobileNetV3Arch::Large => (
            vec![
                b(16, 3, 16, 16, false, "RE", 1),
                b(16, 3, 64, 24, false, "RE", 2),
                b(24, 3, 72, 24, false, "RE", 1),
                b(24, 5, 72, 40, true, "RE", 2),
                b(40, 5, 120, 40, true, "RE", 1),
                b(40, 5, 120, 40, true, "RE", 1),
                b(40, 3, 240, 80, false, "HS", 2),
                b(80, 3, 200, 80, false, "HS", 1),
                b(80, 3, 184, 80, false, "HS", 1),
                b(80, 3, 184, 80, false, "HS", 1),
                b(80, 3, 480, 112, true, "HS", 1),
                b(112, 3, 672, 112, true, "HS", 1),
                b(112, 5, 672, 160, true, "HS", 2),
                b(160, 5, 960, 160, true, "HS", 1),
                b(160, 5, 960, 160, true, "HS", 1),
            ],
            1280,
        ),
        MobileNetV3Arch::Small => (
            vec![
                b(16, 3, 16, 16, true, "RE", 2),
                b(16, 3, 72, 24, false, "RE", 2),
                b(24, 3, 88, 24, false, "RE", 1),
                b(24, 5, 96, 40, true, "HS", 2),
                b(40, 5, 240, 40, true, "HS", 1),
                b(40, 5, 240, 40, true, "HS", 1),
                b(40, 5, 120, 48, true, "HS", 1),
                b(48, 5, 144, 48, true, "HS", 1),
                b(48, 5, 288, 96, true, "HS", 2),
                b(96, 5, 576, 96, true, "HS", 1),
                b(96, 5, 576, 96, true, "HS", 1),
            ],
            1024,
        ),
    }
}

/// MobileNetV3 with torchvision's parameter names (`features.0.0.weight`,
/// `features.1.block.0.0.weight`, ..., `classifier.3.weight`) and initialisation
/// (convolutions `kaiming_normal_(mode="fan_out")`, linear layers N(0, 0.01), biases 0), on
/// `[N, 3, H, W]` images. The classifier is `Linear`, Hardswish, `Dropout(0.2)`, `Linear`.
///
/// ```
/// use libtorch::nn::Module;
/// use libtorch::vision::models::mobilenet_v3_small;
/// use libtorch::Tensor;
/// let mut net = mobilenet_v3_small(5);
/// net.eval();
/// assert_eq!(net.forward(&Tensor::zeros(&[2, 3, 32, 32])).size(), [2, 5]);
/// ```
pub struct MobileNetV3 {
    /// The convolutional trunk (`features`).
    pub features: Sequential,
    /// `classifier`: Linear, Hardswish, Dropout, Linear.
    pub classifier: Sequential,
}

impl MobileNetV3 {
    /// `arch` with `num_classes` outputs and classifier dropout `dropout` (torchvision: 0.2).
    pub fn f_new(arch: MobileNetV3Arch, num_classes: i64, dropout: f64) -> Result<MobileNetV3> {
        if num_classes <= 0 {
            return Err(Error::invalid(
                "MobileNetV3",
                format!("num_classes must be positive, got {num_classes}"),
            ));
        }
        let (setting, last_channel) = setting(arch);
        let first = setting[0].cin;
        let mut features =
            Sequential::new().add(conv_norm_act(3, first, 3, 2, 1, 1, BN, Act::Hardswish)?);
        for c in &setting {
            features = features.add(InvertedResidual::new(*c)?);
        }
        let last_in = setting[setting.len() - 1].cout;
        let last_out = 6 * last_in;
        features = features.add(conv_norm_act(
            last_in,
            last_out,
            1,
            1,
            1,
            1,
            BN,
            Act::Hardswish,
        )?);
        let classifier = Sequential::new()
            .add(Linear::f_new(last_out, last_channel, true)?)
            .add(Hardswish)
            .add(Dropout::f_new(dropout)?)
            .add(Linear::f_new(last_channel, num_classes, true)?);
        let net = MobileNetV3 {
            features,
            classifier,
        };
        // torchvision's loop over self.modules(), in registration order.
        let _g = NoGradGuard::new();
        for (_, p) in net.named_parameters() {
            match p.dim() {
                4 => init::kaiming_normal_(
                    &p,
                    0.0,
                    init::FanMode::FanOut,
                    init::Nonlinearity::LeakyRelu(0.0),
                )?,
                2 => init::normal_(&p, 0.0, 0.01)?,
                _ => {}
            }
        }
        for (n, p) in net.named_parameters() {
            if n.ends_with("bias") {
                init::zeros_(&p)?;
            }
        }
        Ok(net)
    }
}

/// MobileNetV3-Large (`torchvision.models.mobilenet_v3_large(num_classes=...)`).
#[track_caller]
pub fn mobilenet_v3_large(num_classes: i64) -> MobileNetV3 {
    unwrap(MobileNetV3::f_new(MobileNetV3Arch::Large, num_classes, 0.2))
}

/// MobileNetV3-Small (`torchvision.models.mobilenet_v3_small(num_classes=...)`).
#[track_caller]
pub fn mobilenet_v3_small(num_classes: i64) -> MobileNetV3 {
    unwrap(MobileNetV3::f_new(MobileNetV3Arch::Small, num_classes, 0.2))
}

impl Module for MobileNetV3 {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        let r = (|| {
            let x = self.features.f_forward(x)?;
            let x = x.f_adaptive_avg_pool2d(&[1, 1])?.f_flatten_with(1, -1)?;
            self.classifier.f_forward(&x)
        })();
        r.map_err(|e: Error| e.in_call("MobileNetV3"))
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("features", &self.features, f);
        visit_child("classifier", &self.classifier, f);
    }
    fn set_training(&mut self, on: bool) {
        self.features.set_training(on);
        self.classifier.set_training(on);
    }
    fn is_training(&self) -> bool {
        self.features.is_training()
    }
}
