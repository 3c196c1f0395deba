//! Touch geometry for the map's gestures: one finger pans, two pinch-zoom about their centre.

use web_sys::{HtmlCanvasElement, TouchEvent};

/// The touch points of `ev` in canvas pixels.
pub fn touches(ev: &TouchEvent, canvas: &HtmlCanvasElement) -> Vec<[f64; 2]> {
    let rect = canvas.get_bounding_client_rect();
    let list = ev.touches();
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|t| [t.client_x() as f64 - rect.left(), t.client_y() as f64 - rect.top()])
        .collect()
}

pub fn centre_and_spread(points: &[[f64; 2]]) -> ([f64; 2], f64) {
    match points {
        [a, b, ..] => ([(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0], (a[0] - b[0]).hypot(a[1] - b[1])),
        [a] => (*a, 0.0),
        [] => ([0.0, 0.0], 0.0),
    }
}
