pub mod chain;
pub mod curves;
pub mod eval;
pub mod export;
pub mod frontier;
pub mod frontier_chart;
pub mod import;
pub mod sweep;
pub mod train;

/// `users` cases spread evenly over `all` (every one for 0, or when there are fewer).
pub fn spread(all: Vec<(Vec<u32>, u32)>, users: usize) -> Vec<(Vec<u32>, u32)> {
    if users == 0 || users >= all.len() {
        return all;
    }
    (0..users).map(|i| all[i * all.len() / users].clone()).collect()
}
