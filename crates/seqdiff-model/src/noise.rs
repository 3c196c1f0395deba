//! Seeded Gaussian noise drawn on the host, so one seed gives the same x_T on every backend
//! (a shared link reproduces its recommendations).

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `len` standard-normal values from the ChaCha8 stream of `seed`.
pub fn gaussian(seed: u64, len: usize) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len).map(|_| StandardNormal.sample(&mut rng)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_noise_other_seed_other_noise() {
        assert_eq!(gaussian(7, 64), gaussian(7, 64));
        assert_ne!(gaussian(7, 64), gaussian(8, 64));
        // A prefix property: longer draws extend shorter ones.
        assert_eq!(gaussian(7, 200)[..64], gaussian(7, 64)[..]);
        let v = gaussian(1, 20_000);
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / v.len() as f32;
        assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.05, "mean {mean} var {var}");
    }
}
