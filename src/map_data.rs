//! The embedding map's data for the loaded bundle: coordinates, colours and hover indices for both
//! views, and the item vectors that place a request's trajectory among the items.

use playground_state::map_legend::legend;
use playground_state::map_view::GridIndex;
use seqdiff_model::data::ItemInfo;
use seqdiff_model::map::{ItemMap, UnitItems};

/// The embedding map's data: coordinates, colours and hover indices for both views.
pub struct MapData {
    pub map: ItemMap,
    /// L2-normalised item vectors (row i = item i) for placing x̂0 among the items.
    pub unit_items: UnitItems,
    /// Legend entry of each item (its least common genre: the most telling one).
    pub colour_of: Vec<usize>,
    pub legend: Vec<String>,
    pub tsne_index: GridIndex,
    pub pca_index: GridIndex,
}

impl MapData {
    pub fn new(map: ItemMap, items: &[ItemInfo], item_vectors: Vec<Vec<f32>>) -> MapData {
        let no_genres: &[String] = &[];
        let genres: Vec<&[String]> =
            (0..map.tsne.len()).map(|i| items.get(i).map_or(no_genres, |item| item.genres.as_slice())).collect();
        let legend = legend(&genres);
        MapData {
            tsne_index: GridIndex::new(&map.tsne, &[0]),
            pca_index: GridIndex::new(&map.pca, &[0]),
            unit_items: UnitItems::new(&item_vectors),
            colour_of: legend.colour_of,
            legend: legend.names,
            map,
        }
    }
}
