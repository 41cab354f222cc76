//! Vision Transformer (`torchvision.models.VisionTransformer`, `vit_b_16`, `vit_b_32`,
//! `vit_l_16`, `vit_l_32`).
use super::layers::trunc_normal_;
use crate::error::{unwrap, Error, Result};
use crate::nn::init;
use crate::nn::{
    visit_child, Conv2d, ConvConfig, Dropout, LayerNorm, Linear, Module, MultiheadAttention,
    Sequential, Slot, GELU,
};
use crate::{NoGradGuard, Tensor};

fn layer_norm(d: i64) -> Result<LayerNorm> {
    let mut ln = LayerNorm::f_new(&[d])?;
    ln.eps = 1e-6;
    Ok(ln)
}

/// `EncoderBlock`: pre-norm self-attention and MLP, each with a residual.
struct EncoderBlock {
    ln_1: LayerNorm,
    self_attention: MultiheadAttention,
    dropout: Dropout,
    ln_2: LayerNorm,
    mlp: Sequential,
}

impl EncoderBlock {
    fn new(
        heads: i64,
        hidden: i64,
        mlp_dim: i64,
        dropout: f64,
        attention_dropout: f64,
    ) -> Result<Self> {
        let ln_1 = layer_norm(hidden)?;
        let mut self_attention = MultiheadAttention::f_new(hidden, heads, true)?;
        self_attention.dropout = attention_dropout;
        let ln_2 = layer_norm(hidden)?;
        // torchvision's MLPBlock: MLP(hidden, [mlp_dim, hidden], GELU, dropout), then
        // xavier-uniform weights and N(0, 1e-6) biases.
        let fc1 = Linear::f_new(hidden, mlp_dim, true)?;
        let fc2 = Linear::f_new(mlp_dim, hidden, true)?;
        {
            let _g = NoGradGuard::new();
            for fc in [&fc1, &fc2] {
                init::xavier_uniform_(&fc.weight, 1.0)?;
                if let Some(b) = &fc.bias {
                    init::normal_(b, 0.0, 1e-6)?;
                }
            }
        }
        let mlp = Sequential::new()
            .add(fc1)
            .add(GELU::default())
            .add(Dropout::f_new(dropout)?)
            .add(fc2)
            .add(Dropout::f_new(dropout)?);
        Ok(EncoderBlock {
            ln_1,
            self_attention,
            dropout: Dropout::f_new(dropout)?,
            ln_2,
            mlp,
        })
    }
}

impl Module for EncoderBlock {
    fn f_forward(&self, input: &Tensor) -> Result<Tensor> {
        let x = self.ln_1.f_forward(input)?;
        let (x, _) = self.self_attention.forward_qkv(&x, &x, &x, None)?;
        let x = self.dropout.f_forward(&x)?.f_add(input)?;
        let y = self.mlp.f_forward(&self.ln_2.f_forward(&x)?)?;
        x.f_add(&y)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("ln_1", &self.ln_1, f);
        visit_child("self_attention", &self.self_attention, f);
        visit_child("ln_2", &self.ln_2, f);
        visit_child("mlp", &self.mlp, f);
    }
    fn set_training(&mut self, on: bool) {
        self.self_attention.set_training(on);
        self.dropout.set_training(on);
        self.mlp.set_training(on);
    }
    fn is_training(&self) -> bool {
        self.dropout.is_training()
    }
}

/// The sizes of a [`VisionTransformer`] (torchvision's constructor arguments).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VitConfig {
    /// Input side (square images).
    pub image_size: i64,
    /// Patch side; divides `image_size`.
    pub patch_size: i64,
    /// Encoder blocks.
    pub num_layers: i64,
    /// Attention heads; divides `hidden_dim`.
    pub num_heads: i64,
    /// Token width.
    pub hidden_dim: i64,
    /// MLP hidden width.
    pub mlp_dim: i64,
    /// Dropout after attention, in the MLP and on the embeddings.
    pub dropout: f64,
    /// Dropout on the attention weights.
    pub attention_dropout: f64,
    /// Outputs.
    pub num_classes: i64,
}

impl VitConfig {
    /// ViT-B/16: 224×224 images, 16×16 patches, 12 layers of 12 heads, width 768, MLP 3072.
    pub fn b_16() -> VitConfig {
        VitConfig {
            image_size: 224,
            patch_size: 16,
            num_layers: 12,
            num_heads: 12,
            hidden_dim: 768,
            mlp_dim: 3072,
            dropout: 0.0,
            attention_dropout: 0.0,
            num_classes: 1000,
        }
    }
    /// ViT-B/32.
    pub fn b_32() -> VitConfig {
        VitConfig {
            patch_size: 32,
            ..VitConfig::b_16()
        }
    }
    /// ViT-L/16: 24 layers of 16 heads, width 1024, MLP 4096.
    pub fn l_16() -> VitConfig {
        VitConfig {
            num_layers: 24,
            num_heads: 16,
            hidden_dim: 1024,
            mlp_dim: 4096,
            ..VitConfig::b_16()
        }
    }
    /// ViT-L/32.
    pub fn l_32() -> VitConfig {
        VitConfig {
            patch_size: 32,
            ..VitConfig::l_16()
        }
    }
    /// Sets `num_classes`.
    pub fn num_classes(mut self, n: i64) -> VitConfig {
        self.num_classes = n;
        self
    }
}

/// A Vision Transformer with torchvision's parameter names (`class_token`,
/// `conv_proj.weight`, `encoder.pos_embedding`, `encoder.layers.encoder_layer_0.ln_1.weight`,
/// ..., `encoder.ln.weight`, `heads.head.weight`) and initialisation; LayerNorm eps 1e-6.
///
/// ```
/// use libtorch::nn::Module;
/// use libtorch::vision::models::{VisionTransformer, VitConfig};
/// use libtorch::Tensor;
/// let cfg = VitConfig { image_size: 32, patch_size: 8, num_layers: 2, num_heads: 2,
///     hidden_dim: 16, mlp_dim: 32, dropout: 0.0, attention_dropout: 0.0, num_classes: 10 };
/// let vit = VisionTransformer::new(cfg);
/// assert_eq!(vit.forward(&Tensor::zeros(&[2, 3, 32, 32])).size(), [2, 10]);
/// ```
pub struct VisionTransformer {
    /// The sizes it was built with.
    pub config: VitConfig,
    class_token: Tensor,
    conv_proj: Conv2d,
    pos_embedding: Tensor,
    dropout: Dropout,
    layers: Vec<EncoderBlock>,
    ln: LayerNorm,
    /// The classifier, `heads.head`: `Linear(hidden_dim, num_classes)`.
    pub head: Linear,
}

impl VisionTransformer {
    /// Builds `config`; panics on sizes torchvision refuses.
    #[track_caller]
    pub fn new(config: VitConfig) -> VisionTransformer {
        unwrap(VisionTransformer::f_new(config))
    }

    /// Builds `config`, or an error: the patch size must divide the image size, the heads the
    /// width, and every size be positive.
    pub fn f_new(c: VitConfig) -> Result<VisionTransformer> {
        const OP: &str = "VisionTransformer";
        for (n, v) in [
            ("image_size", c.image_size),
            ("patch_size", c.patch_size),
            ("num_layers", c.num_layers),
            ("num_heads", c.num_heads),
            ("hidden_dim", c.hidden_dim),
            ("mlp_dim", c.mlp_dim),
            ("num_classes", c.num_classes),
        ] {
            if v <= 0 {
                return Err(Error::invalid(OP, format!("{n} must be positive, got {v}")));
            }
        }
        if c.image_size % c.patch_size != 0 {
            return Err(Error::invalid(OP, "Input shape indivisible by patch size!"));
        }
        let conv_proj = Conv2d::f_make(
            3,
            c.hidden_dim,
            c.patch_size,
            ConvConfig::default().stride(c.patch_size),
            false,
        )?;
        let seq = (c.image_size / c.patch_size).pow(2) + 1;
        let class_token = Tensor::f_zeros(&[1, 1, c.hidden_dim])?.set_requires_grad(true);
        let pos = Tensor::f_empty_memory_format(&[1, seq, c.hidden_dim])?;
        init::normal_(&pos, 0.0, 0.02)?;
        let pos_embedding = pos.set_requires_grad(true);
        let mut layers = Vec::new();
        for _ in 0..c.num_layers {
            layers.push(EncoderBlock::new(
                c.num_heads,
                c.hidden_dim,
                c.mlp_dim,
                c.dropout,
                c.attention_dropout,
            )?);
        }
        let ln = layer_norm(c.hidden_dim)?;
        let head = Linear::f_new(c.hidden_dim, c.num_classes, true)?;
        let fan_in = 3 * c.patch_size * c.patch_size;
        trunc_normal_(
            &conv_proj.weight,
            0.0,
            (1.0 / fan_in as f64).sqrt(),
            -2.0,
            2.0,
        )?;
        if let Some(b) = &conv_proj.bias {
            init::zeros_(b)?;
        }
        init::zeros_(&head.weight)?;
        if let Some(b) = &head.bias {
            init::zeros_(b)?;
        }
        Ok(VisionTransformer {
            config: c,
            class_token,
            conv_proj,
            pos_embedding,
            dropout: Dropout::f_new(c.dropout)?,
            layers,
            ln,
            head,
        })
    }

    fn run(&self, x: &Tensor) -> Result<Tensor> {
        let s = x.f_size()?;
        let c = &self.config;
        if s.len() != 4 || s[1] != 3 || s[2] != c.image_size || s[3] != c.image_size {
            return Err(Error::invalid(
                "VisionTransformer",
                format!("expected [N, 3, {0}, {0}] images, got {s:?}", c.image_size),
            ));
        }
        let n = s[0];
        let p = self.conv_proj.f_forward(x)?; // [N, D, h, w]
        let p = p.f_reshape(&[n, c.hidden_dim, -1])?.f_permute(&[0, 2, 1])?;
        let cls = self.class_token.f_expand(&[n, -1, -1])?;
        let mut t = Tensor::f_cat_with(&[cls, p], 1)?;
        t = self.dropout.f_forward(&t.f_add(&self.pos_embedding)?)?;
        for l in &self.layers {
            t = l.f_forward(&t)?;
        }
        let t = self.ln.f_forward(&t)?;
        self.head.f_forward(&t.f_select_int(1, 0)?)
    }
}

/// ViT-B/16 (`torchvision.models.vit_b_16(num_classes=...)`, 86.6M parameters at 1000
/// classes), for 224×224 images.
#[track_caller]
pub fn vit_b_16(num_classes: i64) -> VisionTransformer {
    VisionTransformer::new(VitConfig::b_16().num_classes(num_classes))
}

impl Module for VisionTransformer {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        self.run(x).map_err(|e| e.in_call("VisionTransformer"))
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("class_token", Slot::Parameter, &self.class_token);
        visit_child("conv_proj", &self.conv_proj, f);
        f(
            "encoder.pos_embedding",
            Slot::Parameter,
            &self.pos_embedding,
        );
        for (i, l) in self.layers.iter().enumerate() {
            visit_child(&format!("encoder.layers.encoder_layer_{i}"), l, f);
        }
        visit_child("encoder.ln", &self.ln, f);
        visit_child("heads.head", &self.head, f);
    }
    fn set_training(&mut self, on: bool) {
        self.dropout.set_training(on);
        for l in &mut self.layers {
            l.set_training(on);
        }
    }
    fn is_training(&self) -> bool {
        self.dropout.is_training()
    }
}
