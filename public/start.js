// Starts the page's wasm module. A file rather than Trunk's inline script, so that the page runs
// under the Content-Security-Policy in index.html (no inline script); Trunk.toml's
// `pattern_script` writes this script's tag with the hashed file names.
const tag = document.querySelector('script[data-wasm-js]');
const bindings = await import(tag.dataset.wasmJs);
const wasm = await bindings.default({ module_or_path: tag.dataset.wasm });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
