//! A byte-level BPE tokenizer (GPT-2's scheme) trained with Hugging Face's `tokenizers` crate:
//! every byte is in the base vocabulary, so any text encodes without an unknown token and
//! decodes back to itself.
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::TrainerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer};

/// The special token that ends each document in the token stream.
pub const END_OF_TEXT: &str = "<|endoftext|>";

/// The pre-tokenizer and decoder: GPT-2's byte-level mapping and word-splitting regex, without
/// a space added before the text (so that decoding gives back exactly what was encoded).
fn byte_level() -> ByteLevel {
    ByteLevel::default().add_prefix_space(false)
}

/// Trains a BPE tokenizer of `vocab_size` tokens (the 256 bytes, [`END_OF_TEXT`], and merges)
/// on the lines of `texts`.
pub fn train_bpe(texts: &[&str], vocab_size: usize) -> Result<Tokenizer, String> {
    if vocab_size < 257 {
        return Err(format!(
            "--vocab-size {vocab_size}: a byte-level BPE needs at least 257 tokens (256 bytes \
             and {END_OF_TEXT})"
        ));
    }
    let mut trainer = TrainerWrapper::BpeTrainer(
        BpeTrainerBuilder::new()
            .vocab_size(vocab_size)
            .min_frequency(2)
            .show_progress(false)
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .special_tokens(vec![AddedToken::from(END_OF_TEXT, true)])
            .build(),
    );
    let mut tok = Tokenizer::new(BPE::default());
    tok.with_pre_tokenizer(Some(byte_level()));
    tok.with_decoder(Some(byte_level()));
    let lines = texts.iter().flat_map(|t| t.lines());
    tok.train(&mut trainer, lines)
        .map_err(|e| format!("training the BPE tokenizer: {e}"))?;
    Ok(tok)
}

/// The id of [`END_OF_TEXT`].
pub fn end_of_text(tok: &Tokenizer) -> Result<i64, String> {
    tok.token_to_id(END_OF_TEXT)
        .map(i64::from)
        .ok_or_else(|| format!("the tokenizer has no {END_OF_TEXT} token"))
}

/// The token ids of `text`.
pub fn encode(tok: &Tokenizer, text: &str) -> Result<Vec<i64>, String> {
    let enc = tok
        .encode(text, false)
        .map_err(|e| format!("encoding: {e}"))?;
    Ok(enc.get_ids().iter().map(|&i| i64::from(i)).collect())
}

/// The text of `ids` (special tokens skipped).
pub fn decode(tok: &Tokenizer, ids: &[i64]) -> Result<String, String> {
    let ids: Vec<u32> = ids
        .iter()
        .map(|&i| u32::try_from(i).map_err(|_| format!("token id {i} out of range")))
        .collect::<Result<_, _>>()?;
    tok.decode(&ids, true).map_err(|e| format!("decoding: {e}"))
}
