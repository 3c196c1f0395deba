//! Drawing the embedding map on a Canvas2D: every item once into an off-screen static layer (kept
//! until the view or the transform changes), then per frame the request's overlay — seeds, the
//! guidance direction, recommendations, history, the held-out answer and the trajectory so far.

use playground_state::map_raster::{raster, rgb};
use playground_state::map_view::Transform;
use seqdiff_model::map::Placement;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use leptos::prelude::*;

use crate::map_data::MapData;
use crate::overlay::Overlay;

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 480.0;
const PALETTE: [&str; 20] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8",
];

pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
}

/// The map's static layer (every item) and what it was drawn for (view, transform): redrawn only
/// when either changes. One per map component.
pub type StaticLayer = StoredValue<Option<(HtmlCanvasElement, bool, Transform)>, LocalStorage>;

pub fn coords(map: &MapData, pca: bool) -> &[[f32; 2]] {
    if pca { &map.map.pca } else { &map.map.tsne }
}

/// Draws all items into an off-screen canvas once per (view, transform), opaque white behind them.
fn static_layer(cache: StaticLayer, map: &MapData, pca: bool, t: Transform) -> Option<HtmlCanvasElement> {
    let cached = cache.with_value(|s| s.as_ref().filter(|(_, p, tt)| *p == pca && *tt == t).map(|(c, _, _)| c.clone()));
    if cached.is_some() {
        return cached;
    }
    let canvas: HtmlCanvasElement = document().create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(WIDTH as u32);
    canvas.set_height(HEIGHT as u32);
    let ctx = context(&canvas)?;
    // Every item as pixels, one group of colour after another (as the legend lists them), put on the
    // canvas in one call (`map_raster.rs`).
    let xy = coords(map, pca);
    let palette: Vec<[u8; 3]> = (0..map.legend.len()).map(|l| rgb(colour(l))).collect();
    let mut order: Vec<usize> = (1..xy.len()).collect();
    order.sort_by_key(|&i| map.colour_of[i]);
    let points: Vec<([f64; 2], [u8; 3])> = order
        .into_iter()
        .map(|i| (t.to_screen(xy[i]), palette.get(map.colour_of[i]).copied().unwrap_or([128; 3])))
        .collect();
    let pixels = raster(WIDTH as usize, HEIGHT as usize, &points, 0.75);
    let image = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), WIDTH as u32, HEIGHT as u32).ok()?;
    ctx.put_image_data(&image, 0.0, 0.0).ok()?;
    cache.set_value(Some((canvas.clone(), pca, t)));
    Some(canvas)
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

/// A denoising path: the first `progress` of its points joined, each a dot that is faint while far
/// from every item (noisy early steps) and solid where it lands near one. `colours`: the line, the
/// dots' RGB, their outline.
fn path(
    ctx: &CanvasRenderingContext2d,
    t: Transform,
    points: &[Placement],
    progress: f64,
    colours: (&str, &str, &str),
) {
    let (line, rgb, outline) = colours;
    let shown = ((points.len() as f64 * progress).ceil() as usize).min(points.len());
    if shown == 0 {
        return;
    }
    ctx.set_line_width(2.0);
    ctx.set_stroke_style_str(line);
    ctx.begin_path();
    for (i, p) in points.iter().take(shown).enumerate() {
        let [x, y] = t.to_screen(p.xy);
        if i == 0 { ctx.move_to(x, y) } else { ctx.line_to(x, y) }
    }
    ctx.stroke();
    ctx.set_line_width(1.0);
    for (i, p) in points.iter().take(shown).enumerate() {
        let solid = (1.0 - p.nearest_distance as f64).clamp(0.15, 1.0);
        let radius = if i + 1 == points.len() { 5.0 } else { 3.0 };
        dot(ctx, t.to_screen(p.xy), radius, &format!("rgba({rgb}, {solid:.2})"), outline);
    }
}

#[allow(clippy::too_many_arguments)]
pub fn draw(
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
        dot(&ctx, t.to_screen(s.xy), 4.0, "rgba(255, 140, 0, 0.35)", "#b85c00");
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
    // Compare mode: the other model's top 10 as teal rings, its path in teal (under the shown one's).
    ctx.set_line_width(2.0);
    for &item in &o.compared_recommendations {
        dot(&ctx, at(item), 7.0, "rgba(0,0,0,0)", "#17a2b8");
    }
    path(&ctx, t, &o.compared, progress, ("#17a2b8", "23, 162, 184", "#0b5663"));
    // The trajectory, revealed step by step when results change.
    path(&ctx, t, &o.trajectory, progress, ("#d62728", "214, 39, 40", "#8b0000"));
    if let Some(item) = hover {
        ctx.set_line_width(2.0);
        dot(&ctx, at(item), 6.0, "rgba(0,0,0,0)", "#000000");
    }
}
