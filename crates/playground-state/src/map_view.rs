//! Geometry of the embedding map: the data→screen transform (fit, pan, zoom about a point) and a
//! grid index that finds the point under the mouse without scanning every item.

/// screen = data · scale + offset (same scale on both axes, so distances are not distorted).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transform {
    pub scale: f64,
    pub offset: [f64; 2],
}

impl Transform {
    /// Fits `points` into a `width`×`height` box with `margin` pixels on every side.
    pub fn fit(points: &[[f32; 2]], width: f64, height: f64, margin: f64) -> Transform {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in points {
            for c in 0..2 {
                lo[c] = lo[c].min(p[c] as f64);
                hi[c] = hi[c].max(p[c] as f64);
            }
        }
        if !lo[0].is_finite() || !hi[0].is_finite() {
            return Transform { scale: 1.0, offset: [width / 2.0, height / 2.0] };
        }
        let span = [(hi[0] - lo[0]).max(1e-9), (hi[1] - lo[1]).max(1e-9)];
        let scale = ((width - 2.0 * margin) / span[0]).min((height - 2.0 * margin) / span[1]).max(1e-9);
        let centre = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
        Transform { scale, offset: [width / 2.0 - centre[0] * scale, height / 2.0 - centre[1] * scale] }
    }

    pub fn to_screen(&self, p: [f32; 2]) -> [f64; 2] {
        [p[0] as f64 * self.scale + self.offset[0], p[1] as f64 * self.scale + self.offset[1]]
    }

    pub fn to_data(&self, s: [f64; 2]) -> [f64; 2] {
        [(s[0] - self.offset[0]) / self.scale, (s[1] - self.offset[1]) / self.scale]
    }

    pub fn panned(&self, dx: f64, dy: f64) -> Transform {
        Transform { scale: self.scale, offset: [self.offset[0] + dx, self.offset[1] + dy] }
    }

    /// Zooms by `factor` keeping the data point under screen position `at` fixed.
    pub fn zoomed(&self, factor: f64, at: [f64; 2]) -> Transform {
        let factor = if factor.is_finite() && factor > 0.0 { factor } else { 1.0 };
        let anchor = self.to_data(at);
        let scale = self.scale * factor;
        Transform { scale, offset: [at[0] - anchor[0] * scale, at[1] - anchor[1] * scale] }
    }
}

/// Buckets of point indices over the data bounding box.
#[derive(Clone, Debug)]
pub struct GridIndex {
    lo: [f64; 2],
    cell: f64,
    cols: usize,
    rows: usize,
    buckets: Vec<Vec<usize>>,
    points: Vec<[f32; 2]>,
}

impl GridIndex {
    /// Indexes `points`; `skip` lists indices that are never found (e.g. the padding row 0).
    pub fn new(points: &[[f32; 2]], skip: &[usize]) -> GridIndex {
        let live: Vec<usize> = (0..points.len()).filter(|i| !skip.contains(i)).collect();
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for &i in &live {
            for c in 0..2 {
                lo[c] = lo[c].min(points[i][c] as f64);
                hi[c] = hi[c].max(points[i][c] as f64);
            }
        }
        if live.is_empty() {
            return GridIndex {
                lo: [0.0; 2],
                cell: 1.0,
                cols: 1,
                rows: 1,
                buckets: vec![Vec::new()],
                points: points.to_vec(),
            };
        }
        // About 4 points per cell.
        let side = ((live.len() as f64 / 4.0).sqrt().ceil() as usize).max(1);
        let cell = ((hi[0] - lo[0]).max(hi[1] - lo[1]) / side as f64).max(1e-9);
        let cols = ((hi[0] - lo[0]) / cell).floor() as usize + 1;
        let rows = ((hi[1] - lo[1]) / cell).floor() as usize + 1;
        let mut buckets = vec![Vec::new(); cols * rows];
        for &i in &live {
            let (cx, cy) =
                (((points[i][0] as f64 - lo[0]) / cell) as usize, ((points[i][1] as f64 - lo[1]) / cell) as usize);
            buckets[cy.min(rows - 1) * cols + cx.min(cols - 1)].push(i);
        }
        GridIndex { lo, cell, cols, rows, buckets, points: points.to_vec() }
    }

    /// The point nearest to data position `at` within data distance `radius`, if any.
    pub fn nearest(&self, at: [f64; 2], radius: f64) -> Option<usize> {
        let cell_of = |v: f64, lo: f64, n: usize| -> (usize, usize) {
            let a = ((v - radius - lo) / self.cell).floor().max(0.0) as usize;
            let b = ((v + radius - lo) / self.cell).floor().max(0.0) as usize;
            (a.min(n - 1), b.min(n - 1))
        };
        let (x0, x1) = cell_of(at[0], self.lo[0], self.cols);
        let (y0, y1) = cell_of(at[1], self.lo[1], self.rows);
        let mut best: Option<(f64, usize)> = None;
        for cy in y0..=y1 {
            for cx in x0..=x1 {
                for &i in &self.buckets[cy * self.cols + cx] {
                    let d = (self.points[i][0] as f64 - at[0]).hypot(self.points[i][1] as f64 - at[1]);
                    if d <= radius && best.is_none_or(|(bd, bi)| d < bd || (d == bd && i < bi)) {
                        best = Some((d, i));
                    }
                }
            }
        }
        best.map(|(_, i)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_maps_the_bounding_box_into_the_canvas_and_back() {
        let pts = [[-1.0, -2.0], [3.0, 2.0]];
        let t = Transform::fit(&pts, 420.0, 220.0, 10.0);
        let a = t.to_screen(pts[0]);
        let b = t.to_screen(pts[1]);
        assert!(
            a[0] >= 10.0 - 1e-9 && b[0] <= 410.0 + 1e-9 && a[1] >= 10.0 - 1e-9 && b[1] <= 210.0 + 1e-9,
            "{a:?} {b:?}"
        );
        assert!((b[1] - a[1] - 200.0).abs() < 1e-9, "the tighter axis fills the box");
        let back = t.to_data(a);
        assert!((back[0] + 1.0).abs() < 1e-9 && (back[1] + 2.0).abs() < 1e-9);
    }

    #[test]
    fn zoom_keeps_the_point_under_the_cursor_and_pan_moves_everything() {
        let t = Transform { scale: 2.0, offset: [5.0, 7.0] };
        let at = [40.0, 30.0];
        let z = t.zoomed(1.5, at);
        let d = t.to_data(at);
        let again = z.to_screen([d[0] as f32, d[1] as f32]);
        assert!((again[0] - at[0]).abs() < 1e-4 && (again[1] - at[1]).abs() < 1e-4);
        assert_eq!(z.scale, 3.0);
        assert_eq!(t.panned(3.0, -2.0).to_screen([0.0, 0.0]), [8.0, 5.0]);
        assert_eq!(t.zoomed(f64::NAN, at), t, "a bad wheel delta changes nothing");
    }

    #[test]
    fn grid_finds_the_nearest_point_within_the_radius_only() {
        let pts: Vec<[f32; 2]> = (0..100).map(|i| [(i % 10) as f32, (i / 10) as f32]).collect();
        let g = GridIndex::new(&pts, &[0]);
        assert_eq!(g.nearest([3.1, 4.2], 0.5), Some(43));
        assert_eq!(g.nearest([3.5, 4.5], 0.1), None);
        assert_eq!(g.nearest([0.0, 0.0], 0.5), None, "skipped index is never found");
        assert_eq!(g.nearest([100.0, 100.0], 1.0), None);
        // Same answer as a full scan for many probes.
        for k in 0..200 {
            let at = [(k as f64 * 0.37) % 10.0, (k as f64 * 0.53) % 10.0];
            let scan = (1..100)
                .map(|i| ((pts[i][0] as f64 - at[0]).hypot(pts[i][1] as f64 - at[1]), i))
                .filter(|(d, _)| *d <= 0.8)
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .map(|(_, i)| i);
            assert_eq!(g.nearest(at, 0.8), scan, "{at:?}");
        }
    }
}
