//! What the map draws on top of the items for the current request: history, recommendations,
//! the held-out answer, the denoising trajectory, the seed cloud and the guidance direction —
//! all placed on the active view (t-SNE by nearest items, PCA exactly).

use seqdiff_model::map::{Placement, UnitItems, l2_normalised, place_all};

use crate::compare::ComparedModel;
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
    /// Compare mode: the compared model's x̂0 after every step, placed by its own nearest items.
    pub compared: Vec<Placement>,
    pub compared_recommendations: Vec<u32>,
}

/// Places vectors on the active view, all in one pass over the items (`map::place_all`).
pub fn locate_all(vs: &[&[f32]], map: &MapData, pca: bool) -> Vec<Placement> {
    if pca {
        // Exact positions; the nearest item still tells how far each point is from any item.
        let near = place_all(vs, &map.unit_items, &map.map.pca, 1);
        near.into_iter().zip(vs).map(|(p, v)| Placement { xy: map.map.pca_point(v), ..p }).collect()
    } else {
        place_all(vs, &map.unit_items, &map.map.tsne, NEIGHBOURS)
    }
}

pub fn overlay(output: &Output, input: &[u32], answer: Option<u32>, map: &MapData, pca: bool) -> Overlay {
    let r = &output.result;
    let k = r.rows / r.users.max(1);
    // Every point to place, in one list: the trajectory, each seed's final x̂0, then the endpoints.
    let trajectory: Vec<&[f32]> = r.trajectory.iter().filter_map(|step| step.first()).map(Vec::as_slice).collect();
    let seeds: Vec<&[f32]> = r.final_x0.iter().take(k).map(Vec::as_slice).collect();
    let endpoints: Option<[&[f32]; 2]> =
        r.endpoints.as_ref().and_then(|(c, u)| Some([c.first()?.as_slice(), u.first()?.as_slice()]));
    let all: Vec<&[f32]> = trajectory.iter().chain(&seeds).chain(endpoints.iter().flatten()).copied().collect();
    let mut placed = locate_all(&all, map, pca).into_iter();
    Overlay {
        history: input.to_vec(),
        recommendations: output.rows.iter().map(|row| row.item).collect(),
        answer,
        trajectory: placed.by_ref().take(trajectory.len()).collect(),
        seeds: placed.by_ref().take(seeds.len()).collect(),
        endpoints: endpoints.and_then(|_| Some((placed.next()?, placed.next()?))),
        ..Overlay::default()
    }
}

/// Compare mode's part of the overlay: the other model's vectors live in its own space, so its
/// trajectory is placed by its own nearest items, on this map's coordinates of those items.
pub fn compared_overlay(
    output: &Output,
    model: &ComparedModel,
    map: &MapData,
    pca: bool,
) -> (Vec<Placement>, Vec<u32>) {
    let trajectory: Vec<&[f32]> =
        output.result.trajectory.iter().filter_map(|step| step.first()).map(Vec::as_slice).collect();
    let coords = if pca { &map.map.pca } else { &map.map.tsne };
    let placed = place_all(&trajectory, &model.unit_items, coords, NEIGHBOURS);
    (placed, output.rows.iter().map(|row| row.item).collect())
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
