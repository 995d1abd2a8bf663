//! Counting distinct visitors in bounded memory.
//!
//! A visitor is a 64-bit keyed hash of address and browser (see [`Visitors`]); the key is secret to the
//! logs and never leaves memory, and no hash is ever written, so nothing here can be turned back into an
//! address. Each (address, item, day) set is exact up to [`EXACT_LIMIT`] visitors, which is more
//! than a village's QR code sees in a day, and then turns into a HyperLogLog sketch of fixed size
//! (4,096 one-byte registers, a standard error of about 1.6 %). So memory grows with the number of
//! items × days in the logs, never with the number of lines.

use std::hash::Hasher;

/// Up to this many distinct visitors a set is exact (8 bytes each).
pub const EXACT_LIMIT: usize = 2048;
const P: u32 = 12;
const M: usize = 1 << P;

/// A distinct count: exact while small, then an estimate.
#[derive(Debug, Clone)]
pub enum Distinct {
    /// Sorted, without repeats.
    Exact(Vec<u64>),
    Sketch(Box<[u8]>),
}

impl Default for Distinct {
    fn default() -> Self {
        Distinct::Exact(Vec::new())
    }
}

impl Distinct {
    pub fn insert(&mut self, hash: u64) {
        match self {
            Distinct::Exact(set) => {
                if let Err(at) = set.binary_search(&hash) {
                    set.insert(at, hash);
                    if set.len() > EXACT_LIMIT {
                        let mut sketch = vec![0u8; M].into_boxed_slice();
                        for h in set.iter() {
                            sketch_insert(&mut sketch, *h);
                        }
                        *self = Distinct::Sketch(sketch);
                    }
                }
            }
            Distinct::Sketch(registers) => sketch_insert(registers, hash),
        }
    }

    /// The number of distinct visitors: exact, or the sketch's estimate rounded to a whole number.
    pub fn count(&self) -> u64 {
        match self {
            Distinct::Exact(set) => set.len() as u64,
            Distinct::Sketch(registers) => estimate(registers),
        }
    }

    /// Whether the count is an estimate.
    pub fn is_estimate(&self) -> bool {
        matches!(self, Distinct::Sketch(_))
    }
}

fn sketch_insert(registers: &mut [u8], hash: u64) {
    let index = (hash >> (64 - P)) as usize;
    // The rank of the first 1 bit in the remaining 52 bits (a guard bit keeps it within range).
    let rest = (hash << P) | (1 << (P - 1));
    let rank = rest.leading_zeros() as u8 + 1;
    if registers[index] < rank {
        registers[index] = rank;
    }
}

fn estimate(registers: &[u8]) -> u64 {
    let m = M as f64;
    let alpha = 0.7213 / (1.0 + 1.079 / m);
    let sum: f64 = registers.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
    let raw = alpha * m * m / sum;
    let zeros = registers.iter().filter(|&&r| r == 0).count();
    let value = if raw <= 2.5 * m && zeros > 0 { m * (m / zeros as f64).ln() } else { raw };
    value.round() as u64
}

/// Hashes a visitor (address and browser) under a secret key.
///
/// The key is taken from the first counted line of the logs (its address, browser and the address it
/// asked for), so it is unknown to anyone who does not hold the logs, which already contain the addresses,
/// and the same logs give the same estimates on every run: no randomness reaches the report.
#[derive(Default)]
pub struct Visitors {
    key: Option<[u64; 2]>,
}

impl Visitors {
    /// A hasher whose key is fixed now (for tests).
    pub fn with_key(k0: u64, k1: u64) -> Visitors {
        Visitors { key: Some([k0, k1]) }
    }

    /// The hash of one visitor; the first call sets the key from `seed` (the rest of the line).
    pub fn hash(&mut self, addr: &[u8], agent: &[u8], seed: &[u8]) -> u64 {
        let [k0, k1] = *self.key.get_or_insert_with(|| {
            let part = |salt: u8| {
                let mut h = std::hash::DefaultHasher::new();
                h.write_u8(salt);
                h.write(addr);
                h.write(agent);
                h.write(seed);
                h.finish()
            };
            [part(1), part(2)]
        });
        // DefaultHasher is SipHash with fixed keys; the secret goes in front of the message.
        let mut h = std::hash::DefaultHasher::new();
        h.write_u64(k0);
        h.write_u64(k1);
        h.write(addr);
        // A separator, so that ("1.2.3.4", "5 x") and ("1.2.3.45", " x") differ.
        h.write_u8(0xff);
        h.write(agent);
        // SipHash output is well mixed; one more multiply spreads it over the sketch's top bits too.
        h.finish().wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_while_small() {
        let mut v = Visitors::default();
        let mut d = Distinct::default();
        for i in 0..1000u32 {
            d.insert(v.hash(format!("10.0.{}.{}", i / 250, i % 250).as_bytes(), b"phone", b""));
            d.insert(v.hash(format!("10.0.{}.{}", i / 250, i % 250).as_bytes(), b"phone", b""));
        }
        assert_eq!(d.count(), 1000);
        assert!(!d.is_estimate());
    }

    #[test]
    fn estimates_within_a_few_percent_when_large() {
        for (n, key) in [(5_000u32, 1), (50_000, 2), (300_000, 3), (20_000, 4), (20_000, 5)] {
            let mut v = Visitors::with_key(key, key * 7);
            let mut d = Distinct::default();
            for i in 0..n {
                d.insert(v.hash(&i.to_le_bytes(), b"phone", b""));
                d.insert(v.hash(&i.to_le_bytes(), b"phone", b""));
            }
            assert!(d.is_estimate());
            let error = (d.count() as f64 - f64::from(n)).abs() / f64::from(n);
            assert!(error < 0.06, "n = {n}: estimate {} is {:.1} % off", d.count(), error * 100.0);
        }
    }
}
