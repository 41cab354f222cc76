//! The argument guards of spec/rules.yaml (libtorch/src/guards/): each guarded op, called
//! through the safe API with arguments that crash libtorch 2.11 itself, returns an
//! `Error::InvalidArgument` naming the argument; valid calls still run and give the right values.
//!
//! One module per operator family, as libtorch/src/guards/.

mod common;

mod attention;
mod conv;
mod factories;
mod fft;
mod linalg;
mod losses;
mod misc;
mod nested;
mod norm;
mod onednn;
mod optim;
mod pad;
mod polynomials;
mod pool;
mod quantized;
mod rnn;
mod shape;
mod sparse;
mod upsample;
