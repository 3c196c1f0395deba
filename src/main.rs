//! The page (first cut): loads the embedded ML-100K bundle, samples the recommender in the browser
//! on the CPU backend, and lists the top-10 next items for a default history.

mod bundle_loader;

use leptos::prelude::*;
use seqdiff_model::metrics::top_k;
use seqdiff_model::{Recommender, SamplingConfig};

use bundle_loader::{LoadedBundle, load_bundle};

const DEFAULT_BUNDLE: &str = "models/ml-100k";

#[derive(Clone, Debug, PartialEq)]
struct Row {
    title: String,
    detail: String,
    score: f32,
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// A default history: the five most-watched training items (the page issue adds presets and search).
fn default_history(bundle: &LoadedBundle) -> Vec<u32> {
    let counts = &bundle.train_counts;
    let mut items: Vec<u32> = (1..counts.len() as u32).collect();
    items.sort_by_key(|&i| std::cmp::Reverse(counts[i as usize]));
    items.truncate(5);
    items
}

#[component]
fn App() -> impl IntoView {
    let (status, set_status) = signal(String::from("downloading model…"));
    let (error, set_error) = signal(None::<String>);
    let (history, set_history) = signal(Vec::<String>::new());
    let (rows, set_rows) = signal(Vec::<Row>::new());

    leptos::task::spawn_local(async move {
        let bundle = match load_bundle(DEFAULT_BUNDLE).await {
            Ok(b) => b,
            Err(e) => {
                set_error.set(Some(format!("Could not load the model bundle: {e}")));
                set_status.set("failed".into());
                return;
            }
        };
        let device = seqdiff_model::Device::flex();
        let model = match seqdiff_model::bundle::model_from_bytes(&bundle.manifest.model, bundle.weights.clone(), &device) {
            Ok(m) => m,
            Err(e) => {
                set_error.set(Some(format!("The model bundle is unusable: {e}")));
                set_status.set("failed".into());
                return;
            }
        };
        let rec = Recommender::new(model);
        let hist = default_history(&bundle);
        set_history.set(hist.iter().map(|&i| bundle.title(i)).collect());
        let sampling = SamplingConfig { ..bundle.manifest.sampling.clone() };
        let start = now_ms();
        match rec.generate(&[hist], &sampling, false).read_async().await {
            Ok(result) => {
                let ms = now_ms() - start;
                let top = top_k(&result.scores[0], 10);
                set_rows.set(
                    top.into_iter()
                        .map(|(item, score)| Row { title: bundle.title(item), detail: bundle.detail(item), score })
                        .collect(),
                );
                set_status.set(format!(
                    "backend: CPU (Flex) · last request {ms:.1} ms ({:.2} ms per step, {} steps)",
                    ms / sampling.steps.max(1) as f64,
                    sampling.steps
                ));
            }
            Err(e) => set_error.set(Some(format!("Generation failed: {e}"))),
        }
    });

    view! {
        <main>
            <h1>"Diffusion Rec Playground"</h1>
            <p class="muted">"A compact diffusion sequential recommender, running in your browser."</p>
            <p role="status">{move || status.get()}</p>
            {move || error.get().map(|e| view! { <p role="alert">{e}</p> })}
            <h2>"History"</h2>
            <ol aria-label="History">
                {move || history.get().into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
            </ol>
            <h2>"Recommendations"</h2>
            <ol aria-label="Recommendations">
                {move || {
                    rows.get()
                        .into_iter()
                        .map(|r| view! { <li>{r.title}" "<span class="muted">{r.detail}" · "{format!("{:.4}", r.score)}</span></li> })
                        .collect_view()
                }}
            </ol>
        </main>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
