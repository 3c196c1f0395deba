//! The viewing history: presets, as-you-type title search, and the ordered list with move and
//! remove buttons (all keyboard-reachable buttons).

use std::sync::Arc;

use leptos::prelude::*;
use playground_state::PageState;

use crate::catalogue::Catalogue;

/// Suggestions shown while typing.
const SUGGESTIONS: usize = 8;

#[component]
pub fn HistoryPanel(state: RwSignal<PageState>, catalogue: Arc<Catalogue>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let cat = catalogue.clone();
    let suggestions = Memo::new(move |_| {
        let q = query.get();
        state.with(|s| cat.index.find(&q, &s.history, SUGGESTIONS))
    });
    let limits = catalogue.limits;
    let add = move |item: u32| {
        state.update(|s| s.add_item(item, &limits));
        query.set(String::new());
    };
    let preset_names: Vec<(usize, String)> = catalogue.presets.iter().map(|p| p.name.clone()).enumerate().collect();
    let cat_presets = catalogue.clone();
    let cat_suggest = catalogue.clone();
    let cat_list = catalogue.clone();

    view! {
        <fieldset class="history">
            <legend>"Viewing history"</legend>
            <div class="control">
                <label for="preset">"Preset"</label>
                <select
                    id="preset"
                    on:change=move |ev| {
                        let chosen = event_target_value(&ev).parse::<usize>().ok().and_then(|i| cat_presets.presets.get(i));
                        if let Some(p) = chosen {
                            state.update(|s| s.history = p.items.clone());
                        }
                    }
                >
                    <option value="">"Choose a preset…"</option>
                    {preset_names.into_iter().map(|(i, name)| view! { <option value=i.to_string()>{name}</option> }).collect_view()}
                </select>
                <button on:click=move |_| state.update(|s| s.history.clear())>"Clear history"</button>
            </div>
            <div class="control search">
                <label for="search">"Add item to history"</label>
                <input
                    type="search"
                    id="search"
                    autocomplete="off"
                    placeholder="Type a title, e.g. star wars"
                    aria-controls="suggestions"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                    on:keydown=move |ev| match ev.key().as_str() {
                        // Enter adds the best suggestion; Escape clears the box.
                        "Enter" => {
                            if let Some(&first) = suggestions.get_untracked().first() {
                                add(first);
                            }
                        }
                        "Escape" => query.set(String::new()),
                        _ => {}
                    }
                />
                <ul id="suggestions" class="suggestions" aria-label="Suggestions">
                    {move || {
                        suggestions
                            .get()
                            .into_iter()
                            .map(|item| {
                                let label = format!("{} ({})", cat_suggest.title(item), cat_suggest.detail(item));
                                view! { <li><button class="suggestion" on:click=move |_| add(item)>{label}</button></li> }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
            <ol aria-label="History" class="history-list">
                {move || {
                    let history = state.with(|s| s.history.clone());
                    let held_out = state.with(|s| s.model_input().1);
                    let len = history.len();
                    history
                        .into_iter()
                        .enumerate()
                        .map(|(i, item)| {
                            let title = cat_list.title(item);
                            let answer = (held_out == Some(item)).then_some(" (held out: the answer)");
                            view! {
                                <li>
                                    <span class="index" aria-hidden="true">{format!("{}.", i + 1)}</span>
                                    <span class="title">{title.clone()}</span>
                                    <span class="muted">{answer}</span>
                                    <span class="row-buttons">
                                        <button aria-label=format!("Move {title} earlier") disabled=i == 0 on:click=move |_| state.update(|s| s.move_earlier(i))>"↑"</button>
                                        <button aria-label=format!("Move {title} later") disabled=i + 1 == len on:click=move |_| state.update(|s| s.move_later(i))>"↓"</button>
                                        <button aria-label=format!("Remove {title}") on:click=move |_| state.update(|s| s.remove_at(i))>"✕"</button>
                                    </span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
        </fieldset>
    }
}
