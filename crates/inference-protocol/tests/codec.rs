//! The worker's message codec, measured in the browser: a generation's reply encoded, carried
//! through `structuredClone` (what `postMessage` does to it between the threads) and decoded, with
//! gloo-worker's bincode (one byte array) against serde-wasm-bindgen (a JavaScript object graph).
//! Both must give back exactly what was sent; the times are printed (a benchmark, not an assertion).
#![cfg(target_arch = "wasm32")]

use gloo_worker::{Bincode, Codec};
use inference_protocol::clock::now_ms;
use inference_protocol::messages::{Reply, Timed};
use seqdiff_model::GenerationResult;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Values that cross as JavaScript objects (serde-wasm-bindgen's representation).
struct SerdeWasmBindgen;

impl Codec for SerdeWasmBindgen {
    fn encode<I: Serialize>(input: I) -> JsValue {
        serde_wasm_bindgen::to_value(&input).expect("serialisable")
    }

    fn decode<O: DeserializeOwned>(input: JsValue) -> O {
        serde_wasm_bindgen::from_value(input).expect("a value this codec wrote")
    }
}

/// A page reply of the shipped bundle's size: 1,349 items, d = 64, S = 50 steps (one trajectory
/// row, as the worker keeps), K seeds, guided (so both endpoints come back).
fn reply(k: usize) -> (GenerationResult, f64) {
    let value = |i: usize| ((i * 7919) % 1000) as f32 / 997.0 - 0.5;
    let rows = |n: usize, len: usize, offset: usize| -> Vec<Vec<f32>> {
        (0..n).map(|r| (0..len).map(|j| value(offset + r * len + j)).collect()).collect()
    };
    let result = GenerationResult {
        users: 1,
        rows: k,
        dim: 64,
        steps: 50,
        scores: rows(1, 1350, 0),
        final_x0: rows(k, 64, 1),
        trajectory: (0..50).map(|s| rows(1, 64, 2 + s)).collect(),
        endpoints: Some((rows(k, 64, 3), rows(k, 64, 4))),
    };
    (result, 12.375)
}

fn structured_clone(value: &JsValue) -> JsValue {
    let clone: js_sys::Function = js_sys::Reflect::get(&js_sys::global(), &"structuredClone".into())
        .expect("structuredClone")
        .dyn_into()
        .expect("a function");
    clone.call1(&JsValue::NULL, value).expect("cloneable")
}

/// Median milliseconds of `runs` round trips; checks that each one gives back what was sent.
fn round_trip<C: Codec>(k: usize, runs: usize) -> f64 {
    let (result, ms) = reply(k);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let sent = Reply::Generated(Ok(Timed { result: result.clone(), ms, workers: 1 }));
        let start = now_ms();
        let received: Reply = C::decode(structured_clone(&C::encode(sent)));
        times.push(now_ms() - start);
        match received {
            Reply::Generated(Ok(t)) => assert!(t.result == result && t.ms == ms, "the reply changed on the way"),
            other => panic!("another reply came back: {other:?}"),
        }
    }
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

#[wasm_bindgen_test]
fn both_codecs_carry_a_generation_exactly_and_their_round_trips_are_timed() {
    for k in [1, 8] {
        // Warm-up (JIT, allocator), then the measured runs, alternating codecs.
        round_trip::<Bincode>(k, 20);
        round_trip::<SerdeWasmBindgen>(k, 20);
        let bincode = round_trip::<Bincode>(k, 200);
        let objects = round_trip::<SerdeWasmBindgen>(k, 200);
        console_log!(
            "K = {k}: bincode {bincode:.3} ms, serde-wasm-bindgen {objects:.3} ms (median of 200 round trips)"
        );
    }
}
