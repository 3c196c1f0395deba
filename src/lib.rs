//! Diffusion Rec Playground's UI module: the Leptos app and its components. It renders and never
//! runs the model; the inference worker module (`crates/inference-worker`) does, and the two talk
//! through the `inference-protocol` crate (docs/ARCHITECTURE.md §6).

mod app;
mod auto_probe;
mod bundle_loader;
mod catalogue;
mod compare;
mod controls;
mod design_frontiers;
mod fatal;
mod history_panel;
mod inference_client;
mod insight;
mod map_canvas;
mod map_data;
mod map_drawing;
mod map_gestures;
mod model_picker;
mod open_model;
mod overlay;
mod results;
mod runner;
mod seed_helper;
mod test_hooks;
mod trajectory_table;
mod url_sync;
mod view_model;

pub use app::App;
pub use fatal::install as install_panic_screen;
