//! Loads the bundle named by the URL (with visible phases), then shows the playground; a bundle
//! that cannot be loaded gets an error screen, never a blank page.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use playground_state::local_bundle::select_bundle;
use playground_state::url_state::{DEFAULT_DATASET, LOCAL_PREFIX, dataset_from_query};
use playground_state::{BackendChoice, PageState};

use inference_protocol::messages::Slot;

use crate::bundle_loader::{BundleSource, LoadError, load_bundle};
use crate::catalogue::Catalogue;
use crate::compare::{ComparePicker, Compared, ComparedList, follow_compare_choice};
use crate::controls::Controls;
use crate::history_panel::HistoryPanel;
use crate::inference_client::Inference;
use crate::insight::Insight;
use crate::map_canvas::EmbeddingMap;
use crate::model_picker::ModelPicker;
use crate::open_model::{OpenModel, OpenedFiles};
use crate::results::{Recommendations, StatusLine};
use crate::url_sync::{current_query, replace_query};
use crate::view_model::{AutoPick, Sinks, notify};

/// How long the worker may take to start and build the first model (its wasm has been downloading
/// since the page started).
const WORKER_START_LIMIT_S: u32 = 120;

/// Why the page shows its error screen instead of the playground.
#[derive(Clone)]
struct Failure {
    message: String,
    /// A model opened from disk failed (the model shown before, if any, is still there).
    local: bool,
}

/// The app's signals that loading a bundle sets.
#[derive(Clone, Copy)]
struct Screen {
    phase: RwSignal<String>,
    failure: RwSignal<Option<Failure>>,
    loaded: RwSignal<Option<Arc<Catalogue>>>,
    notices: RwSignal<Vec<String>>,
}

#[component]
pub fn App() -> impl IntoView {
    let screen = Screen {
        phase: RwSignal::new(String::from("starting")),
        failure: RwSignal::new(None),
        loaded: RwSignal::new(None),
        notices: RwSignal::new(Vec::new()),
    };
    let Screen { phase, failure, loaded, notices } = screen;
    // What "Open a model…" is reading, shown while it reads.
    let opening = RwSignal::new(None::<String>);

    // The worker's wasm downloads and compiles while the bundle downloads. If it cannot start, say so
    // at once (a panic later has its own error screen).
    let inference = Inference::spawn(move |why| {
        if loaded.get_untracked().is_none() && failure.get_untracked().is_none() {
            failure.set(Some(Failure {
                message: format!("The model cannot run: {why}. Reload the page to try again."),
                local: false,
            }));
        }
    });
    provide_context(inference);
    crate::test_hooks::install(inference);
    leptos::task::spawn_local(async move {
        // A worker that never answers and raises no error (a browser without module workers) must not
        // leave a loading screen forever.
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(WORKER_START_LIMIT_S * 1000).await;
            if loaded.get_untracked().is_none() && failure.get_untracked().is_none() {
                failure.set(Some(Failure {
                    message: format!(
                        "The inference worker did not start within {WORKER_START_LIMIT_S} s: its script ({}) could not be loaded, or this browser does not run module workers.",
                        inference_protocol::worker::WORKER_SCRIPT
                    ),
                    local: false,
                }));
            }
        });
        // The link's bundle; one that is not on this site gets the default (the playground's
        // notices say so, from the link).
        let dataset = dataset_from_query(&current_query());
        let mut opened =
            open_bundle(BundleSource::Hosted(format!("models/{dataset}")), &dataset, inference, screen).await;
        if matches!(opened, Err(LoadError::Missing(_))) && dataset != DEFAULT_DATASET {
            let fallback = BundleSource::Hosted(format!("models/{DEFAULT_DATASET}"));
            opened = open_bundle(fallback, DEFAULT_DATASET, inference, screen).await;
        }
        if let Err(e) = opened {
            failure.set(Some(Failure {
                message: format!("Could not load the model bundle: {}", e.message()),
                local: false,
            }));
        }
    });

    // "Open a model…": the files beside the opened manifest.json, checked like a hosted bundle.
    let open_local = Callback::new(move |files: OpenedFiles| {
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        let chosen = match select_bundle(&paths) {
            Ok(chosen) => chosen,
            Err(e) => {
                failure.set(Some(Failure { message: format!("Could not open a model: {e}."), local: true }));
                return;
            }
        };
        let by_name: HashMap<String, web_sys::File> =
            chosen.files.iter().map(|(name, i)| (name.clone(), files[*i].1.clone())).collect();
        let folder = chosen.folder.clone();
        let source = BundleSource::Local { folder: folder.clone(), files: Rc::new(by_name) };
        opening.set(Some(format!("Opening {folder} from this computer…")));
        leptos::task::spawn_local(async move {
            let dataset = format!("{LOCAL_PREFIX}{folder}");
            if let Err(e) = open_bundle(source, &dataset, inference, screen).await {
                failure.set(Some(Failure {
                    message: format!("Could not open the model in {folder:?}: {}", e.message()),
                    local: true,
                }));
            }
            opening.set(None);
        });
    });

    view! {
        <header>
            <h1>"Diffusion Rec Playground"</h1>
            <p class="muted">
                "A compact diffusion sequential recommender generating your next item in the browser, on WebGPU or the CPU."
            </p>
            <p class="open-model-bar">
                <OpenModel on_open=open_local />
                <span class="opening" aria-live="polite">{move || opening.get()}</span>
            </p>
        </header>
        <main>
        <Notices notices=notices />
        {move || match (failure.get(), loaded.get()) {
            (Some(f), shown) => view! {
                <section class="error-screen" role="alert">
                    <h2>"The model could not be loaded"</h2>
                    <p>{f.message}</p>
                    <p>{if f.local {
                        "Open the folder that seqdiff export wrote (it holds manifest.json), or go back to the model you had."
                    } else {
                        "Reload the page to try again. If it keeps failing, the bundle in public/models/ is missing or damaged."
                    }}</p>
                    {shown.map(|c| {
                        let name = c.name.clone();
                        view! { <button class="back" on:click=move |_| failure.set(None)>{format!("Back to {name}")}</button> }
                    })}
                </section>
            }.into_any(),
            (None, Some(catalogue)) => view! { <Playground catalogue=catalogue notices=notices /> }.into_any(),
            (None, None) => view! { <p role="status" class="loading">"Loading model: " {move || phase.get()} "…"</p> }.into_any(),
        }}
        </main>
    }
}

/// Reads the bundle at `source`, builds its model in the worker and shows it as `dataset`. The
/// model shown before stays (in the worker too) until the new one is ready.
async fn open_bundle(
    source: BundleSource,
    dataset: &str,
    inference: Inference,
    screen: Screen,
) -> Result<(), LoadError> {
    let bundle = load_bundle(&source, |p| screen.phase.set(p.to_string())).await?;
    screen.phase.set("preparing the CPU model in the inference worker".into());
    let model = inference
        .load(Slot::Shown, bundle.manifest.model.clone(), bundle.weights.clone())
        .await
        .map_err(|e| LoadError::Unusable(format!("the model bundle is unusable: {e}")))?;
    for warning in &bundle.warnings {
        notify(screen.notices, warning.clone());
    }
    if matches!(source, BundleSource::Local { .. }) {
        // The new model starts from its own defaults; its link names it (and says it is local).
        replace_query(&PageState::dataset_query(dataset));
    }
    screen.phase.set("ready".into());
    screen.failure.set(None);
    screen.loaded.set(Some(Arc::new(Catalogue::new(dataset, &bundle, model.item_vectors, model.repeat_offset))));
    Ok(())
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
        compared: Compared::new(),
    };
    follow_compare_choice(state, catalogue.clone(), sinks);

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
                // (Unless a model opened since has replaced this playground.)
                if state.try_with_untracked(|s| s.backend == BackendChoice::Auto) == Some(true) {
                    inference.submit(state.get_untracked(), cat, sinks);
                }
            });
        }
    });

    view! {
        <div class="pickers">
            <ModelPicker state=state />
            {(!catalogue.local).then(|| view! { <ComparePicker state=state /> })}
        </div>
        <p class="muted model-card">"Model: " {catalogue.model_card.clone()}</p>
        {catalogue.trade_off.clone().map(|t| view! { <p class="muted trade-off-verdict">{t}</p> })}
        <div class="layout">
            <section class="inputs" aria-label="Inputs">
                <HistoryPanel state=state catalogue=catalogue.clone() />
                <Controls state=state catalogue=catalogue.clone() notices=notices />
            </section>
            <section class="outputs" aria-label="Outputs">
                <StatusLine state=state sinks=sinks />
                <div class="lists" class:side-by-side=move || state.with(|s| s.compare.is_some())>
                    <div>
                        <Recommendations sinks=sinks catalogue=catalogue.clone() />
                    </div>
                    <ComparedList state=state sinks=sinks catalogue=catalogue.clone() />
                </div>
                <EmbeddingMap state=state sinks=sinks catalogue=catalogue.clone() />
                <Insight state=state sinks=sinks catalogue=catalogue.clone() />
            </section>
        </div>
    }
}
