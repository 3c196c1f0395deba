//! One export, `run`, for tests/gemm_bench.mjs: `reps` products [m, k] · [k, n] of row-major f32 matrices,
//! called exactly as burn-flex calls gemm (row-major destination, no threads). No imports, so the module
//! instantiates with an empty import object. With `subnormal`, every other input value is subnormal
//! (1e-40), to show what such inputs cost on this CPU.

/// Fills `len` values in [-0.5, 0.5) from a fixed pattern (every other one 1e-40 when `subnormal`).
fn values(len: usize, step: usize, subnormal: bool) -> Vec<f32> {
    (0..len)
        .map(|i| if subnormal && i % 2 == 0 { 1e-40 } else { ((i * step % 1000) as f32 - 500.0) / 1000.0 })
        .collect()
}

/// Runs the product `reps` times and returns the sum of the last result (so nothing is optimised away).
#[unsafe(no_mangle)]
pub extern "C" fn run(m: usize, k: usize, n: usize, reps: usize, subnormal: bool) -> f32 {
    let lhs = values(m * k, 104_729, subnormal);
    let rhs = values(k * n, 7_919, false);
    let mut out = vec![0.0f32; m * n];
    for _ in 0..reps {
        // SAFETY: the three buffers hold m·k, k·n and m·n values with the row-major strides given.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                out.as_mut_ptr(),
                1,
                n as isize,
                false,
                lhs.as_ptr(),
                1,
                k as isize,
                rhs.as_ptr(),
                1,
                n as isize,
                0.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
    }
    out.iter().sum()
}
