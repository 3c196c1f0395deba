//! The embedding map component: every item on a Canvas2D scatter coloured by genre, with the
//! request's overlay replayed step by step (`map_drawing.rs`); drag to pan, wheel to zoom, pinch to
//! zoom (`map_gestures.rs`), hover for a tooltip (grid index), click an item to add it to the
//! history; the trajectory also as a table (`trajectory_table.rs`).

use std::sync::Arc;

use leptos::html::Canvas;
use leptos::prelude::*;
use playground_state::PageState;
use playground_state::map_view::Transform;
use web_sys::{MouseEvent, TouchEvent, WheelEvent};

use crate::catalogue::Catalogue;
use crate::controls::checkbox;
use crate::map_drawing::{HEIGHT, StaticLayer, WIDTH, colour, coords, draw};
use crate::map_gestures::{centre_and_spread, touches};
use crate::overlay::{compared_overlay, overlay};
use crate::trajectory_table::TrajectoryTable;
use crate::view_model::Sinks;
use inference_protocol::clock::now_ms;

/// Hover/click reach around an item, in screen pixels.
const PICK_RADIUS_PX: f64 = 6.0;
/// How long a new result's trajectory takes to replay.
const ANIMATION_MS: f64 = 700.0;

#[component]
pub fn EmbeddingMap(state: RwSignal<PageState>, sinks: Sinks, catalogue: Arc<Catalogue>) -> impl IntoView {
    let Some(map) = catalogue.map.as_ref() else {
        return view! { <p class="muted">"This bundle has no item map."</p> }.into_any();
    };
    let canvas_ref = NodeRef::<Canvas>::new();
    let static_cache: StaticLayer = StoredValue::new_local(None);
    let use_pca = RwSignal::new(false);
    let fitted =
        move |pca: bool, cat: &Catalogue| Transform::fit(coords(cat.map.as_ref().unwrap(), pca), WIDTH, HEIGHT, 16.0);
    let transform = RwSignal::new(fitted(false, &catalogue));
    let hover = RwSignal::new(None::<(u32, f64, f64)>);
    let progress = RwSignal::new(1.0f64);
    // Mouse-down position and whether the mouse moved since (a drag is not a click).
    let press = RwSignal::new(None::<([f64; 2], bool)>);
    // Last touch centre and finger spread: one finger pans, two pinch-zoom about their centre.
    let touch = RwSignal::new(None::<([f64; 2], f64)>);
    let on_touch = move |ev: TouchEvent| {
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        ev.prevent_default();
        let points = touches(&ev, &canvas);
        let now = (!points.is_empty()).then(|| centre_and_spread(&points));
        if let (Some((c0, s0)), Some((c1, s1))) = (touch.get_untracked(), now) {
            transform.update(|t| {
                let mut next = t.panned(c1[0] - c0[0], c1[1] - c0[1]);
                if s0 > 0.0 && s1 > 0.0 {
                    next = next.zoomed(s1 / s0, c1);
                }
                *t = next;
            });
        }
        touch.set(now);
    };
    // A finger landed or lifted: restart from the current points, so the view does not jump.
    let touch_reset = move |ev: TouchEvent| {
        if let Some(canvas) = canvas_ref.get_untracked() {
            let points = touches(&ev, &canvas);
            touch.set((!points.is_empty()).then(|| centre_and_spread(&points)));
        }
    };

    let cat = catalogue.clone();
    // The history part of the state only: a new seed or guidance must not place every point again
    // with the old result (placing is the page's largest cost per request at 12,000 items).
    let model_input = Memo::new(move |_| {
        state.with(|s| {
            let (i, a) = s.model_input();
            (i.to_vec(), a)
        })
    });
    let layer = Memo::new(move |_| {
        let pca = use_pca.get();
        let m = cat.map.as_ref().unwrap();
        let (input, answer) = model_input.get();
        let mut layer =
            sinks.output.with(|o| o.as_ref().map(|o| overlay(o, &input, answer, m, pca))).unwrap_or_default();
        let compared = sinks.compared;
        if let (Some(model), true) = (compared.model.get(), compared.output.with(Option::is_some)) {
            compared.output.with(|o| {
                if let Some(o) = o {
                    (layer.compared, layer.compared_recommendations) = compared_overlay(o, &model, m, pca);
                }
            });
        }
        layer
    });
    // New results: replay the trajectory from its first step. One frame loop at most: a result that
    // arrives mid-replay restarts the running loop's clock instead of starting a second loop (during
    // a slider drag, one loop per result had the map drawn a dozen times a frame).
    let replay_start = StoredValue::new(0.0f64);
    let replaying = StoredValue::new(false);
    fn tick(progress: RwSignal<f64>, start: StoredValue<f64>, replaying: StoredValue<bool>) {
        // The map is gone (another model was opened): the loop ends with it.
        let Some(start_ms) = start.try_get_value() else { return };
        let p = ((now_ms() - start_ms) / ANIMATION_MS).min(1.0);
        progress.set(p);
        if p < 1.0 {
            request_animation_frame(move || tick(progress, start, replaying));
        } else {
            replaying.set_value(false);
        }
    }
    Effect::new(move |_| {
        layer.track();
        replay_start.set_value(now_ms());
        if !replaying.get_value() {
            replaying.set_value(true);
            tick(progress, replay_start, replaying);
        }
    });
    let cat = catalogue.clone();
    Effect::new(move |_| {
        let (pca, t, p, h) = (use_pca.get(), transform.get(), progress.get(), hover.get().map(|h| h.0));
        layer.with(|o| {
            if let Some(canvas) = canvas_ref.get() {
                draw(&canvas, static_cache, cat.map.as_ref().unwrap(), pca, t, o, p, h);
            }
        });
    });

    let cat = catalogue.clone();
    let pick = move |ev: &MouseEvent| -> Option<(u32, f64, f64)> {
        let (x, y) = (ev.offset_x() as f64, ev.offset_y() as f64);
        let m = cat.map.as_ref()?;
        let t = transform.get_untracked();
        let index = if use_pca.get_untracked() { &m.pca_index } else { &m.tsne_index };
        index.nearest(t.to_data([x, y]), PICK_RADIUS_PX / t.scale).map(|i| (i as u32, x, y))
    };
    let pick_move = pick.clone();
    let limits = catalogue.limits;
    let cat_tip = catalogue.clone();
    let cat_table = catalogue.clone();
    let cat_steps = catalogue.clone();
    let legend: Vec<(usize, String)> = map.legend.iter().cloned().enumerate().collect();
    view! {
        <section class="map" aria-label="Map">
            <h2>"Embedding map"</h2>
            <div class="control">
                {checkbox("pca-view", "PCA view (exact positions)", move || use_pca.get(), move |pca| {
                    use_pca.set(pca);
                    transform.set(fitted(pca, &catalogue));
                })}
                <button on:click=move |_| transform.set(fitted(use_pca.get_untracked(), &cat_steps))>"Reset view"</button>
            </div>
            <div class="map-frame">
                <canvas
                    node_ref=canvas_ref
                    width=WIDTH.to_string()
                    height=HEIGHT.to_string()
                    role="img"
                    aria-label="Embedding map"
                    data-trajectory-points=move || layer.with(|o| o.trajectory.len().to_string())
                    data-compared-points=move || layer.with(|o| o.compared.len().to_string())
                    on:mousedown=move |ev: MouseEvent| press.set(Some(([ev.offset_x() as f64, ev.offset_y() as f64], false)))
                    on:mousemove=move |ev: MouseEvent| {
                        if ev.buttons() & 1 == 1 {
                            if let Some(([x0, y0], _)) = press.get_untracked() {
                                let (x, y) = (ev.offset_x() as f64, ev.offset_y() as f64);
                                if (x - x0).hypot(y - y0) > 3.0 {
                                    transform.update(|t| *t = t.panned(x - x0, y - y0));
                                    press.set(Some(([x, y], true)));
                                }
                            }
                            return;
                        }
                        let found = pick_move(&ev);
                        if found.map(|f| f.0) != hover.get_untracked().map(|h| h.0) || found.is_some() {
                            hover.set(found);
                        }
                    }
                    on:mouseup=move |ev: MouseEvent| {
                        let dragged = press.get_untracked().is_some_and(|(_, moved)| moved);
                        press.set(None);
                        if !dragged {
                            if let Some((item, _, _)) = pick(&ev) {
                                state.update(|s| s.add_item(item, &limits));
                            }
                        }
                    }
                    on:mouseleave=move |_| {
                        hover.set(None);
                        press.set(None);
                    }
                    on:touchstart=touch_reset
                    on:touchmove=on_touch
                    on:touchend=touch_reset
                    on:wheel=move |ev: WheelEvent| {
                        ev.prevent_default();
                        let factor = (-ev.delta_y() * 0.0015).exp().clamp(0.5, 2.0);
                        transform.update(|t| *t = t.zoomed(factor, [ev.offset_x() as f64, ev.offset_y() as f64]));
                    }
                ></canvas>
                {move || hover.get().map(|(item, x, y)| view! {
                    <div role="tooltip" class="tooltip" style=format!("left: {}px; top: {}px", x + 12.0, y + 12.0)>
                        <strong>{cat_tip.title(item)}</strong>
                        <br />
                        <span>{cat_tip.detail(item)}</span>
                    </div>
                })}
            </div>
            <ul class="legend" aria-label="Genres">
                {legend.into_iter().map(|(i, g)| view! { <li><span class="swatch" style=format!("background: {}", colour(i))></span>{g}</li> }).collect_view()}
            </ul>
            <p class="muted">
                "Black numbered dots: history; blue #: recommendations; green ring: held-out answer; red path: x̂0 after each step "
                "(faint while far from any item); orange: each seed's final x̂0; purple: unconditional ∅ → conditional c (guidance direction); "
                "teal: the compared model's x̂0 path and its top 10 (compare mode)."
            </p>
            <TrajectoryTable layer=layer catalogue=cat_table />
        </section>
    }
    .into_any()
}
