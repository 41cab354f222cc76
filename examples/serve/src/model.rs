//! The served model: the Fashion-MNIST classifier from a state_dict (the architecture the
//! `fashion-mnist` example trains and saves with `--save-weights`), or any TorchScript module.
use examples::fashion::model::{build, ModelKind};
use libtorch::jit::ScriptModule;
use libtorch::nn::{Module, Sequential};
use libtorch::{Device, Kind, Tensor};
use std::path::PathBuf;

/// Where the model comes from and what one sample looks like. Every inference thread loads its
/// own copy from this description.
#[derive(Clone, Debug)]
pub enum ModelSpec {
    /// A state_dict of the Fashion-MNIST MLP or CNN (`serialize::save_module`).
    Fashion { kind: ModelKind, weights: PathBuf },
    /// A TorchScript module (`torch.jit.save`) taking `Float [N, *sample_shape]`.
    Script {
        path: PathBuf,
        sample_shape: Vec<i64>,
        /// Class names: when given, the output is read as logits and probabilities are added.
        labels: Option<Vec<String>>,
    },
}

/// A loaded copy of the model, owned by one inference thread.
pub enum Loaded {
    Fashion(Sequential),
    Script(ScriptModule),
}

impl ModelSpec {
    /// The shape of one sample, without the batch dimension.
    pub fn sample_shape(&self) -> Vec<i64> {
        match self {
            ModelSpec::Fashion { .. } => vec![1, 28, 28],
            ModelSpec::Script { sample_shape, .. } => sample_shape.clone(),
        }
    }

    /// Other spellings of one sample's shape accepted in JSON (same elements, row-major):
    /// a Fashion-MNIST image may come as `[28, 28]` or `[784]` too.
    pub fn accepted_sample_shapes(&self) -> Vec<Vec<i64>> {
        match self {
            ModelSpec::Fashion { .. } => vec![vec![1, 28, 28], vec![28, 28], vec![784]],
            ModelSpec::Script { sample_shape, .. } => vec![sample_shape.clone()],
        }
    }

    /// Class names when the model is a classifier.
    pub fn labels(&self) -> Option<Vec<String>> {
        match self {
            ModelSpec::Fashion { .. } => Some(
                examples::fashion::CLASSES
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            ModelSpec::Script { labels, .. } => labels.clone(),
        }
    }

    /// Loads a copy in evaluation mode.
    pub fn load(&self) -> Result<Loaded, String> {
        match self {
            ModelSpec::Fashion { kind, weights } => {
                let mut net = build(*kind);
                libtorch::serialize::load_module(&net, weights).map_err(|e| {
                    format!(
                        "loading {} as the {} classifier: {e}",
                        weights.display(),
                        kind.name()
                    )
                })?;
                net.eval();
                Ok(Loaded::Fashion(net))
            }
            ModelSpec::Script { path, .. } => {
                let mut m = libtorch::jit::load(path)
                    .map_err(|e| format!("loading TorchScript {}: {e}", path.display()))?;
                m.eval();
                Ok(Loaded::Script(m))
            }
        }
    }
}

impl Loaded {
    /// The forward pass on a `Float [N, *sample_shape]` batch, without autograd.
    pub fn forward(&self, batch: &Tensor) -> libtorch::Result<Tensor> {
        libtorch::no_grad(|| {
            let out = match self {
                Loaded::Fashion(net) => net.f_forward(batch)?,
                Loaded::Script(m) => m.f_forward_ts(std::slice::from_ref(batch))?,
            };
            out.f_to_opts((Kind::Float, Device::Cpu))
        })
    }
}
