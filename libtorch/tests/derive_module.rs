//! `#[derive(Module)]`: a user's struct gets PyTorch's names, registration order, train/eval and
//! state_dict round trips with no hand-written parameter code.
use libtorch::nn::{functional as F, BatchNorm1d, Dropout, Linear, Module, Sequential, Tanh};
use libtorch::{Device, Kind, Result, Tensor};

#[derive(Module)]
struct Block {
    norm: BatchNorm1d,
    fc: Linear,
    drop: Dropout,
}

impl Block {
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        self.drop
            .f_forward(&F::f_relu(&self.fc.f_forward(&self.norm.f_forward(xs)?)?)?)
    }
}

/// Declared out of alphabetical order on purpose: names follow the fields, as PyTorch follows
/// the order of assignment in `__init__`.
#[derive(Module)]
struct Net {
    stem: Linear,
    blocks: Vec<Block>,
    head: Option<Linear>,
    gate: Tensor,
    #[module(buffer)]
    seen: Tensor,
    #[module(buffer)]
    absent: Option<Tensor>,
    extra: Option<Linear>,
    #[module(skip)]
    _cache: Vec<Tensor>,
    width: i64,
    label: String,
}

impl Net {
    fn new(width: i64) -> Net {
        Net {
            stem: Linear::new(3, width),
            blocks: (0..2)
                .map(|_| Block {
                    norm: BatchNorm1d::new(width),
                    fc: Linear::new(width, width),
                    drop: Dropout::new(0.5),
                })
                .collect(),
            head: Some(Linear::new(width, 2)),
            gate: Tensor::ones(&[2]).set_requires_grad(true),
            seen: Tensor::zeros_opts(&[1], (Kind::Int64, Device::Cpu)),
            absent: None,
            extra: None,
            _cache: vec![Tensor::ones(&[5])],
            width,
            label: "net".into(),
        }
    }

    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        let mut h = self.stem.f_forward(xs)?;
        for b in &self.blocks {
            h = b.f_forward(&h)?;
        }
        self.head.as_ref().unwrap().f_forward(&h)?.f_mul(&self.gate)
    }
}

fn names(m: &dyn Module) -> Vec<String> {
    m.state_dict().into_keys().collect()
}

#[test]
fn names_follow_the_fields_in_declaration_order() {
    let net = Net::new(4);
    assert_eq!(net.width, 4);
    assert_eq!(net.label, "net");
    let block = |i: usize| {
        [
            "norm.weight",
            "norm.bias",
            "norm.running_mean",
            "norm.running_var",
            "norm.num_batches_tracked",
            "fc.weight",
            "fc.bias",
        ]
        .map(move |n| format!("blocks.{i}.{n}"))
    };
    let mut want = vec!["stem.weight".to_owned(), "stem.bias".to_owned()];
    want.extend(block(0));
    want.extend(block(1));
    want.extend(["head.weight", "head.bias", "gate", "seen"].map(String::from));
    assert_eq!(names(&net), want);
    // Parameters are the trainable subset; buffers the rest, each under its own slot.
    let params: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(params.len(), 2 + 2 * 4 + 2 + 1);
    assert_eq!(params.last().unwrap(), "gate");
    let buffers: Vec<String> = net.named_buffers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        buffers,
        [
            "blocks.0.norm.running_mean",
            "blocks.0.norm.running_var",
            "blocks.0.norm.num_batches_tracked",
            "blocks.1.norm.running_mean",
            "blocks.1.norm.running_var",
            "blocks.1.norm.num_batches_tracked",
            "seen"
        ]
    );
    // 3*4+4 + 2*(4+4 + 16+4) + 4*2+2 + 2
    assert_eq!(net.num_parameters(), 16 + 56 + 10 + 2);
}

#[test]
fn train_and_eval_reach_every_child() {
    let mut net = Net::new(4);
    assert!(net.is_training());
    net.eval();
    assert!(!net.is_training());
    assert!(net
        .blocks
        .iter()
        .all(|b| !b.drop.is_training() && !b.norm.is_training()));
    // In eval mode dropout is the identity and batch norm uses its running statistics, so two
    // forward passes agree exactly.
    let x = Tensor::randn(&[5, 3]);
    let (a, b) = (net.forward(&x), net.forward(&x));
    assert_eq!(a.to_vec::<f32>().unwrap(), b.to_vec::<f32>().unwrap());
    net.train();
    assert!(net.is_training() && net.blocks[1].drop.is_training());
}

#[test]
fn state_dict_round_trips_between_derived_modules() {
    let a = Net::new(3);
    let b = Net::new(3);
    b.load_state_dict(&a.state_dict()).unwrap();
    for ((na, ta), (nb, tb)) in a.state_dict().iter().zip(b.state_dict().iter()) {
        assert_eq!(na, nb);
        assert_eq!(
            ta.to_vec::<f64>().unwrap(),
            tb.to_vec::<f64>().unwrap(),
            "{na}"
        );
    }
    // A struct with a different shape refuses it, naming the tensor.
    let c = Net::new(5);
    let e = c.load_state_dict(&a.state_dict()).unwrap_err();
    assert!(e.to_string().contains("stem.weight"), "{e}");
    // Saved files keep the registration order (what Python's OrderedDict would list).
    let bytes = libtorch::serialize::save_to_bytes(a.state_dict()).unwrap();
    let back = libtorch::serialize::load_from_bytes(&bytes).unwrap();
    let back: Vec<&str> = back.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(back, names(&a));
}

#[test]
fn gradients_reach_derived_parameters() {
    let net = Net::new(4);
    let y = net.forward(&Tensor::randn(&[6, 3])).sum();
    y.backward();
    for (n, p) in net.named_parameters() {
        assert!(p.grad().defined(), "{n} has no gradient");
    }
}

/// A tuple struct, a `training` field of its own, generics and a container without forward.
#[derive(Module)]
struct Pair<M: Module>(M, Linear);

impl<M: Module> Pair<M> {
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        self.1.f_forward(&self.0.f_forward(xs)?)
    }
}

#[derive(Module)]
#[module(no_forward)]
struct EncoderDecoder {
    encoder: Sequential,
    decoder: Linear,
    training: bool,
}

#[test]
fn tuple_generic_and_forwardless_structs() {
    let p = Pair(
        Sequential::new().add(Linear::new(2, 3)).add(Tanh),
        Linear::new(3, 1),
    );
    assert_eq!(names(&p), ["0.0.weight", "0.0.bias", "1.weight", "1.bias"]);
    assert_eq!(p.forward(&Tensor::ones(&[4, 2])).size(), [4, 1]);

    let mut ed = EncoderDecoder {
        encoder: Sequential::new().add(Linear::new(2, 2)),
        decoder: Linear::new(2, 2),
        training: true,
    };
    assert_eq!(
        names(&ed),
        [
            "encoder.0.weight",
            "encoder.0.bias",
            "decoder.weight",
            "decoder.bias"
        ]
    );
    ed.eval();
    assert!(!ed.training && !ed.is_training() && !ed.encoder.is_training());
    let e = ed.f_forward(&Tensor::ones(&[1, 2])).unwrap_err();
    assert!(
        e.to_string().contains("EncoderDecoder has no forward pass"),
        "{e}"
    );
    let h = ed.encoder.forward(&Tensor::ones(&[1, 2]));
    assert_eq!(ed.decoder.forward(&h).size(), [1, 2]);
}
