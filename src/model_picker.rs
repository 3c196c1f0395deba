//! The Model picker: ours or a published design's preset of the same dataset (`model=NAME` in the link;
//! docs/ARCHITECTURE.md, "Designs"). Choosing one opens that bundle with the same history and sampling
//! controls; only the chosen model's bundle is fetched (of the others, the trade-off charts read only their
//! validation grids: `design_frontiers.rs`).

use leptos::prelude::*;
use playground_state::PageState;
use playground_state::url_state::{LOCAL_PREFIX, MODELS, model_folder, split_model};

use crate::url_sync::link_for;

#[component]
pub fn ModelPicker(state: RwSignal<PageState>) -> impl IntoView {
    let dataset = state.with_untracked(|s| s.dataset.clone());
    // A model opened from disk has no siblings on this site.
    (!dataset.starts_with(LOCAL_PREFIX)).then(|| {
        let (base, current) = split_model(&dataset);
        let (base, current) = (base.to_string(), current.to_string());
        let shown = current.clone();
        let choose = move |ev: leptos::ev::Event| {
            let chosen = event_target_value(&ev);
            let mut next = state.get_untracked();
            next.dataset = model_folder(&base, &chosen);
            // Choosing the compared model swaps the two.
            if next.compare.as_deref() == Some(chosen.as_str()) {
                next.compare = Some(shown.clone());
            }
            // The link carries the history and controls to the new bundle's page.
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign(&link_for(&next.to_query()));
            }
        };
        view! {
            <div class="control model-picker">
                <label for="model">"Model"</label>
                <select id="model" on:change=choose>
                    {MODELS
                        .iter()
                        .map(|(name, label)| view! { <option value=*name selected=*name == current>{*label}</option> })
                        .collect_view()}
                </select>
            </div>
        }
    })
}
