//! The trajectory as a table under the map: the same data as its red path, readable without the
//! canvas (and by screen readers).

use leptos::prelude::*;
use seqdiff_model::map::Placement;
use std::sync::Arc;

use crate::catalogue::Catalogue;
use crate::overlay::Overlay;

/// The trajectory as text: where x̂0 was after each step and how far from the nearest item.
#[component]
pub fn TrajectoryTable(layer: Memo<Overlay>, catalogue: Arc<Catalogue>) -> impl IntoView {
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
