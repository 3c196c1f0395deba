pub mod chain;
pub mod curves;
pub mod eval;
pub mod export;
pub mod frontier;
pub mod frontier_chart;
pub mod sweep;
pub mod train;
