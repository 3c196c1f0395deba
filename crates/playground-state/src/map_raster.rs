//! The map's static layer as pixels: every item a 3×3 square blended over white, drawn here and
//! handed to the canvas in one `putImageData`. One `fillRect` call per item cost ≈ 20 ms a frame
//! at 12,000 items (BENCHMARKS.md); this is one pass over the points and one copy.

/// "#4e79a7" → [0x4e, 0x79, 0xa7]; anything else is mid grey.
pub fn rgb(hex: &str) -> [u8; 3] {
    let channel = |i: usize| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
    match (hex.len(), hex.starts_with('#'), channel(1), channel(3), channel(5)) {
        (7, true, Some(r), Some(g), Some(b)) => [r, g, b],
        _ => [128, 128, 128],
    }
}

/// RGBA pixels (row-major, `width`·`height`·4 bytes, opaque) of white with each point's 3×3 square
/// (centred on its screen position) blended on top at `alpha`, in list order (later points on top).
/// Points outside the image, or not finite, are skipped.
pub fn raster(width: usize, height: usize, points: &[([f64; 2], [u8; 3])], alpha: f32) -> Vec<u8> {
    let mut pixels = vec![255u8; width * height * 4];
    let keep = 1.0 - alpha;
    for &([x, y], colour) in points {
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        let (left, top) = ((x - 1.5).round(), (y - 1.5).round());
        for py in top as i64..top as i64 + 3 {
            for px in left as i64..left as i64 + 3 {
                if px < 0 || py < 0 || px >= width as i64 || py >= height as i64 {
                    continue;
                }
                let at = (py as usize * width + px as usize) * 4;
                for (c, &src) in colour.iter().enumerate() {
                    let dst = pixels[at + c] as f32;
                    pixels[at + c] = (src as f32 * alpha + dst * keep).round() as u8;
                }
            }
        }
    }
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel(p: &[u8], width: usize, x: usize, y: usize) -> [u8; 4] {
        let at = (y * width + x) * 4;
        [p[at], p[at + 1], p[at + 2], p[at + 3]]
    }

    #[test]
    fn a_point_is_a_blended_three_by_three_square_and_off_image_points_are_skipped() {
        assert_eq!(rgb("#4e79a7"), [0x4e, 0x79, 0xa7]);
        assert_eq!(rgb("red"), [128, 128, 128]);
        let red = [255, 0, 0];
        let p =
            raster(20, 10, &[([5.2, 4.9], red), ([-50.0, 3.0], red), ([f64::NAN, 1.0], red), ([19.9, 9.9], red)], 0.5);
        assert_eq!(p.len(), 20 * 10 * 4);
        // The square covers x 4..=6, y 3..=5: white half-covered by red.
        for (x, y) in [(4, 3), (6, 5), (5, 4)] {
            assert_eq!(pixel(&p, 20, x, y), [255, 128, 128, 255], "({x}, {y})");
        }
        for (x, y) in [(3, 4), (7, 4), (5, 2), (5, 6), (0, 3)] {
            assert_eq!(pixel(&p, 20, x, y), [255, 255, 255, 255], "({x}, {y})");
        }
        // A point at the corner keeps only its on-image pixels.
        assert_eq!(pixel(&p, 20, 19, 9), [255, 128, 128, 255]);
        // Overlapping points blend in order: the later one on top.
        let blue = [0, 0, 255];
        let p = raster(8, 8, &[([4.0, 4.0], red), ([4.0, 4.0], blue)], 0.5);
        assert_eq!(pixel(&p, 8, 4, 4), [128, 64, 192, 255]);
    }
}
