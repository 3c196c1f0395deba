//! The sampling controls: guidance, steps, start strength, seeds, η, seed, mask history, hold-out, backend, and
//! "Copy link". Each has a visible `<label>` whose text is its accessible name.

use std::sync::Arc;

use leptos::prelude::*;
use playground_state::url_state::{
    ETA_STEP, GUIDANCE_MAX, GUIDANCE_MIN, GUIDANCE_STEP, SEED_MAX, SEEDS_MAX, START_MIN, START_STEP, snap,
};
use playground_state::{BackendChoice, PageState};
use wasm_bindgen_futures::JsFuture;

use crate::catalogue::Catalogue;
use crate::url_sync::link_for;
use crate::view_model::notify;

/// A labelled range input with its current value shown beside it.
fn slider(
    id: &'static str,
    label: &'static str,
    (min, max, step): (f64, f64, f64),
    value: impl Fn() -> f64 + Send + Sync + Copy + 'static,
    set: impl Fn(f64) + 'static,
) -> impl IntoView {
    view! {
        <div class="control">
            <label for=id>{label}</label>
            <input
                type="range"
                id=id
                min=min.to_string()
                max=max.to_string()
                step=step.to_string()
                prop:value=move || value().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                        set(v);
                    }
                }
            />
            <span class="value" aria-hidden="true">{move || value().to_string()}</span>
        </div>
    }
}

/// A labelled checkbox (the label follows the box, as usual for checkboxes).
pub fn checkbox(
    id: &'static str,
    label: &'static str,
    checked: impl Fn() -> bool + Send + Sync + 'static,
    set: impl Fn(bool) + 'static,
) -> impl IntoView {
    view! {
        <div class="control checkbox">
            <input type="checkbox" id=id prop:checked=checked on:change=move |ev| set(event_target_checked(&ev)) />
            <label for=id>{label}</label>
        </div>
    }
}

#[component]
pub fn Controls(
    state: RwSignal<PageState>,
    catalogue: Arc<Catalogue>,
    notices: RwSignal<Vec<String>>,
) -> impl IntoView {
    let max_steps = catalogue.limits.max_steps as f64;
    let guided = catalogue.guided;
    let copied = RwSignal::new(None::<String>);
    let copy_link = move |_| {
        let link = link_for(&state.with_untracked(PageState::to_query));
        leptos::task::spawn_local(async move {
            // `navigator.clipboard` is missing on plain HTTP (not a secure context): calling it
            // would throw, so look first.
            let navigator = web_sys::window().map(|w| w.navigator());
            let clipboard = navigator
                .filter(|n| {
                    js_sys::Reflect::get(n, &"clipboard".into()).is_ok_and(|c| !c.is_undefined() && !c.is_null())
                })
                .map(|n| n.clipboard());
            let done = match clipboard {
                Some(c) => JsFuture::from(c.write_text(&link)).await.is_ok(),
                None => false,
            };
            // Without clipboard access the link is still shown, ready to copy by hand.
            copied.set(Some(if done { "Link copied.".into() } else { format!("Copy this link: {link}") }));
        });
    };
    view! {
        <fieldset class="controls">
            <legend>"Sampling"</legend>
            {slider("guidance", "Guidance scale", (GUIDANCE_MIN, GUIDANCE_MAX, GUIDANCE_STEP), move || state.with(|s| s.guidance), move |v| state.update(|s| s.guidance = v))}
            <p class="muted" id="unguided-note" hidden=guided>
                "This design is never guided (its approximator has no condition to drop): guidance changes nothing."
            </p>
            {slider("steps", "Steps", (0.0, max_steps, 1.0), move || state.with(|s| s.steps as f64), move |v| state.update(|s| s.steps = v as usize))}
            // Where the controls below do nothing, say so where they are (a new user took a still
            // list for a broken slider).
            <p class="muted" id="encoder-alone-note" hidden=move || state.with(|s| s.steps > 0)>
                "Steps 0 is the encoder alone, with no denoising: guidance, start strength, seeds, η and seed change nothing until Steps is above 0."
            </p>
            // s = 1 starts from pure noise; smaller s starts part-way down the chain from the encoder's
            // prediction (docs/ARCHITECTURE.md §4).
            {slider("start", "Start strength", (START_MIN, 1.0, START_STEP), move || state.with(|s| s.start), move |v| state.update(|s| s.start = snap(v, START_STEP)))}
            {slider("seeds", "Seeds in ensemble", (1.0, SEEDS_MAX as f64, 1.0), move || state.with(|s| s.seeds as f64), move |v| state.update(|s| s.seeds = v as usize))}
            {slider("eta", "η", (0.0, 1.0, ETA_STEP), move || state.with(|s| s.eta), move |v| state.update(|s| s.eta = snap(v, ETA_STEP)))}
            <div class="control">
                <label for="seed">"Seed"</label>
                <input
                    type="number"
                    id="seed"
                    min="0"
                    max=SEED_MAX.to_string()
                    step="1"
                    prop:value=move || state.with(|s| s.seed.to_string())
                    on:change=move |ev| {
                        let raw = event_target_value(&ev);
                        match raw.trim().parse::<u64>() {
                            Ok(v) if v <= SEED_MAX => state.update(|s| s.seed = v),
                            _ => {
                                let kept = state.with_untracked(|s| s.seed).to_string();
                                notify(notices, format!("Seed must be a whole number from 0 to {SEED_MAX}; kept {kept}."));
                                // Put the kept value back into the box.
                                event_target::<web_sys::HtmlInputElement>(&ev).set_value(&kept);
                            }
                        }
                    }
                />
            </div>
            {checkbox("mask", "Mask history", move || state.with(|s| s.mask_history), move |v| state.update(|s| s.mask_history = v))}
            {checkbox("holdout", "Hold out last item", move || state.with(|s| s.hold_out), move |v| state.update(|s| s.hold_out = v))}
            <div class="control">
                <label for="backend">"Backend"</label>
                <select
                    id="backend"
                    prop:value=move || state.with(|s| s.backend.as_str().to_string())
                    on:change=move |ev| {
                        if let Some(b) = BackendChoice::parse(&event_target_value(&ev)) {
                            state.update(|s| s.backend = b);
                        }
                    }
                >
                    {BackendChoice::ALL.into_iter().map(|b| view! { <option value=b.as_str()>{b.label()}</option> }).collect_view()}
                </select>
            </div>
            <div class="control">
                <button on:click=copy_link>"Copy link"</button>
                <span class="muted" aria-live="polite">{move || copied.get()}</span>
                {catalogue.local.then(|| view! {
                    <p class="muted local-link-note">
                        "This model was opened from this computer: its link opens the default model anywhere else, and here after a reload, until the same folder is opened again."
                    </p>
                })}
            </div>
        </fieldset>
    }
}
