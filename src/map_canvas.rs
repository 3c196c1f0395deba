//! The embedding map: every item on a Canvas2D scatter coloured by genre (a pre-rendered static
//! layer), with the request's overlay redrawn per animation frame; drag to pan, wheel to zoom,
//! pinch to zoom (touch), hover for a tooltip (grid index), click an item to add it to the history.

use std::sync::Arc;

use leptos::html::Canvas;
use leptos::prelude::*;
use playground_state::PageState;
use playground_state::map_view::Transform;
use seqdiff_model::map::Placement;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, MouseEvent, TouchEvent, WheelEvent};

use crate::catalogue::{Catalogue, MapData};
use crate::controls::checkbox;
use crate::overlay::{Overlay, overlay};
use crate::view_model::Sinks;
use inference_protocol::clock::now_ms;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 480.0;
/// Hover/click reach around an item, in screen pixels.
const PICK_RADIUS_PX: f64 = 6.0;
const ANIMATION_MS: f64 = 700.0;
const PALETTE: [&str; 20] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8",
];

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
}

/// The map's static layer (every item) and what it was drawn for (view, transform): redrawn only
/// when either changes. One per map component.
type StaticLayer = StoredValue<Option<(HtmlCanvasElement, bool, Transform)>, LocalStorage>;

fn coords(map: &MapData, pca: bool) -> &[[f32; 2]] {
    if pca { &map.map.pca } else { &map.map.tsne }
}

/// Draws all items into an off-screen canvas once per (view, transform).
fn static_layer(
    cache: StaticLayer,
    map: &MapData,
    pca: bool,
    t: Transform,
) -> Option<HtmlCanvasElement> {
    let cached = cache.with_value(|s| {
        s.as_ref()
            .filter(|(_, p, tt)| *p == pca && *tt == t)
            .map(|(c, _, _)| c.clone())
    });
    if cached.is_some() {
        return cached;
    }
    let canvas: HtmlCanvasElement = document().create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(WIDTH as u32);
    canvas.set_height(HEIGHT as u32);
    let ctx = context(&canvas)?;
    let xy = coords(map, pca);
    for legend in 0..map.legend.len() {
        ctx.set_fill_style_str(colour(legend));
        ctx.set_global_alpha(0.75);
        for (i, p) in xy.iter().enumerate().skip(1) {
            if map.colour_of[i] == legend {
                let [x, y] = t.to_screen(*p);
                ctx.fill_rect(x - 1.5, y - 1.5, 3.0, 3.0);
            }
        }
    }
    cache.set_value(Some((canvas.clone(), pca, t)));
    Some(canvas)
}

/// The touch points of `ev` in canvas pixels.
fn touches(ev: &TouchEvent, canvas: &HtmlCanvasElement) -> Vec<[f64; 2]> {
    let rect = canvas.get_bounding_client_rect();
    let list = ev.touches();
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|t| {
            [
                t.client_x() as f64 - rect.left(),
                t.client_y() as f64 - rect.top(),
            ]
        })
        .collect()
}

fn centre_and_spread(points: &[[f64; 2]]) -> ([f64; 2], f64) {
    match points {
        [a, b, ..] => (
            [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0],
            (a[0] - b[0]).hypot(a[1] - b[1]),
        ),
        [a] => (*a, 0.0),
        [] => ([0.0, 0.0], 0.0),
    }
}

fn dot(ctx: &CanvasRenderingContext2d, [x, y]: [f64; 2], r: f64, fill: &str, stroke: &str) {
    ctx.begin_path();
    let _ = ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
    ctx.set_fill_style_str(fill);
    ctx.fill();
    ctx.set_stroke_style_str(stroke);
    ctx.stroke();
}

fn label(ctx: &CanvasRenderingContext2d, [x, y]: [f64; 2], text: &str, fill: &str) {
    ctx.set_font("bold 11px system-ui, sans-serif");
    ctx.set_fill_style_str("#ffffff");
    let _ = ctx.fill_text(text, x + 6.0, y - 5.0);
    ctx.set_fill_style_str(fill);
    let _ = ctx.fill_text(text, x + 5.0, y - 6.0);
}

#[allow(clippy::too_many_arguments)]
fn draw(
    canvas: &HtmlCanvasElement,
    cache: StaticLayer,
    map: &MapData,
    pca: bool,
    t: Transform,
    o: &Overlay,
    progress: f64,
    hover: Option<u32>,
) {
    let Some(ctx) = context(canvas) else { return };
    ctx.set_global_alpha(1.0);
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, WIDTH, HEIGHT);
    if let Some(layer) = static_layer(cache, map, pca, t) {
        let _ = ctx.draw_image_with_html_canvas_element(&layer, 0.0, 0.0);
    }
    ctx.set_global_alpha(1.0);
    ctx.set_line_width(1.0);
    let xy = coords(map, pca);
    let at = |item: u32| t.to_screen(xy.get(item as usize).copied().unwrap_or([0.0, 0.0]));
    // Seed cloud and the guidance direction (unconditional → conditional, extended by the guided result).
    for s in &o.seeds {
        dot(
            &ctx,
            t.to_screen(s.xy),
            4.0,
            "rgba(255, 140, 0, 0.35)",
            "#b85c00",
        );
    }
    if let Some((cond, uncond)) = &o.endpoints {
        let (c, u) = (t.to_screen(cond.xy), t.to_screen(uncond.xy));
        ctx.set_stroke_style_str("#6a3d9a");
        ctx.set_line_width(2.0);
        ctx.begin_path();
        ctx.move_to(u[0], u[1]);
        ctx.line_to(c[0], c[1]);
        ctx.stroke();
        dot(&ctx, u, 4.0, "#ffffff", "#6a3d9a");
        dot(&ctx, c, 4.0, "#6a3d9a", "#6a3d9a");
        label(&ctx, u, "∅", "#6a3d9a");
        label(&ctx, c, "c", "#6a3d9a");
    }
    for (rank, &item) in o.recommendations.iter().enumerate() {
        let p = at(item);
        dot(&ctx, p, 5.0, "#2c6bd1", "#0b2f66");
        label(&ctx, p, &format!("#{}", rank + 1), "#0b2f66");
    }
    for (i, &item) in o.history.iter().enumerate() {
        let p = at(item);
        dot(&ctx, p, 5.0, "#1d232a", "#000000");
        label(&ctx, p, &(i + 1).to_string(), "#1d232a");
    }
    if let Some(item) = o.answer {
        let p = at(item);
        ctx.set_line_width(3.0);
        dot(&ctx, p, 8.0, "rgba(0, 160, 0, 0.25)", "#008a00");
        label(&ctx, p, "answer", "#006400");
    }
    // The trajectory, revealed step by step when results change.
    let shown = ((o.trajectory.len() as f64 * progress).ceil() as usize).min(o.trajectory.len());
    if shown > 0 {
        ctx.set_line_width(2.0);
        ctx.set_stroke_style_str("#d62728");
        ctx.begin_path();
        for (i, p) in o.trajectory.iter().take(shown).enumerate() {
            let [x, y] = t.to_screen(p.xy);
            if i == 0 {
                ctx.move_to(x, y)
            } else {
                ctx.line_to(x, y)
            }
        }
        ctx.stroke();
        ctx.set_line_width(1.0);
        for (i, p) in o.trajectory.iter().take(shown).enumerate() {
            // Faint while far from every item (noisy early steps), solid when it lands near one.
            let solid = (1.0 - p.nearest_distance as f64).clamp(0.15, 1.0);
            dot(
                &ctx,
                t.to_screen(p.xy),
                if i + 1 == o.trajectory.len() {
                    5.0
                } else {
                    3.0
                },
                &format!("rgba(214, 39, 40, {solid:.2})"),
                "#8b0000",
            );
        }
    }
    if let Some(item) = hover {
        ctx.set_line_width(2.0);
        dot(&ctx, at(item), 6.0, "rgba(0,0,0,0)", "#000000");
    }
}

#[component]
pub fn EmbeddingMap(
    state: RwSignal<PageState>,
    sinks: Sinks,
    catalogue: Arc<Catalogue>,
) -> impl IntoView {
    let Some(map) = catalogue.map.as_ref() else {
        return view! { <p class="muted">"This bundle has no item map."</p> }.into_any();
    };
    let canvas_ref = NodeRef::<Canvas>::new();
    let static_cache: StaticLayer = StoredValue::new_local(None);
    let use_pca = RwSignal::new(false);
    let fitted = move |pca: bool, cat: &Catalogue| {
        Transform::fit(coords(cat.map.as_ref().unwrap(), pca), WIDTH, HEIGHT, 16.0)
    };
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
    let layer = Memo::new(move |_| {
        let pca = use_pca.get();
        let m = cat.map.as_ref().unwrap();
        let (input, answer) = state.with(|s| {
            let (i, a) = s.model_input();
            (i.to_vec(), a)
        });
        sinks
            .output
            .with(|o| o.as_ref().map(|o| overlay(o, &input, answer, m, pca)))
            .unwrap_or_default()
    });
    // New results: replay the trajectory from its first step. One frame loop at most: a result that
    // arrives mid-replay restarts the running loop's clock instead of starting a second loop (during
    // a slider drag, one loop per result had the map drawn a dozen times a frame).
    let replay_start = StoredValue::new(0.0f64);
    let replaying = StoredValue::new(false);
    fn tick(progress: RwSignal<f64>, start: StoredValue<f64>, replaying: StoredValue<bool>) {
        let p = ((now_ms() - start.get_value()) / ANIMATION_MS).min(1.0);
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
        let (pca, t, p, h) = (
            use_pca.get(),
            transform.get(),
            progress.get(),
            hover.get().map(|h| h.0),
        );
        layer.with(|o| {
            if let Some(canvas) = canvas_ref.get() {
                draw(
                    &canvas,
                    static_cache,
                    cat.map.as_ref().unwrap(),
                    pca,
                    t,
                    o,
                    p,
                    h,
                );
            }
        });
    });

    let cat = catalogue.clone();
    let pick = move |ev: &MouseEvent| -> Option<(u32, f64, f64)> {
        let (x, y) = (ev.offset_x() as f64, ev.offset_y() as f64);
        let m = cat.map.as_ref()?;
        let t = transform.get_untracked();
        let index = if use_pca.get_untracked() {
            &m.pca_index
        } else {
            &m.tsne_index
        };
        index
            .nearest(t.to_data([x, y]), PICK_RADIUS_PX / t.scale)
            .map(|i| (i as u32, x, y))
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
                "(faint while far from any item); orange: each seed's final x̂0; purple: unconditional ∅ → conditional c (guidance direction)."
            </p>
            <TrajectoryTable layer=layer catalogue=cat_table />
        </section>
    }
    .into_any()
}

/// The trajectory as text: where x̂0 was after each step and how far from the nearest item.
#[component]
fn TrajectoryTable(layer: Memo<Overlay>, catalogue: Arc<Catalogue>) -> impl IntoView {
    let summary = move || {
        layer.with(|o| {
            let (first, last): (Option<&Placement>, Option<&Placement>) = (o.trajectory.first(), o.trajectory.last());
            match (first, last) {
                (Some(f), Some(l)) => format!(
                    "Trajectory: {} steps; x̂0 starts {:.2} (cosine distance) from the nearest item and ends {:.2} from it.",
                    o.trajectory.len(),
                    f.nearest_distance,
                    l.nearest_distance
                ),
                _ => "Trajectory: no request yet.".into(),
            }
        })
    };
    view! {
        <details>
            <summary>{summary}</summary>
            <table aria-label="Trajectory">
                <thead><tr><th scope="col">"step"</th><th scope="col">"nearest item"</th><th scope="col">"distance"</th></tr></thead>
                <tbody>
                    {move || layer.with(|o| o.trajectory.iter().enumerate().map(|(i, p)| view! {
                        <tr><td>{(i + 1).to_string()}</td><td>{catalogue.title(p.nearest)}</td><td>{format!("{:.3}", p.nearest_distance)}</td></tr>
                    }).collect_view())}
                </tbody>
            </table>
        </details>
    }
}
