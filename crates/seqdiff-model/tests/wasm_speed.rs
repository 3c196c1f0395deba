//! Benchmark (prints, asserts nothing about time): where a page request's time goes in wasm, in a
//! dedicated worker in headless Chromium, on the shipped model, with burn-flex's SIMD kernels as the
//! page has them: `cargo test --release --target wasm32-unknown-unknown -p seqdiff-model
//! --no-default-features --features flex,webgpu,burn/simd --test wasm_speed -- --nocapture`
//! (BENCHMARKS.md).
#![cfg(target_arch = "wasm32")]

use burn::tensor::Tensor;
use seqdiff_model::bundle::{Manifest, model_from_bytes};
use seqdiff_model::config::SamplingConfig;
use seqdiff_model::{Device, Recommender};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

// A dedicated worker, as the page's inference worker.
wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(f: &js_sys::Function, ms: i32);
}

async fn sleep(ms: i32) {
    let idle = js_sys::Promise::new(&mut |resolve, _| set_timeout(&resolve, ms));
    wasm_bindgen_futures::JsFuture::from(idle).await.unwrap();
}

/// Median milliseconds of `runs` calls after as many warm-up calls.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..runs {
        f();
    }
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = now();
            f();
            now() - start
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn where_a_requests_time_goes() {
    let manifest = Manifest::parse(include_str!("../../../public/models/ml-100k/manifest.json")).unwrap();
    let weights = include_bytes!("../../../public/models/ml-100k/weights.bpk").to_vec();
    let device = Device::flex();
    let rec = Recommender::new(model_from_bytes(&manifest.model, weights, &device).unwrap());
    let history = vec![vec![50u32, 100, 181, 258, 286, 288, 294, 300]];
    let encoding = rec.encode(&history);
    for k in [1, 8] {
        let mut seed = 0;
        let mut run = |steps: usize| {
            median_ms(30, || {
                seed += 1;
                let s = SamplingConfig { guidance: 1.0, steps, eta: 0.0, ensemble: k, seed, start: 1.0 };
                let _ = rec.generate_encoded(&encoding, &s, true).packed().into_data();
            })
        };
        let (full, none) = (run(50), run(0));
        console_log!("K = {k}: S = 50 {full:.2} ms, S = 0 (encoder and scores only) {none:.2} ms");
    }
    let (h, d) = (manifest.model.denoiser_hidden, manifest.model.dim);
    let a = Tensor::<2>::ones([16, h], &device);
    let (w_mid, w_out) = (Tensor::<2>::ones([h, h], &device), Tensor::<2>::ones([h, d], &device));
    let add = median_ms(30, || {
        for _ in 0..100 {
            let _ = a.clone() + a.clone();
        }
    }) / 100.0;
    let small = Tensor::<2>::ones([16, d], &device);
    let add_small = median_ms(30, || {
        for _ in 0..100 {
            let _ = small.clone() * 0.5 + small.clone();
        }
    }) / 200.0;
    let mid = median_ms(30, || {
        for _ in 0..20 {
            let _ = a.clone().matmul(w_mid.clone());
        }
    }) / 20.0;
    let out = median_ms(30, || {
        for _ in 0..20 {
            let _ = a.clone().matmul(w_out.clone());
        }
    }) / 20.0;
    console_log!(
        "one op: [16, {h}] + [16, {h}] {:.1} µs, [16, {d}] elementwise {:.1} µs; products [16, {h}]·[{h}, {h}] {:.1} µs, ·[{h}, {d}] {:.1} µs",
        add * 1e3,
        add_small * 1e3,
        mid * 1e3,
        out * 1e3
    );
}

/// One test, so that nothing runs while the other one idles.
#[wasm_bindgen_test]
async fn speed() {
    where_a_requests_time_goes();
    a_request_after_idle().await;
}

/// The same K = 8 request back to back and after the worker idled: does an idle worker start slow?
async fn a_request_after_idle() {
    let manifest = Manifest::parse(include_str!("../../../public/models/ml-100k/manifest.json")).unwrap();
    let weights = include_bytes!("../../../public/models/ml-100k/weights.bpk").to_vec();
    let rec = Recommender::new(model_from_bytes(&manifest.model, weights, &Device::flex()).unwrap());
    let encoding = rec.encode(&[vec![50u32, 100, 181, 258, 286, 288, 294, 300]]);
    let request = |seed| {
        let s = SamplingConfig { guidance: 1.0, steps: 50, eta: 0.0, ensemble: 8, seed, start: 1.0 };
        let start = now();
        let _ = rec.generate_encoded(&encoding, &s, true).packed().into_data();
        now() - start
    };
    for seed in 0..30 {
        request(seed);
    }
    // Idle levels interleaved round by round, so a slow spell of the machine falls on all alike.
    let idles = [0, 10, 100, 400];
    let mut times = vec![Vec::new(); idles.len()];
    for round in 0..12u64 {
        for (i, &idle) in idles.iter().enumerate() {
            sleep(idle).await;
            times[i].push(request(100 + round * 4 + i as u64));
        }
    }
    for (idle, mut t) in idles.into_iter().zip(times) {
        t.sort_by(f64::total_cmp);
        console_log!(
            "K = 8 after {idle} ms idle: median {:.2} ms (min {:.2}, max {:.2})",
            t[t.len() / 2],
            t[0],
            t[t.len() - 1]
        );
    }
}
