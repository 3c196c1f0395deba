//! How the page states what a request cost: per step only where the chain took steps (at steps 0 the
//! encoder alone ran, and "ms per step" would divide by nothing), and what a step is: a small
//! denoiser, or (DiffuRec's family) the whole encoder again.

/// What one denoising step of a model runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A denoiser on top of the encoder's output (the encoder runs once per request).
    Denoiser,
    /// The encoder itself, re-run over the history at every step.
    Encoder,
}

/// "12.5 ms (0.25 ms per step; 50 steps × 8 seeds)", or at steps 0 "0.4 ms (the encoder alone, no
/// denoising)"; a model that re-runs its encoder says so after the steps.
pub fn request_cost(ms: f64, steps: usize, seeds: usize, step: StepKind) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if steps == 0 {
        return format!("{ms:.1} ms (the encoder alone, no denoising)");
    }
    let rerun = match step {
        StepKind::Denoiser => "",
        StepKind::Encoder => ", each re-running the encoder",
    };
    format!(
        "{ms:.1} ms ({:.2} ms per step; {steps} step{} × {seeds} seed{}{rerun})",
        ms / steps as f64,
        plural(steps),
        plural(seeds)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_zero_is_the_encoder_alone_and_never_a_cost_per_step() {
        assert_eq!(request_cost(16.9, 0, 1, StepKind::Encoder), "16.9 ms (the encoder alone, no denoising)");
        assert_eq!(request_cost(12.5, 50, 8, StepKind::Denoiser), "12.5 ms (0.25 ms per step; 50 steps × 8 seeds)");
        assert_eq!(request_cost(3.0, 1, 1, StepKind::Denoiser), "3.0 ms (3.00 ms per step; 1 step × 1 seed)");
        assert_eq!(
            request_cost(9.6, 32, 1, StepKind::Encoder),
            "9.6 ms (0.30 ms per step; 32 steps × 1 seed, each re-running the encoder)"
        );
    }
}
