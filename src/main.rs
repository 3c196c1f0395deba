//! Diffusion Rec Playground: a diffusion sequential recommender sampled in the browser, on WebGPU
//! or the CPU, with live sliders and links that reproduce what was on screen.

fn main() {
    inference_protocol::startup::run_constructors_once();
    diffrec_playground::install_panic_screen();
    leptos::mount::mount_to_body(diffrec_playground::App);
}
