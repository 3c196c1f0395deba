//! Compare mode (`compare=NAME` in the link): another model of the same dataset — ours or a published
//! design's preset — answers the same history and controls beside the shown one, on the CPU. The page
//! shows its top 10 beside the shown list with their overlap, its latency, its model card, its
//! trajectory on the map and its frontier on the trade-off chart. Only its bundle is fetched, once per
//! choice; the shown model stays loaded.

use std::sync::Arc;

use inference_protocol::messages::Slot;
use leptos::prelude::*;
use playground_state::PageState;
use playground_state::request_cost::{StepKind, request_cost};
use playground_state::url_state::{MODELS, model_folder, split_model};
use seqdiff_model::bundle_files::SweepResult;
use seqdiff_model::map::UnitItems;

use crate::bundle_loader::{BundleSource, load_bundle};
use crate::catalogue::{Catalogue, model_card, step_kind};
use crate::inference_client::Inference;
use crate::view_model::{Output, Sinks, TOP_K, notify};

/// The model compare mode shows beside the shown one.
pub struct ComparedModel {
    /// Its `MODELS` name ("diffurec").
    pub name: String,
    /// "DiffuRec".
    pub label: String,
    pub card: String,
    /// Its chain's length: the steps control is clamped to it.
    pub max_steps: usize,
    pub step: StepKind,
    /// Its own item vectors, L2-normalised: its x̂0 is placed on the shown map by its own nearest items.
    pub unit_items: UnitItems,
    pub sweep: Option<SweepResult>,
}

/// The signals compare mode's loader and the runner write.
#[derive(Clone, Copy)]
pub struct Compared {
    pub model: RwSignal<Option<Arc<ComparedModel>>>,
    /// Its last request (always on the CPU).
    pub output: RwSignal<Option<Output>>,
    /// What is happening while there is no output (loading, a failed request).
    pub status: RwSignal<Option<String>>,
}

impl Compared {
    pub fn new() -> Compared {
        Compared { model: RwSignal::new(None), output: RwSignal::new(None), status: RwSignal::new(None) }
    }
}

pub fn label_of(name: &str) -> &'static str {
    MODELS.iter().find(|(m, _)| *m == name).map_or("", |(_, label)| *label)
}

/// Items of `a` that are also in `b`.
pub fn overlap(a: &[u32], b: &[u32]) -> usize {
    a.iter().filter(|i| b.contains(i)).count()
}

/// Fetches `name`'s bundle for the shown dataset and builds it in the worker's compare slot, unless
/// `still_wanted` says another choice has replaced it by the time its files arrive.
async fn load_compared(
    name: &str,
    shown: &Catalogue,
    inference: Inference,
    still_wanted: impl Fn() -> bool,
) -> Result<Option<ComparedModel>, String> {
    let (base, _) = split_model(&shown.defaults.dataset);
    let folder = model_folder(base, name);
    let bundle = load_bundle(&BundleSource::Hosted(format!("models/{folder}")), |_| {})
        .await
        .map_err(|e| e.message().to_string())?;
    let m = &bundle.manifest;
    if m.model.num_items != shown.limits.num_items {
        return Err(format!(
            "models/{folder}/ has {} items and the shown model {}: they are not the same catalogue",
            m.model.num_items, shown.limits.num_items
        ));
    }
    if !still_wanted() {
        return Ok(None);
    }
    let loaded = inference.load(Slot::Compared, m.model.clone(), bundle.weights.clone()).await?;
    Ok(Some(ComparedModel {
        name: name.to_string(),
        label: label_of(name).to_string(),
        card: model_card(m),
        max_steps: m.model.diffusion_steps,
        step: step_kind(m),
        unit_items: UnitItems::new(&loaded.item_vectors),
        sweep: bundle.sweep,
    }))
}

/// Loads the model `state.compare` names whenever it changes, then asks for both lists again.
pub fn follow_compare_choice(state: RwSignal<PageState>, catalogue: Arc<Catalogue>, sinks: Sinks) {
    let compared = sinks.compared;
    let inference = expect_context::<Inference>();
    let wanted = Memo::new(move |_| state.with(|s| s.compare.clone()));
    // Each choice's number: a bundle that arrives after the user chose again is dropped.
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let name = wanted.get();
        compared.model.set(None);
        compared.output.set(None);
        latest.update_value(|t| *t += 1);
        let token = latest.get_value();
        let Some(name) = name else {
            compared.status.set(None);
            return;
        };
        compared.status.set(Some(format!("Loading {}…", label_of(&name))));
        let cat = catalogue.clone();
        leptos::task::spawn_local(async move {
            let current = move || latest.try_get_value() == Some(token);
            let result = load_compared(&name, &cat, inference, current).await;
            if !current() {
                return;
            }
            match result {
                Ok(Some(model)) => {
                    compared.model.set(Some(Arc::new(model)));
                    compared.status.set(None);
                    inference.submit(state.get_untracked(), cat, sinks);
                }
                Ok(None) => {}
                Err(why) => {
                    notify(sinks.notices, format!("Compare with {}: {why}; compare mode is off.", label_of(&name)));
                    compared.status.set(None);
                    state.update(|s| s.compare = None);
                }
            }
        });
    });
}

/// "Compare with": nothing, or another model of this dataset (no reload; the link keeps the choice).
#[component]
pub fn ComparePicker(state: RwSignal<PageState>) -> impl IntoView {
    let shown = state.with_untracked(|s| split_model(&s.dataset).1.to_string());
    let choose = move |ev: leptos::ev::Event| {
        let chosen = event_target_value(&ev);
        state.update(|s| s.compare = (!chosen.is_empty()).then_some(chosen));
    };
    view! {
        <div class="control compare-picker">
            <label for="compare">"Compare with"</label>
            <select id="compare" on:change=choose prop:value=move || state.with(|s| s.compare.clone().unwrap_or_default())>
                <option value="">"nothing"</option>
                {MODELS
                    .iter()
                    .filter(|(name, _)| *name != shown)
                    .map(|(name, label)| {
                        view! { <option value=*name selected=move || state.with(|s| s.compare.as_deref() == Some(*name))>{*label}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The compared model's list beside the shown one: its card, the overlap, its latency.
#[component]
pub fn ComparedList(state: RwSignal<PageState>, sinks: Sinks, catalogue: Arc<Catalogue>) -> impl IntoView {
    let compared = sinks.compared;
    let on = move || state.with(|s| s.compare.is_some());
    let heading = move || {
        let name = state.with(|s| s.compare.clone()).unwrap_or_default();
        format!("Compared: {}", label_of(&name))
    };
    let summary = move || {
        let o = compared.output.get()?;
        let model = compared.model.get()?;
        let shown: Vec<u32> =
            sinks.output.with(|s| s.as_ref().map(|s| s.rows.iter().map(|r| r.item).collect()).unwrap_or_default());
        let theirs: Vec<u32> = o.rows.iter().map(|r| r.item).collect();
        let shared = overlap(&theirs, &shown);
        let clamped = state.with(|s| s.steps > o.steps).then(|| format!(" (its chain has {} steps)", model.max_steps));
        let answer = o.answer.map(|a| format!(" · the held-out answer ranks {} here", a.rank)).unwrap_or_default();
        Some(format!(
            "{shared} of {TOP_K} also in the shown list{answer} · {} on the CPU{}",
            request_cost(o.ms, o.steps, o.seeds, o.step),
            clamped.unwrap_or_default()
        ))
    };
    move || {
        on().then(|| {
            let cat = catalogue.clone();
            view! {
                <section class="compared" aria-label="Compared model">
                    <h2>{heading}</h2>
                    <p class="muted compared-card">{move || compared.model.get().map(|m| m.card.clone())}</p>
                    <p class="muted compared-status" aria-live="polite">{move || compared.status.get()}</p>
                    <p class="compared-summary">{summary}</p>
                    <ol aria-label="Compared model's top 10" class="recommendations">
                        <For each=move || compared.output.with(|o| o.as_ref().map(|o| o.rows.iter().map(|r| r.item).collect::<Vec<_>>()).unwrap_or_default()) key=|item| *item let:item>
                            {
                                let in_shown = move || sinks.output.with(|o| o.as_ref().is_some_and(|o| o.rows.iter().any(|r| r.item == item)));
                                let is_answer = move || compared.output.with(|o| o.as_ref().is_some_and(|o| o.rows.iter().any(|r| r.item == item && r.is_answer)));
                                let score = move || compared.output.with(|o| o.as_ref().and_then(|o| o.rows.iter().find(|r| r.item == item)).map(|r| format!("{:.2}%", r.score * 100.0)).unwrap_or_default());
                                view! {
                                    <li class:shared=in_shown class:answer=is_answer>
                                        <span class="title">{cat.title(item)}</span>
                                        " "
                                        <span class="score">{score}</span>
                                        {move || in_shown().then_some(" · in both")}
                                        {move || is_answer().then_some(" ← the held-out answer")}
                                    </li>
                                }
                            }
                        </For>
                    </ol>
                </section>
            }
        })
    }
}
