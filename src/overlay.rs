//! What the map draws on top of the items for the current request: history, recommendations,
//! the held-out answer, the denoising trajectory, the seed cloud and the guidance direction —
//! all placed on the active view (t-SNE by nearest items, PCA exactly).

use seqdiff_model::map::{Placement, UnitItems, l2_normalised, place};

use crate::map_data::MapData;
use crate::view_model::Output;

/// Nearest items averaged to place a point on the t-SNE view.
const NEIGHBOURS: usize = 8;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overlay {
    pub history: Vec<u32>,
    pub recommendations: Vec<u32>,
    pub answer: Option<u32>,
    /// Guided x̂0 of the first seed after every step, placed.
    pub trajectory: Vec<Placement>,
    /// Final x̂0 of every seed, placed.
    pub seeds: Vec<Placement>,
    /// Conditional and unconditional x̂0 of the first seed at the last step (guided requests only).
    pub endpoints: Option<(Placement, Placement)>,
}

/// Places a vector on the active view.
pub fn locate(v: &[f32], map: &MapData, pca: bool) -> Placement {
    if pca {
        // Exact position; the nearest item still tells how far the point is from any item.
        let near = place(v, &map.unit_items, &map.map.pca, 1);
        Placement { xy: map.map.pca_point(v), ..near }
    } else {
        place(v, &map.unit_items, &map.map.tsne, NEIGHBOURS)
    }
}

pub fn overlay(output: &Output, input: &[u32], answer: Option<u32>, map: &MapData, pca: bool) -> Overlay {
    let r = &output.result;
    let k = r.rows / r.users.max(1);
    Overlay {
        history: input.to_vec(),
        recommendations: output.rows.iter().map(|row| row.item).collect(),
        answer,
        trajectory: r.trajectory.iter().filter_map(|step| step.first()).map(|x0| locate(x0, map, pca)).collect(),
        seeds: r.final_x0.iter().take(k).map(|x0| locate(x0, map, pca)).collect(),
        endpoints: r
            .endpoints
            .as_ref()
            .and_then(|(c, u)| Some((locate(c.first()?, map, pca), locate(u.first()?, map, pca)))),
    }
}

/// Top-`k` items of one seed's x̂0 (the softmax is monotone in x̂0·ẽ, so the dot product ranks).
pub fn seed_top(x0: &[f32], unit_items: &UnitItems, masked: &[u32], k: usize) -> Vec<u32> {
    let u = l2_normalised(x0);
    // Largest similarity first: the smallest of its negation.
    unit_items
        .smallest(&u, k, |i| masked.contains(&(i as u32)), |similarity| -similarity)
        .into_iter()
        .map(|(_, i)| i as u32)
        .collect()
}
