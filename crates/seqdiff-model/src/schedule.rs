//! Cosine noise schedule and step respacing (ARCHITECTURE.md §2, §4). Host-side numbers only.

/// ᾱ_t for t = 0..T-1 (t = 0 is the least noisy step), cosine schedule of Nichol & Dhariwal
/// with s = 0.008 and β clipped at 0.999.
pub fn cosine_alpha_bars(steps: usize) -> Vec<f64> {
    let s = 0.008;
    let f = |t: f64| ((t / steps as f64 + s) / (1.0 + s) * std::f64::consts::FRAC_PI_2).cos().powi(2);
    let mut out = Vec::with_capacity(steps);
    let mut prev = 1.0;
    for t in 0..steps {
        let beta = (1.0 - f(t as f64 + 1.0) / f(t as f64)).min(0.999);
        prev *= 1.0 - beta;
        out.push(prev);
    }
    out
}

/// `steps` timesteps evenly spaced over 0..T-1, from T-1 down to 0 (S = 1 gives just T-1).
/// The denoiser must be fed these ORIGINAL indices, not 0..S-1.
pub fn respaced_timesteps(total: usize, steps: usize) -> Vec<usize> {
    respaced_timesteps_from(total - 1, steps)
}

/// `steps` timesteps evenly spaced from `start` down to 0 (a chain that starts part-way, from a
/// noised prior; at most start + 1 distinct steps).
pub fn respaced_timesteps_from(start: usize, steps: usize) -> Vec<usize> {
    let steps = steps.clamp(1, start + 1);
    if steps == 1 {
        return vec![start];
    }
    (0..steps).map(|i| (start as f64 * (1.0 - i as f64 / (steps - 1) as f64)).round() as usize).collect()
}

/// Coefficients of one DDIM update from `t` to `t_prev` (None = the end of the chain):
/// x_prev = c_x0·x̂0 + c_eps·ε̂ + sigma·z, where ε̂ = (x_t − √ᾱ_t·x̂0)/√(1−ᾱ_t).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DdimCoefficients {
    pub sqrt_alpha_bar: f64,
    pub sqrt_one_minus_alpha_bar: f64,
    pub c_x0: f64,
    pub c_eps: f64,
    pub sigma: f64,
}

pub fn ddim_coefficients(alpha_bars: &[f64], t: usize, t_prev: Option<usize>, eta: f64) -> DdimCoefficients {
    let a_t = alpha_bars[t];
    let a_prev = t_prev.map_or(1.0, |p| alpha_bars[p]);
    let sigma = eta * ((1.0 - a_prev) / (1.0 - a_t) * (1.0 - a_t / a_prev)).max(0.0).sqrt();
    DdimCoefficients {
        sqrt_alpha_bar: a_t.sqrt(),
        sqrt_one_minus_alpha_bar: (1.0 - a_t).sqrt(),
        c_x0: a_prev.sqrt(),
        c_eps: (1.0 - a_prev - sigma * sigma).max(0.0).sqrt(),
        sigma,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_schedule_is_decreasing_in_zero_one() {
        let a = cosine_alpha_bars(50);
        assert_eq!(a.len(), 50);
        assert!(a[0] > 0.99 && a[0] < 1.0, "{}", a[0]);
        assert!(a[49] < 1e-3, "{}", a[49]);
        assert!(a.windows(2).all(|w| w[1] < w[0]));
    }

    #[test]
    fn respacing_keeps_original_indices() {
        assert_eq!(respaced_timesteps(50, 1), vec![49]);
        assert_eq!(respaced_timesteps(50, 2), vec![49, 0]);
        assert_eq!(respaced_timesteps(50, 5), vec![49, 37, 25, 12, 0]);
        assert_eq!(respaced_timesteps(50, 50), (0..50).rev().collect::<Vec<_>>());
        assert_eq!(respaced_timesteps(50, 500).len(), 50);
        assert_eq!(respaced_timesteps(50, 0), vec![49]);
    }

    #[test]
    fn eta_one_on_full_chain_matches_ddpm_posterior() {
        // DDPM: x_{t-1} = μ̃(x_t, x̂0) + sqrt(β̃_t)·z with
        // μ̃ = √ᾱ_{t-1}β_t/(1-ᾱ_t)·x̂0 + √α_t(1-ᾱ_{t-1})/(1-ᾱ_t)·x_t, β̃_t = (1-ᾱ_{t-1})/(1-ᾱ_t)·β_t.
        let a = cosine_alpha_bars(50);
        let (x0, xt, z) = (0.7, -1.3, 0.4);
        for t in 1..50 {
            let c = ddim_coefficients(&a, t, Some(t - 1), 1.0);
            let eps = (xt - c.sqrt_alpha_bar * x0) / c.sqrt_one_minus_alpha_bar;
            let ddim = c.c_x0 * x0 + c.c_eps * eps + c.sigma * z;
            let alpha_t = a[t] / a[t - 1];
            let beta_t = 1.0 - alpha_t;
            let mean =
                a[t - 1].sqrt() * beta_t / (1.0 - a[t]) * x0 + alpha_t.sqrt() * (1.0 - a[t - 1]) / (1.0 - a[t]) * xt;
            let var = (1.0 - a[t - 1]) / (1.0 - a[t]) * beta_t;
            let ddpm = mean + var.sqrt() * z;
            assert!((ddim - ddpm).abs() < 1e-9, "t={t}: {ddim} vs {ddpm}");
        }
    }

    #[test]
    fn eta_zero_is_deterministic_and_last_step_returns_x0() {
        let a = cosine_alpha_bars(50);
        assert_eq!(ddim_coefficients(&a, 10, Some(5), 0.0).sigma, 0.0);
        let last = ddim_coefficients(&a, 0, None, 1.0);
        assert_eq!((last.c_x0, last.c_eps, last.sigma), (1.0, 0.0, 0.0));
    }
}
