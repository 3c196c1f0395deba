//! The embedding map's colours: each item is coloured by its least common genre (the most telling
//! one), and the legend lists those genres, most items first.

#[derive(Clone, Debug, PartialEq)]
pub struct Legend {
    /// Legend entry of each item (row 0, the padding row, included).
    pub colour_of: Vec<usize>,
    /// Genre names, most coloured items first (ties by name).
    pub names: Vec<String>,
}

/// `genres[i]` is item i's genre list (row 0 is padding and counts for nothing); an item without
/// genres is "unknown".
pub fn legend(genres: &[&[String]]) -> Legend {
    let mut genre_count = std::collections::BTreeMap::<&str, usize>::new();
    for item in genres.iter().skip(1) {
        for g in item.iter() {
            *genre_count.entry(g.as_str()).or_default() += 1;
        }
    }
    // A genre only the padding row carries counts 0 rather than panicking.
    let telling = |item: &[String]| {
        item.iter()
            .min_by_key(|g| (genre_count.get(g.as_str()).copied().unwrap_or(0), g.as_str()))
            .cloned()
            .unwrap_or_else(|| "unknown".into())
    };
    let chosen: Vec<String> = genres.iter().map(|g| telling(g)).collect();
    let mut legend_count = std::collections::BTreeMap::<String, usize>::new();
    for g in chosen.iter().skip(1) {
        *legend_count.entry(g.clone()).or_default() += 1;
    }
    let mut names: Vec<String> = legend_count.keys().cloned().collect();
    names.sort_by_key(|g| (std::cmp::Reverse(legend_count[g]), g.clone()));
    let colour_of = chosen.iter().map(|g| names.iter().position(|l| l == g).unwrap_or(0)).collect();
    Legend { colour_of, names }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(lists: &[&[&str]]) -> Vec<Vec<String>> {
        lists.iter().map(|l| l.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn each_item_takes_its_rarest_genre_and_the_legend_is_ordered_by_use() {
        let genres = owned(&[&[], &["Drama", "War"], &["Drama"], &["Drama", "Comedy"], &[], &["Comedy"]]);
        let refs: Vec<&[String]> = genres.iter().map(Vec::as_slice).collect();
        let l = legend(&refs);
        // Drama 3 items, Comedy 2, War 1: item 1 → War, 2 → Drama, 3 → Comedy, 4 → unknown, 5 → Comedy.
        assert_eq!(l.names, ["Comedy", "Drama", "War", "unknown"]);
        let name = |i: usize| l.names[l.colour_of[i]].as_str();
        assert_eq!([name(1), name(2), name(3), name(4), name(5)], ["War", "Drama", "Comedy", "unknown", "Comedy"]);
    }
}
