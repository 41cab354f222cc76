//! A small language model over byte-level BPE tokens (the `text-lm` example): a tokenizer
//! trained with Hugging Face's `tokenizers` crate on Debian's licence texts, an LSTM language
//! model trained with this crate's layers, perplexity against a unigram baseline, sampling, and
//! the tokenizer and weights saved together and reloaded for inference.
pub mod bundle;
pub mod corpus;
pub mod generate;
pub mod model;
pub mod tokenizer;
pub mod train;
