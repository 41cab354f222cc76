//! Seeded permutations for shuffling: SplitMix64 driving a Fisher–Yates shuffle, so an order
//! depends only on `(seed, epoch)`, on every platform and in every version of this crate.

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed 64-bit generator.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`), by Lemire's multiply-shift (bias below n / 2⁶⁴).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

/// A permutation of `0..n` determined by `seed` and `epoch`.
pub(crate) fn permutation(n: usize, seed: u64, epoch: u64) -> Vec<usize> {
    // Mix the epoch into the state so consecutive epochs (and seeds) give unrelated streams.
    let mut rng = SplitMix64::new(seed);
    let mixed = rng.next_u64() ^ epoch.wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut rng = SplitMix64::new(mixed);
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs of SplitMix64 seeded with 1234567, as given by the reference
        // implementation (Vigna's splitmix64.c).
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = permutation(1000, 3, 5);
        assert_ne!(p, (0..1000).collect::<Vec<_>>());
        p.sort_unstable();
        assert_eq!(p, (0..1000).collect::<Vec<_>>());
    }
}
