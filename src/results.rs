//! The status line (backend, latency, load phases) and the ranked recommendations.

use std::sync::Arc;

use leptos::prelude::*;
use playground_state::request_cost::request_cost;
use playground_state::{BackendChoice, PageState};

use crate::catalogue::Catalogue;
use crate::view_model::{AutoPick, Row, Sinks};

#[component]
pub fn StatusLine(state: RwSignal<PageState>, sinks: Sinks) -> impl IntoView {
    let text = move || {
        let chosen = state.with(|s| s.backend);
        let auto = match (chosen, sinks.auto.get()) {
            (BackendChoice::Auto, AutoPick::Pending) => " (Auto: measuring WebGPU…)".to_string(),
            (BackendChoice::Auto, AutoPick::Decided { note, .. }) => format!(" (Auto: {note})"),
            _ => String::new(),
        };
        let gpu = format!(" · WebGPU: {}", sinks.gpu_phase.get());
        match sinks.output.get() {
            Some(o) => format!(
                "backend: {}{auto} · last request {}{}{gpu}",
                o.backend.label(),
                request_cost(o.ms, o.steps, o.seeds, o.step),
                if o.workers > 1 { format!(" · seeds split over {} CPU workers", o.workers) } else { String::new() }
            ),
            None => format!(
                "backend: {}{auto} · no request yet{gpu}",
                if chosen == BackendChoice::WebGpu { "WebGPU" } else { "CPU" }
            ),
        }
    };
    view! { <p role="status" class="status">{text}</p> }
}

#[component]
pub fn Recommendations(sinks: Sinks, catalogue: Arc<Catalogue>) -> impl IntoView {
    let n = catalogue.limits.num_items;
    view! {
        <h2 id="recs-heading">"Recommendations"</h2>
        {move || sinks.idle_reason.get().map(|r| view! { <p class="muted">{r}</p> })}
        {move || {
            sinks.output.get().and_then(|o| o.answer).map(|a| {
                let verdict = if a.rank <= crate::view_model::TOP_K { "a hit in the top 10" } else { "outside the top 10" };
                view! {
                    <p class="answer">
                        "Held-out answer: " <strong>{a.title}</strong> {format!(" ranks {} of {n}: {verdict}.", a.rank)}
                    </p>
                }
            })
        }}
        <ol aria-label="Recommendations" class="recommendations">
            // Keyed by item: an item that stays in the list keeps its row (moved to its new rank, its
            // score updated); only items that enter or leave the list add or drop a row.
            <For each=move || sinks.output.with(|o| o.as_ref().map(|o| o.rows.iter().map(|r| r.item).collect::<Vec<_>>()).unwrap_or_default()) key=|item| *item let:item>
                {
                    let row = move |f: fn(&Row) -> String| sinks.output.with(|o| o.as_ref().and_then(|o| o.rows.iter().find(|r| r.item == item)).map(f).unwrap_or_default());
                    let is_answer = move || sinks.output.with(|o| o.as_ref().is_some_and(|o| o.rows.iter().any(|r| r.item == item && r.is_answer)));
                    view! {
                        <li class:answer=is_answer>
                            <span class="title">{catalogue.title(item)}</span>
                            " "
                            <span class="muted">{catalogue.detail(item)}</span>
                            " "
                            <span class="score">{move || row(|r| format!("{:.2}%", r.score * 100.0))}</span>
                            {move || is_answer().then_some(" ← the held-out answer")}
                        </li>
                    }
                }
            </For>
        </ol>
    }
}
