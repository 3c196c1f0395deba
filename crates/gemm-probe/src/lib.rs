//! Two exports for tests/gemm_bench.mjs: `run`, `reps` products [m, k] · [k, n] of row-major f32 matrices,
//! called exactly as burn-flex calls gemm (row-major destination, no threads). No imports, so the module
//! instantiates with an empty import object. With `subnormal`, every other input value is subnormal
//! (1e-40), to show what such inputs cost on this CPU. And `run_chain`, whole requests' products in order.

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
        product(&mut out, &lhs, &rhs, m, k, n);
    }
    out.iter().sum()
}

/// One row-major product out = lhs · rhs ([m, k] · [k, n]), as burn-flex calls gemm.
fn product(out: &mut [f32], lhs: &[f32], rhs: &[f32], m: usize, k: usize, n: usize) {
    // SAFETY: out, lhs and rhs hold m·n, m·k and k·n values with the row-major strides given.
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

/// `reps` requests' products in a request's order: per step x_t · W_x ([seeds, d] · [d, h]), then the
/// two hidden layers on the conditional and unconditional rows ([2·seeds, h] · [h, h], then
/// [2·seeds, h] · [h, d]), each with its own weights and outputs, so the three products share the cache
/// as they do in the worker. Returns the sum of the last output.
#[unsafe(no_mangle)]
pub extern "C" fn run_chain(seeds: usize, d: usize, h: usize, steps: usize, reps: usize) -> f32 {
    let rows = 2 * seeds;
    let (w_x, w_mid, w_out) = (values(d * h, 7_919, false), values(h * h, 6_007, false), values(h * d, 5_003, false));
    let x = values(seeds * d, 104_729, false);
    let hidden = values(rows * h, 3_001, false);
    let (mut x_part, mut mid, mut out) = (vec![0.0f32; seeds * h], vec![0.0f32; rows * h], vec![0.0f32; rows * d]);
    for _ in 0..reps {
        for _ in 0..steps {
            product(&mut x_part, &x, &w_x, seeds, d, h);
            product(&mut mid, &hidden, &w_mid, rows, h, h);
            product(&mut out, &mid, &w_out, rows, h, d);
        }
    }
    out.iter().sum()
}
