//! "Open a model…": the folder that `seqdiff export` wrote, picked with the button or dropped on the
//! page (a folder, or its files). The files are handed to the app as (path, file) pairs; they are
//! read in the page, never uploaded (`bundle_loader.rs` checks them like a hosted bundle).

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};

/// Opened files: each one's path inside what was opened (`folder/manifest.json`) and the file.
pub type OpenedFiles = Vec<(String, File)>;

#[component]
pub fn OpenModel(on_open: Callback<OpenedFiles>) -> impl IntoView {
    // A drop anywhere on the page opens what was dropped; without this the browser would navigate
    // to the dropped file and the page (and everything on it) would be gone.
    let over = window_event_listener(ev::dragover, |e| e.prevent_default());
    let dropped = window_event_listener(ev::drop, move |e| {
        e.prevent_default();
        let Some(transfer) = e.data_transfer() else { return };
        // Each dropped thing as an entry (a folder can be walked), else as a plain file.
        let items = transfer.items();
        let mut entries = Vec::new();
        let mut files: OpenedFiles = Vec::new();
        for item in (0..items.length()).filter_map(|i| items.get(i)) {
            match item.webkit_get_as_entry().ok().flatten() {
                Some(entry) => entries.push(entry),
                None => files.extend(item.get_as_file().ok().flatten().map(|f| (f.name(), f))),
            }
        }
        leptos::task::spawn_local(async move {
            for entry in entries {
                collect(entry, &mut files).await;
            }
            on_open.run(files);
        });
    });
    on_cleanup(move || {
        over.remove();
        dropped.remove();
    });
    // A folder picker (`webkitdirectory`; the view macro has no such attribute).
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = input.get() {
            input.set_webkitdirectory(true);
        }
    });
    view! {
        <label class="open-model button">
            "Open a model…"
            <input
                type="file"
                id="open-model"
                class="visually-hidden"
                multiple
                node_ref=input
                on:change=move |e| {
                    let input = event_target::<web_sys::HtmlInputElement>(&e);
                    let Some(list) = input.files() else { return };
                    let files = (0..list.length())
                        .filter_map(|i| list.get(i))
                        .map(|f| {
                            // `webkitRelativePath` ("folder/manifest.json"); web-sys does not bind it.
                            let path = js_sys::Reflect::get(&f, &"webkitRelativePath".into())
                                .ok()
                                .and_then(|p| p.as_string())
                                .filter(|p| !p.is_empty())
                                .unwrap_or_else(|| f.name());
                            (path, f)
                        })
                        .collect();
                    // The same folder may be opened again after a change on disk.
                    input.set_value("");
                    on_open.run(files);
                }
            />
        </label>
        <span class="muted open-model-note">" Read in this browser, never uploaded; or drop the folder on the page."</span>
    }
}

/// Every file under `entry` (a dropped file or folder), with its path from the drop.
async fn collect(entry: FileSystemEntry, files: &mut OpenedFiles) {
    let mut pending = vec![entry];
    while let Some(entry) = pending.pop() {
        let path = entry.full_path().trim_start_matches('/').to_string();
        if entry.is_directory() {
            let reader = entry.unchecked_into::<FileSystemDirectoryEntry>().create_reader();
            // readEntries hands over a batch at a time, an empty one at the end.
            loop {
                let batch = callback_promise(|ok, fail| reader.read_entries_with_callback_and_callback(ok, fail)).await;
                let Ok(batch) = batch else { break };
                let batch: js_sys::Array = batch.unchecked_into();
                if batch.length() == 0 {
                    break;
                }
                pending.extend(batch.iter().map(|e| e.unchecked_into::<FileSystemEntry>()));
            }
        } else {
            let file_entry = entry.unchecked_into::<FileSystemFileEntry>();
            if let Ok(file) = callback_promise(|ok, fail| {
                file_entry.file_with_callback_and_callback(ok, fail);
                Ok(())
            })
            .await
            {
                files.push((path, file.unchecked_into::<File>()));
            }
        }
    }
}

/// Awaits a callback-style browser API: `start` gets the success and error callbacks.
async fn callback_promise(
    start: impl FnOnce(&js_sys::Function, &js_sys::Function) -> Result<(), wasm_bindgen::JsValue>,
) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
    let mut start = Some(start);
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |v: wasm_bindgen::JsValue| {
            let _ = resolve.call1(&wasm_bindgen::JsValue::NULL, &v);
        });
        let fail_reject = reject.clone();
        let fail = Closure::once_into_js(move |e: wasm_bindgen::JsValue| {
            let _ = fail_reject.call1(&wasm_bindgen::JsValue::NULL, &e);
        });
        if let Some(start) = start.take() {
            if let Err(e) = start(ok.unchecked_ref(), fail.unchecked_ref()) {
                let _ = reject.call1(&wasm_bindgen::JsValue::NULL, &e);
            }
        }
    });
    JsFuture::from(promise).await
}
