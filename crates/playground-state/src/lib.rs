//! The page's logic that needs no browser and no model: what the URL holds, how a typed query
//! finds titles, which histories the presets offer, and which request runs next.
//! Kept apart from the Leptos app so it is tested natively and in headless Chromium.

pub mod address_bar;
pub mod backend_choice;
pub mod html_text;
pub mod latest_only;
pub mod local_bundle;
pub mod map_legend;
pub mod map_raster;
pub mod map_view;
pub mod presets;
pub mod ranked;
pub mod request_cost;
pub mod search;
pub mod trade_off;
pub mod url_state;

pub use latest_only::LatestOnly;
pub use url_state::{BackendChoice, Limits, PageState};
