//! What one generation shows: the top-k of its scores (the input history masked out when asked) and
//! the held-out answer's rank among all items.

use seqdiff_model::metrics::{mask_items, rank_of, top_k};

#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    /// (item, score), best first.
    pub top: Vec<(u32, f32)>,
    /// The held-out answer and its 1-based rank (after masking, when masking is on).
    pub answer: Option<(u32, usize)>,
}

/// `scores[i]` is item i's score (column 0 is padding). An answer outside the table has no rank.
pub fn ranked(mut scores: Vec<f32>, input: &[u32], mask_history: bool, answer: Option<u32>, k: usize) -> Ranked {
    if mask_history {
        mask_items(&mut scores, input);
    }
    let answer = answer
        .filter(|&item| item > 0 && (item as usize) < scores.len())
        .map(|item| (item, rank_of(&scores, item as usize)));
    Ranked { top: top_k(&scores, k), answer }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_removes_history_items_from_the_list_and_moves_the_answer_up() {
        // Items 1..=4; item 2 scores highest but is in the history.
        let scores = vec![0.0, 0.1, 0.9, 0.3, 0.2];
        let plain = ranked(scores.clone(), &[2], false, Some(4), 2);
        assert_eq!(plain.top, vec![(2, 0.9), (3, 0.3)]);
        assert_eq!(plain.answer, Some((4, 3)));
        let masked = ranked(scores, &[2], true, Some(4), 2);
        assert_eq!(masked.top, vec![(3, 0.3), (4, 0.2)]);
        assert_eq!(masked.answer, Some((4, 2)));
    }

    #[test]
    fn an_answer_outside_the_table_has_no_rank() {
        let scores = vec![0.0, 0.5, 0.4];
        assert_eq!(ranked(scores.clone(), &[], false, Some(7), 5).answer, None);
        assert_eq!(ranked(scores, &[], false, Some(0), 5).answer, None);
    }
}
