//! Loads the bundle named by the URL (with visible phases), then shows the playground; a bundle
//! that cannot be loaded gets an error screen, never a blank page.

use std::sync::Arc;

use leptos::prelude::*;
use playground_state::url_state::dataset_from_query;
use playground_state::{BackendChoice, PageState};

use crate::bundle_loader::load_bundle;
use crate::catalogue::Catalogue;
use crate::controls::Controls;
use crate::history_panel::HistoryPanel;
use crate::inference_client::Inference;
use crate::insight::Insight;
use crate::map_canvas::EmbeddingMap;
use crate::results::{Recommendations, StatusLine};
use crate::url_sync::{current_query, replace_query};
use crate::view_model::{AutoPick, Sinks, notify};

/// How long the worker may take to build the model once the bundle is here (its wasm has been
/// downloading since the page started).
const WORKER_START_LIMIT_S: u32 = 120;

#[component]
pub fn App() -> impl IntoView {
    let phase = RwSignal::new(String::from("starting"));
    let failure = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(None::<Arc<Catalogue>>);
    let notices = RwSignal::new(Vec::<String>::new());

    // The worker's wasm downloads and compiles while the bundle downloads. If it cannot start, say so
    // at once (a panic later has its own error screen).
    let inference = Inference::spawn(move |why| {
        if loaded.get_untracked().is_none() && failure.get_untracked().is_none() {
            failure.set(Some(format!("The model cannot run: {why}. Reload the page to try again.")));
        }
    });
    provide_context(inference);
    crate::test_hooks::install(inference);
    leptos::task::spawn_local(async move {
        let query = current_query();
        let (dataset, notice) = dataset_from_query(&query);
        if let Some(n) = notice {
            notify(notices, n);
        }
        let base = format!("models/{dataset}");
        let bundle = match load_bundle(&base, |p| phase.set(p.to_string())).await {
            Ok(b) => b,
            Err(e) => {
                failure.set(Some(format!("Could not load the model bundle: {e}")));
                return;
            }
        };
        for warning in &bundle.warnings {
            notify(notices, warning.clone());
        }
        phase.set("preparing the CPU model in the inference worker".into());
        // A worker that never answers and raises no error (a browser without module workers) must not
        // leave a loading screen forever.
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(WORKER_START_LIMIT_S * 1000).await;
            if loaded.get_untracked().is_none() && failure.get_untracked().is_none() {
                failure.set(Some(format!(
                    "The inference worker did not start within {WORKER_START_LIMIT_S} s: its script ({}) could not be loaded, or this browser does not run module workers.",
                    inference_protocol::worker::WORKER_SCRIPT
                )));
            }
        });
        let (item_vectors, repeat_offset) =
            match inference.load(bundle.manifest.model.clone(), bundle.weights.clone()).await {
                Ok(loaded) => (loaded.item_vectors, loaded.repeat_offset),
                Err(e) => {
                    failure.set(Some(format!("The model bundle is unusable: {e}")));
                    return;
                }
            };
        phase.set("ready".into());
        loaded.set(Some(Arc::new(Catalogue::new(&dataset, &bundle, item_vectors, repeat_offset))));
    });

    view! {
        <header>
            <h1>"Diffusion Rec Playground"</h1>
            <p class="muted">
                "A compact diffusion sequential recommender generating your next item in the browser, on WebGPU or the CPU."
            </p>
        </header>
        <main>
        <Notices notices=notices />
        {move || match (failure.get(), loaded.get()) {
            (Some(e), _) => view! {
                <section class="error-screen" role="alert">
                    <h2>"The model could not be loaded"</h2>
                    <p>{e}</p>
                    <p>"Reload the page to try again. If it keeps failing, the bundle in public/models/ is missing or damaged."</p>
                </section>
            }.into_any(),
            (None, Some(catalogue)) => view! { <Playground catalogue=catalogue notices=notices /> }.into_any(),
            (None, None) => view! { <p role="status" class="loading">"Loading model: " {move || phase.get()} "…"</p> }.into_any(),
        }}
        </main>
    }
}

/// Every notice (ignored URL fields, fallbacks, failures), visible until dismissed.
#[component]
fn Notices(notices: RwSignal<Vec<String>>) -> impl IntoView {
    move || {
        let list = notices.get();
        (!list.is_empty()).then(|| {
            view! {
                <div role="alert" class="notices">
                    <ul>{list.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                    <button on:click=move |_| notices.set(Vec::new())>"Dismiss"</button>
                </div>
            }
        })
    }
}

#[component]
fn Playground(catalogue: Arc<Catalogue>, notices: RwSignal<Vec<String>>) -> impl IntoView {
    let (initial, url_notices) = PageState::from_query(&current_query(), &catalogue.defaults, &catalogue.limits);
    for n in url_notices {
        notify(notices, format!("Link: {n}"));
    }
    let state = RwSignal::new(initial);
    let inference = expect_context::<Inference>();
    let sinks = Sinks {
        output: RwSignal::new(None),
        idle_reason: RwSignal::new(None),
        notices,
        auto: RwSignal::new(AutoPick::Pending),
        gpu_phase: RwSignal::new(String::from("not started")),
    };

    // Every change: the address bar first (so a copied link is always current), then a request.
    let cat = catalogue.clone();
    Effect::new(move |_| {
        let s = state.get();
        replace_query(&s.to_query());
        inference.submit(s, cat.clone(), sinks);
    });
    // Auto measures WebGPU once, after the first CPU result is on screen.
    let probing = RwSignal::new(false);
    let cat = catalogue.clone();
    Effect::new(move |_| {
        let wants_auto = state.with(|s| s.backend == BackendChoice::Auto);
        let has_output = sinks.output.with(Option::is_some);
        if wants_auto && has_output && !probing.get_untracked() {
            probing.set(true);
            let snapshot = state.get_untracked();
            let cat = cat.clone();
            leptos::task::spawn_local(async move {
                inference.probe_auto(snapshot, sinks).await;
                // Re-run the current request on the backend Auto picked.
                if state.with_untracked(|s| s.backend == BackendChoice::Auto) {
                    inference.submit(state.get_untracked(), cat, sinks);
                }
            });
        }
    });

    view! {
        <p class="muted model-card">"Model: " {catalogue.model_card.clone()}</p>
        {catalogue.trade_off.clone().map(|t| view! { <p class="muted trade-off-verdict">{t}</p> })}
        <div class="layout">
            <section class="inputs" aria-label="Inputs">
                <HistoryPanel state=state catalogue=catalogue.clone() />
                <Controls state=state catalogue=catalogue.clone() notices=notices />
            </section>
            <section class="outputs" aria-label="Outputs">
                <StatusLine state=state sinks=sinks />
                <Recommendations sinks=sinks catalogue=catalogue.clone() />
                <EmbeddingMap state=state sinks=sinks catalogue=catalogue.clone() />
                <Insight state=state sinks=sinks catalogue=catalogue.clone() />
            </section>
        </div>
    }
}
