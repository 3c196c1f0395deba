//! Diffusion Rec Playground: a diffusion sequential recommender sampled in the browser, on WebGPU
//! or the CPU, with live sliders and links that reproduce what was on screen.

mod app;
mod bundle_loader;
mod catalogue;
mod controls;
mod fatal;
mod history_panel;
mod inference_client;
mod insight;
mod map_canvas;
mod overlay;
mod results;
mod runner;
mod url_sync;

fn main() {
    diffrec_playground::startup::run_constructors_once();
    fatal::install();
    leptos::mount::mount_to_body(app::App);
}
