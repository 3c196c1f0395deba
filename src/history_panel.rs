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
                // Keyed by item (a history holds each item once): moving or removing one item moves or
                // removes its row and leaves the others as they are; what depends on the row's place
                // (its number, which buttons are enabled) reads the place from the state.
                <For each=move || state.with(|s| s.history.clone()) key=|item| *item let:item>
                    {
                        let place = move || state.with(|s| s.history.iter().position(|&i| i == item));
                        let last = move || state.with(|s| s.history.len().saturating_sub(1));
                        let held_out = move || state.with(|s| s.model_input().1 == Some(item));
                        let at_place = move |f: fn(&mut PageState, usize)| {
                            state.update(|s| {
                                if let Some(i) = s.history.iter().position(|&x| x == item) {
                                    f(s, i);
                                }
                            })
                        };
                        let title = cat_list.title(item);
                        view! {
                            <li>
                                <span class="index" aria-hidden="true">{move || format!("{}.", place().map_or(0, |i| i + 1))}</span>
                                <span class="title">{title.clone()}</span>
                                <span class="muted">{move || held_out().then_some(" (held out: the answer)")}</span>
                                <span class="row-buttons">
                                    <button aria-label=format!("Move {title} earlier") disabled=move || place() == Some(0) on:click=move |_| at_place(PageState::move_earlier)>"↑"</button>
                                    <button aria-label=format!("Move {title} later") disabled=move || place() == Some(last()) on:click=move |_| at_place(PageState::move_later)>"↓"</button>
                                    <button aria-label=format!("Remove {title}") on:click=move |_| at_place(PageState::remove_at)>"✕"</button>
                                </span>
                            </li>
                        }
                    }
                </For>
            </ol>
        </fieldset>
    }
}
