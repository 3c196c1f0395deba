//! Noise schedules and step respacing (ARCHITECTURE.md §2, §4). Host-side numbers only.

use crate::config::NoiseSchedule;

/// ᾱ_t for t = 0..T-1 of the model's schedule.
pub fn alpha_bars(schedule: NoiseSchedule, steps: usize) -> Vec<f64> {
    match schedule {
        NoiseSchedule::Cosine => cosine_alpha_bars(steps),
        NoiseSchedule::TruncatedLinear => truncated_linear_alpha_bars(steps),
        NoiseSchedule::VpExponential => vp_exponential_alpha_bars(steps),
    }
}

/// The running product of 1 − β_t (β clipped at 0.999, as every schedule here clips).
fn from_betas(betas: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut prev = 1.0;
    betas
        .map(|beta| {
            prev *= 1.0 - beta.clamp(0.0, 0.999);
            prev
        })
        .collect()
}

/// DiffuRec's `trunc_lin`: β linear from 1000/T·1e-4 + 0.01 to 1000/T·0.02 + 0.01 (T = 32: 0.013 to
/// 0.635, so ᾱ is ≈ 0.05 half-way and ≈ 1e-6 at the end).
pub fn truncated_linear_alpha_bars(steps: usize) -> Vec<f64> {
    let scale = 1000.0 / steps as f64;
    let (start, end) = (scale * 1e-4 + 0.01, scale * 0.02 + 0.01);
    let step = if steps > 1 { (end - start) / (steps - 1) as f64 } else { 0.0 };
    from_betas((0..steps).map(|i| start + step * i as f64))
}

/// DreamRec's `exp` schedule (the VP-SDE discretised): β_i = 1 − exp(−β_min/T − x_i·(β_max − β_min)/(2T²)),
/// x_i evenly spaced from 1 to 2T + 1 (T points, DreamRec's linspace), β_min = 0.1, β_max = 10: ᾱ at the
/// end ≈ e^−5 ≈ 0.006 for any T.
pub fn vp_exponential_alpha_bars(steps: usize) -> Vec<f64> {
    let (b_min, b_max, t) = (0.1, 10.0, steps as f64);
    let x = |i: usize| if steps > 1 { 1.0 + 2.0 * t * i as f64 / (t - 1.0) } else { 1.0 };
    from_betas((0..steps).map(|i| 1.0 - (-b_min / t - x(i) * (b_max - b_min) / (2.0 * t * t)).exp()))
}

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
    fn the_reference_designs_schedules_end_where_their_codes_do() {
        // DiffuRec, T = 32: β from 0.013125 to 0.635; ᾱ_1 ≈ 0.987, ᾱ_32 ≈ 1e-6.
        let a = truncated_linear_alpha_bars(32);
        assert!((a[0] - (1.0 - 0.013125)).abs() < 1e-12, "{}", a[0]);
        assert!((a[31] / a[30] - (1.0 - 0.635)).abs() < 1e-9);
        assert!(a[31] < 1e-5 && a[31] > 1e-7, "{}", a[31]);
        // DreamRec: ᾱ_T = exp(−Σ (β_min/T + x_i·Δ/(2T²))) = exp(−(β_min + Δ(T+1)/(2T))), ≈ 0.0063 at T = 200.
        for t in [200, 500] {
            let a = vp_exponential_alpha_bars(t);
            let expected = (-(0.1 + 9.9 * (t as f64 + 1.0) / (2.0 * t as f64))).exp();
            assert!((a[t - 1] - expected).abs() < 1e-9, "T={t}: {} vs {expected}", a[t - 1]);
            assert!(a.windows(2).all(|w| w[1] < w[0]));
        }
        assert_eq!(alpha_bars(NoiseSchedule::Cosine, 50), cosine_alpha_bars(50));
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
