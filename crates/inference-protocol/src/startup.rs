//! ComputeBackend the module's static constructors once, at start.
//!
//! Some dependencies register things from constructors (cubecl's ops through `inventory`). wasm-ld
//! treats a module that never calls `__wasm_call_ctors` itself as a "command" and runs every
//! constructor again at the top of EVERY exported function, so each event handler, timer, animation
//! frame and worker message re-ran thousands of registrations: most of the UI thread's time during a
//! slider drag (BENCHMARKS.md, "the constructor tax"). One explicit call stops that.

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    fn __wasm_call_ctors();
}

/// Call first thing in `main`, once.
pub fn run_constructors_once() {
    #[cfg(target_arch = "wasm32")]
    // SAFETY: the linker's constructor function, called once before anything reads what it registers.
    unsafe {
        __wasm_call_ctors();
    }
}
