//! safetensors files (read and write; zero-copy memory-mapped read). Being written.
