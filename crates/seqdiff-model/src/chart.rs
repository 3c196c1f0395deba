//! Geometry of the project's charts: data ranges and their place in a fixed SVG box. Shared by the
//! page's trade-off charts (`playground_state::trade_off`) and the trainer's SVG commands
//! (`seqdiff curves`, `seqdiff frontier`).

/// A value range with a little room on both sides, so no point sits on the frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub lo: f64,
    pub hi: f64,
}

impl Range {
    /// The span of the finite `values`, widened by 5% each side; a single value gets ±1 around it,
    /// and no finite value at all gives 0..1.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Range {
        let (lo, hi) = values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if lo > hi {
            return Range { lo: 0.0, hi: 1.0 };
        }
        let pad = if hi - lo > 1e-9 { (hi - lo) * 0.05 } else { 1.0 };
        Range { lo: lo - pad, hi: hi + pad }
    }

    /// Where `v` falls, 0 at `lo` and 1 at `hi`.
    fn fraction(&self, v: f64) -> f64 {
        (v - self.lo) / (self.hi - self.lo)
    }
}

/// A `width` × `height` plot with `margin` pixels kept free on every side for the axis labels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub margin: f64,
    pub x: Range,
    pub y: Range,
}

impl Chart {
    pub fn fit(points: &[(f64, f64)], width: f64, height: f64, margin: f64) -> Chart {
        Chart {
            width,
            height,
            margin,
            x: Range::of(points.iter().map(|p| p.0)),
            y: Range::of(points.iter().map(|p| p.1)),
        }
    }

    /// Screen position of a data point; larger y is drawn higher. A non-finite coordinate is drawn
    /// on the lower/left edge rather than producing an invalid SVG attribute.
    pub fn to_screen(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let on_axis = |f: f64| if f.is_finite() { f } else { 0.0 };
        let (fx, fy) = (on_axis(self.x.fraction(x)), on_axis(self.y.fraction(y)));
        let (w, h) = (self.width - 2.0 * self.margin, self.height - 2.0 * self.margin);
        (self.margin + fx * w, self.height - self.margin - fy * h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_lands_inside_the_plot_area() {
        let points = [(5.0, 20.0), (60.0, 23.0), (14.8, 1.0), (30.0, 12.5)];
        let chart = Chart::fit(&points, 300.0, 200.0, 30.0);
        for p in points {
            let (sx, sy) = chart.to_screen(p);
            assert!((30.0..=270.0).contains(&sx) && (30.0..=170.0).contains(&sy), "{p:?} → {sx}, {sy}");
        }
    }

    #[test]
    fn more_accurate_is_higher_and_more_diverse_is_further_right() {
        let chart = Chart::fit(&[(1.0, 1.0), (2.0, 2.0)], 300.0, 200.0, 30.0);
        let (a, b) = (chart.to_screen((1.0, 1.0)), chart.to_screen((2.0, 2.0)));
        assert!(b.0 > a.0, "larger x is further right");
        assert!(b.1 < a.1, "larger y is higher on screen (smaller screen y)");
    }

    #[test]
    fn equal_or_missing_values_never_divide_by_zero() {
        let chart = Chart::fit(&[(3.0, 7.0), (3.0, 7.0)], 300.0, 200.0, 30.0);
        let (sx, sy) = chart.to_screen((3.0, 7.0));
        assert!((sx - 150.0).abs() < 1e-9 && (sy - 100.0).abs() < 1e-9, "a single value is centred: {sx}, {sy}");
        let empty = Chart::fit(&[(f64::NAN, f64::INFINITY)], 300.0, 200.0, 30.0);
        assert_eq!((empty.x, empty.y), (Range { lo: 0.0, hi: 1.0 }, Range { lo: 0.0, hi: 1.0 }));
        let (nx, ny) = empty.to_screen((f64::NAN, 0.5));
        assert!(nx.is_finite() && ny.is_finite());
    }
}
