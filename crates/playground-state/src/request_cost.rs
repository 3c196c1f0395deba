//! How the page states what a request cost: per step only where the chain took steps (at steps 0 the
//! encoder alone ran, and "ms per step" would divide by nothing).

/// "12.5 ms (0.25 ms per step; 50 steps × 8 seeds)", or at steps 0 "0.4 ms (the encoder alone, no denoising)".
pub fn request_cost(ms: f64, steps: usize, seeds: usize) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if steps == 0 {
        format!("{ms:.1} ms (the encoder alone, no denoising)")
    } else {
        format!(
            "{ms:.1} ms ({:.2} ms per step; {steps} step{} × {seeds} seed{})",
            ms / steps as f64,
            plural(steps),
            plural(seeds)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_zero_is_the_encoder_alone_and_never_a_cost_per_step() {
        assert_eq!(request_cost(16.9, 0, 1), "16.9 ms (the encoder alone, no denoising)");
        assert_eq!(request_cost(12.5, 50, 8), "12.5 ms (0.25 ms per step; 50 steps × 8 seeds)");
        assert_eq!(request_cost(3.0, 1, 1), "3.0 ms (3.00 ms per step; 1 step × 1 seed)");
    }
}
