pub mod chain;
pub mod curves;
pub mod eval;
pub mod export;
pub mod sweep;
pub mod train;
