//! The insight panel: validation HR@10 / NDCG@10 over guidance × steps with the current setting
//! marked, this request's cost, diversity across seeds, novelty, and embedding health.

use std::sync::Arc;

use leptos::prelude::*;
use playground_state::PageState;
use playground_state::request_cost::request_cost;
use playground_state::trade_off::{Cell, Curve, Measure, curve_colour, frontier, nearest_index as nearest, render_svg};
use seqdiff_model::bundle_files::SweepResult;
use seqdiff_model::diversity::Diversity;
use seqdiff_model::plain_sampling::ListMeasures;

use crate::catalogue::Catalogue;
use crate::compare::ComparedModel;
use crate::design_frontiers::{ModelGrid, other_model_grids};
use crate::overlay::seed_top;
use crate::view_model::{Output, Sinks, TOP_K};

/// Mean pairwise overlap (|A∩B| / k) of the seeds' top-k lists; None with one seed.
fn seed_overlap(tops: &[Vec<u32>]) -> Option<f64> {
    let mut pairs = 0usize;
    let mut shared = 0usize;
    for a in 0..tops.len() {
        for b in (a + 1)..tops.len() {
            pairs += 1;
            shared += tops[a].iter().filter(|i| tops[b].contains(i)).count();
        }
    }
    (pairs > 0).then(|| shared as f64 / (pairs * TOP_K) as f64)
}

/// The diversity measure on a trade-off chart's x axis.
#[derive(Clone, Copy)]
enum Axis {
    Coverage,
    Novelty,
}

impl Axis {
    fn measure(self) -> Measure {
        match self {
            Axis::Coverage => {
                Measure { name: "coverage", axis: "catalogue coverage of the top-10 lists", decimals: 1, unit: "%" }
            }
            Axis::Novelty => {
                Measure { name: "novelty", axis: "mean popularity rank of the top 10", decimals: 0, unit: "" }
            }
        }
    }

    fn of_grid(self, d: &Diversity) -> f64 {
        match self {
            Axis::Coverage => d.coverage,
            Axis::Novelty => d.novelty,
        }
    }

    fn of_list(self, m: &ListMeasures) -> f64 {
        match self {
            Axis::Coverage => m.coverage,
            Axis::Novelty => m.novelty,
        }
    }
}

/// The grid's cells as (diversity measure, HR@10) points, row by row; empty without diversity.
fn cells(g: &SweepResult, axis: Axis) -> Vec<Cell> {
    let mut out = Vec::new();
    for (gi, row) in g.diversity.iter().enumerate() {
        for (si, d) in row.iter().enumerate() {
            out.push(Cell {
                guidance: g.guidance[gi],
                steps: g.steps[si],
                x: axis.of_grid(d),
                hr10: g.metrics[gi][si].unmasked.hr10,
            });
        }
    }
    out
}

/// The bundle's plain baselines as dashed lines on the same axes.
fn curves(g: &SweepResult, axis: Axis) -> Vec<Curve> {
    g.baselines
        .iter()
        .map(|b| Curve {
            name: b.name.clone(),
            parameter: b.parameter.clone(),
            points: b.points.iter().map(|(p, m)| (*p, axis.of_list(m), m.hr10)).collect(),
            solid: false,
        })
        .collect()
}

/// Another model's grid frontier as a solid line; empty without diversity.
fn frontier_curve(name: String, grid: &SweepResult, axis: Axis) -> Curve {
    Curve { name, parameter: "S".into(), points: frontier(&cells(grid, axis)), solid: true }
}

/// Where the baselines end and compare mode's teal line sits; the other models follow it.
const COMPARED_LINE: usize = 3;

/// Every line of a chart, each at a fixed colour place: the baselines (at most three), compare mode's
/// model (teal, as on the map), then each other model of the dataset in `MODELS` order (the compared
/// one's place left empty, so no colour changes when the compared model does).
fn chart_lines(g: &SweepResult, compared: Option<&ComparedModel>, others: &[ModelGrid], axis: Axis) -> Vec<Curve> {
    let empty = || Curve { name: String::new(), parameter: String::new(), points: Vec::new(), solid: true };
    let mut lines = curves(g, axis);
    lines.truncate(COMPARED_LINE);
    lines.resize_with(COMPARED_LINE, empty);
    lines.push(match compared.and_then(|m| m.sweep.as_ref().map(|g| (m, g))) {
        Some((m, g)) => frontier_curve(format!("{} (compared): its grid's frontier", m.label), g, axis),
        None => empty(),
    });
    for other in others {
        lines.push(match &other.sweep {
            Ok(g) if compared.is_none_or(|m| m.name != other.name) => {
                frontier_curve(format!("{}: its grid's frontier", other.label), g, axis)
            }
            _ => empty(),
        });
    }
    lines
}

struct RequestFacts {
    entropy: f64,
    overlap: Option<f64>,
    novelty: f64,
}

fn facts(o: &Output, state: &PageState, catalogue: &Catalogue) -> RequestFacts {
    let scores = &o.result.scores[0];
    let entropy = scores.iter().filter(|&&p| p > 0.0).map(|&p| -(p as f64) * (p as f64).ln()).sum();
    let (input, _) = state.model_input();
    let masked: Vec<u32> = if state.mask_history { input.to_vec() } else { Vec::new() };
    let overlap = catalogue.map.as_ref().and_then(|m| {
        let tops: Vec<Vec<u32>> =
            o.result.final_x0.iter().map(|x0| seed_top(x0, &m.unit_items, &masked, TOP_K)).collect();
        seed_overlap(&tops)
    });
    let ranks: Vec<f64> =
        o.rows.iter().map(|r| catalogue.popularity_rank.get(r.item as usize).copied().unwrap_or(0) as f64).collect();
    let novelty = ranks.iter().sum::<f64>() / ranks.len().max(1) as f64;
    RequestFacts { entropy, overlap, novelty }
}

#[component]
pub fn Insight(state: RwSignal<PageState>, sinks: Sinks, catalogue: Arc<Catalogue>) -> impl IntoView {
    let grid = catalogue.sweep.clone();
    let others = other_model_grids(&state.with_untracked(|s| s.dataset.clone()), sinks);
    let cat = catalogue.clone();
    let n = catalogue.limits.num_items;
    let health = catalogue.map.as_ref().map(|m| {
        let (r, d) = (m.map.effective_rank, catalogue.dim);
        let verdict = if r < d as f32 / 4.0 {
            "low: the item table may be collapsing onto a few directions"
        } else {
            "healthy: no sign of collapse"
        };
        format!("Effective rank of the item table: {r:.1} of {d} dimensions ({verdict}).")
    });
    let repeat = catalogue.repeat_offset.map(|b| {
        // Relative odds of an item the user already has against an equal-scoring new one.
        let odds = (b as f64).exp();
        let behaviour = if b < 0.0 {
            format!("the model learned that users rarely return to an item: a history item's odds are ×{odds:.3} those of an equal new one")
        } else {
            format!("the model learned that users return to items: a history item's odds are ×{odds:.2} those of an equal new one")
        };
        format!("Learned repeat offset b = {b:.2}: {behaviour}.")
    });
    view! {
        <section class="insight" aria-label="Insight">
            <h2>"Insight"</h2>
            {grid.map(|g| {
                let g_lines = g.clone();
                let (gs, ss) = (g.guidance.clone(), g.steps.clone());
                let steps_f: Vec<f64> = ss.iter().map(|&v| v as f64).collect();
                let marked = Memo::new(move |_| state.with(|s| (nearest(&gs, s.guidance), nearest(&steps_f, s.steps as f64))));
                let best = g.metrics.iter().flatten().map(|m| m.unmasked.hr10).fold(0.0f64, f64::max).max(1e-9);
                view! {
                    <table class="grid" aria-label="Validation grid">
                        <caption>{format!("Validation ({}) HR@10 / NDCG@10 by guidance (rows) and steps (columns); ◉ marks the current setting", g.split)}</caption>
                        <thead><tr><th scope="col">"w \\ S"</th>{g.steps.iter().map(|s| view! { <th scope="col">{s.to_string()}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {g.guidance.iter().enumerate().map(|(gi, w)| view! {
                                <tr>
                                    <th scope="row">{w.to_string()}</th>
                                    {g.metrics[gi].iter().enumerate().map(|(si, m)| {
                                        // Dark text on at most 70% blue keeps a contrast ratio above 5 (WCAG AA: 4.5).
                                        let shade = (m.unmasked.hr10 / best * 0.7).clamp(0.0, 0.7);
                                        let style = format!("background: rgba(44, 107, 209, {shade:.2}); color: #1d232a");
                                        view! {
                                            <td style=style class:current=move || marked.get() == (gi, si)>
                                                {move || if marked.get() == (gi, si) { "◉ " } else { "" }}
                                                {format!("{:.1} / {:.1}", m.unmasked.hr10, m.unmasked.ndcg10)}
                                            </td>
                                        }
                                    }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(!g.diversity.is_empty()).then(|| {
                        let (coverage, novelty) = (Axis::Coverage, Axis::Novelty);
                        let (by_coverage, by_novelty) = (cells(&g, coverage), cells(&g, novelty));
                        let compared = sinks.compared.model;
                        let lines = move |axis: Axis| {
                            compared.with(|m| others.with(|o| chart_lines(&g_lines, m.as_deref(), o, axis)))
                        };
                        let lines_novelty = lines.clone();
                        let legend: Vec<(String, String, &'static str)> =
                            g.baselines.iter().enumerate().map(|(i, b)| (b.name.clone(), b.parameter.clone(), curve_colour(i))).collect();
                        let columns = g.steps.len();
                        let current = move || { let (gi, si) = marked.get(); gi * columns + si };
                        view! {
                            <figure class="trade-off">
                                <div class="charts">
                                    <div inner_html=move || render_svg(&by_coverage, current(), &coverage.measure(), &lines(coverage))></div>
                                    <div inner_html=move || render_svg(&by_novelty, current(), &novelty.measure(), &lines_novelty(novelty))></div>
                                </div>
                                <figcaption>
                                    "What the sliders trade: each dot is one guidance × steps setting on validation (one seed; grey = steps 0, the encoder alone). Up is more accurate; right covers more of the catalogue, or recommends less popular items. The red ring is the current setting."
                                    {(!legend.is_empty()).then(|| view! {
                                        " Dashed lines: the same encoder made diverse without diffusion, for comparison — "
                                        <ul class="baseline-legend" aria-label="Baselines">
                                            {legend.into_iter().map(|(name, parameter, colour)| view! {
                                                <li><span class="swatch" style=format!("background: {colour}") aria-hidden="true"></span>{format!("{name} (over {parameter})")}</li>
                                            }).collect_view()}
                                        </ul>
                                        " Where a line runs above the dots, that plain method reaches the same diversity with more accuracy than the diffusion."
                                    })}
                                    {move || compared.with(|m| m.as_ref().filter(|m| m.sweep.as_ref().is_some_and(|g| !g.diversity.is_empty())).map(|m| {
                                        let colour = curve_colour(COMPARED_LINE);
                                        view! {
                                            <span class="compared-frontier">
                                                <span class="swatch" style=format!("background: {colour}") aria-hidden="true"></span>
                                                {format!(" Teal line: {}'s best settings on its own validation grid (compare mode).", m.label)}
                                            </span>
                                        }
                                    }))}
                                    {move || others.with(|o| (!o.is_empty()).then(|| {
                                        let compared_name = compared.with(|m| m.as_ref().map(|m| m.name.clone()));
                                        view! {
                                        " Solid lines: the best settings of this dataset's other models, each on its own validation grid — "
                                        <ul class="model-legend" aria-label="Other models">
                                            {o.iter().enumerate().map(|(i, other)| {
                                                let colour = curve_colour(COMPARED_LINE + 1 + i);
                                                match &other.sweep {
                                                    Ok(_) if compared_name.as_deref() == Some(other.name) => view! { <li>{format!("{} (compared: the teal line)", other.label)}</li> }.into_any(),
                                                    Ok(_) => view! { <li><span class="swatch" style=format!("background: {colour}") aria-hidden="true"></span>{other.label}</li> }.into_any(),
                                                    Err(e) => view! { <li class="unusable">{format!("{}: its grid could not be used ({e})", other.label)}</li> }.into_any(),
                                                }
                                            }).collect_view()}
                                        </ul>
                                    }}))}
                                </figcaption>
                            </figure>
                        }
                    })}
                }
            })}
            <ul class="facts">
                {move || sinks.output.get().map(|o| {
                    let f = state.with(|s| facts(&o, s, &cat));
                    view! {
                        <li>{format!("This request: {} on {}.", request_cost(o.ms, o.steps, o.seeds, o.step), o.backend.label())}</li>
                        <li>{match f.overlap {
                            Some(v) => format!("Diversity across seeds: their top-10 lists share {:.0}% of items on average.", v * 100.0),
                            None => "Diversity across seeds: one seed (raise “Seeds in ensemble” to compare).".to_string(),
                        }}</li>
                        <li>{format!("Entropy of the recommendation distribution: {:.2} nats (as spread as {:.0} equally likely items).", f.entropy, f.entropy.exp())}</li>
                        <li>{format!("Novelty: mean popularity rank of the top 10 is {:.0} of {n} (1 = most watched).", f.novelty)}</li>
                    }
                })}
                {repeat.map(|r| view! { <li class="repeat-offset">{r}</li> })}
                {health.map(|h| view! { <li>{h}</li> })}
            </ul>
        </section>
    }
}
