//! A plotters drawing backend that records canvas calls with a [`Pen`]: the charts are laid out
//! and drawn by plotters on the page, and the recorded calls go to the canvas's renderer (the
//! page's drawing worker, which holds the chart's canvas, so plotters-canvas cannot draw on it).
//!
//! Coordinates are plotters' whole pixels in the chart's own units (CSS pixels / zoom); the pen
//! scales them to the canvas. Text is measured with the page's fonts through the pen's meter,
//! never with plotters' own web font code (which lays a span out in the page for each text).

use plotters::style::RGBColor;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::FontStyle;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};

use crate::canvas::scene::Pen;

/// What the pen cannot fail with: recording never fails.
pub type Never = std::fmt::Error;

type Drawn = Result<(), DrawingErrorKind<Never>>;

pub struct PenBackend<'p, 'a> {
    pen: &'p mut Pen<'a>,
    size: (u32, u32),
    /// The fill and stroke colours and the alpha last recorded (each is recorded on a change).
    fill: Option<(u8, u8, u8)>,
    stroke: Option<(u8, u8, u8)>,
    alpha: Option<u64>,
}

impl<'p, 'a> PenBackend<'p, 'a> {
    /// A backend `size` units large (the pen's CSS size at its scale).
    pub fn new(pen: &'p mut Pen<'a>, size: (u32, u32)) -> Self {
        PenBackend { pen, size, fill: None, stroke: None, alpha: None }
    }

    fn colour(&mut self, colour: BackendColor, fill: bool) {
        let last = if fill { &mut self.fill } else { &mut self.stroke };
        if *last != Some(colour.rgb) {
            *last = Some(colour.rgb);
            let text = hex(colour.rgb);
            if fill {
                self.pen.set_fill_style(&text);
            } else {
                self.pen.set_stroke_style(&text);
            }
        }
        if self.alpha != Some(colour.alpha.to_bits()) {
            self.alpha = Some(colour.alpha.to_bits());
            self.pen.set_global_alpha(colour.alpha);
        }
    }

    /// Stroke the path through `points`; odd widths sit on pixel centres, so a 1-pixel line is
    /// one crisp pixel wide rather than two grey ones.
    fn stroke<S: BackendStyle>(&mut self, points: impl IntoIterator<Item = BackendCoord>, style: &S, closed: bool) {
        if style.color().alpha <= 0.0 {
            return;
        }
        let width = style.stroke_width().max(1);
        let nudge = if width % 2 == 1 { 0.5 } else { 0.0 };
        self.colour(style.color(), false);
        self.pen.set_line_width(f64::from(width));
        self.pen.begin_path();
        let mut first = None;
        for (x, y) in points {
            let (x, y) = (f64::from(x) + nudge, f64::from(y) + nudge);
            match first {
                None => {
                    self.pen.move_to(x, y);
                    first = Some((x, y));
                }
                Some(_) => self.pen.line_to(x, y),
            }
        }
        if let (true, Some((x, y))) = (closed, first) {
            self.pen.line_to(x, y);
        }
        self.pen.stroke();
    }
}

/// "#rrggbb" for a colour.
fn hex((r, g, b): (u8, u8, u8)) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(7);
    s.push('#');
    for v in [r, g, b] {
        s.push(char::from(DIGITS[usize::from(v >> 4)]));
        s.push(char::from(DIGITS[usize::from(v & 15)]));
    }
    s
}

/// The colour of a "#rrggbb" string (black if it is not one).
pub fn rgb(hex: &str) -> RGBColor {
    let byte = |i: usize| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).unwrap_or(0);
    RGBColor(byte(1), byte(3), byte(5))
}

/// The CSS font shorthand for a plotters text style ("600 11px system-ui, sans-serif").
fn css_font<S: BackendTextStyle>(style: &S) -> String {
    css(style.size(), style.style(), style.family().as_str())
}

/// The CSS font shorthand for a font of `size` pixels, `weight` and `family`, as the backend
/// records it (bold is weight 600).
pub fn css(size: f64, weight: FontStyle, family: &str) -> String {
    let weight = match weight {
        FontStyle::Bold => "600 ",
        FontStyle::Italic => "italic ",
        FontStyle::Oblique => "oblique ",
        FontStyle::Normal => "",
    };
    [weight, &(size.round() as u32).to_string(), "px ", family].concat()
}

impl DrawingBackend for PenBackend<'_, '_> {
    type ErrorType = Never;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Drawn {
        Ok(())
    }

    fn present(&mut self) -> Drawn {
        Ok(())
    }

    fn draw_pixel(&mut self, (x, y): BackendCoord, colour: BackendColor) -> Drawn {
        self.colour(colour, true);
        self.pen.fill_rect(f64::from(x), f64::from(y), 1.0, 1.0);
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Drawn {
        self.stroke([from, to], style, false);
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        (x0, y0): BackendCoord,
        (x1, y1): BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        if fill {
            if style.color().alpha <= 0.0 {
                return Ok(());
            }
            self.colour(style.color(), true);
            // plotters' corners are pixels both included (as in its bitmap backend): the
            // rectangle covers one pixel more than their difference each way.
            let (x, y) = (f64::from(x0.min(x1)), f64::from(y0.min(y1)));
            let (w, h) = (f64::from((x1 - x0).abs()) + 1.0, f64::from((y1 - y0).abs()) + 1.0);
            self.pen.fill_rect(x, y, w, h);
        } else {
            self.stroke([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], style, true);
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Drawn {
        self.stroke(path, style, false);
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(&mut self, (x, y): BackendCoord, radius: u32, style: &S, fill: bool) -> Drawn {
        if style.color().alpha <= 0.0 || (!fill && style.stroke_width() == 0) {
            return Ok(());
        }
        self.colour(style.color(), fill);
        self.pen.begin_path();
        self.pen.arc(f64::from(x), f64::from(y), f64::from(radius), 0.0, std::f64::consts::TAU);
        if fill {
            self.pen.fill();
        } else {
            self.pen.set_line_width(f64::from(style.stroke_width()));
            self.pen.stroke();
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Drawn {
        if style.color().alpha <= 0.0 {
            return Ok(());
        }
        self.colour(style.color(), true);
        self.pen.begin_path();
        for (i, (x, y)) in vert.into_iter().enumerate() {
            if i == 0 {
                self.pen.move_to(f64::from(x), f64::from(y));
            } else {
                self.pen.line_to(f64::from(x), f64::from(y));
            }
        }
        self.pen.fill();
        Ok(())
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, (x, y): BackendCoord) -> Drawn {
        let anchor = style.anchor();
        self.pen.set_font(&css_font(style));
        self.pen.set_text_align(match anchor.h_pos {
            HPos::Left => "left",
            HPos::Center => "center",
            HPos::Right => "right",
        });
        self.pen.set_text_baseline(match anchor.v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        });
        self.colour(style.color(), true);
        self.pen.fill_text(text, f64::from(x), f64::from(y));
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Never>> {
        let width = self.pen.measure_in(&css_font(style), text);
        Ok((width.ceil() as u32, style.size().ceil() as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::style::Color;

    #[test]
    fn colours_go_to_and_from_hex() {
        assert_eq!(hex((0x6e, 0xe7, 0xb7)), "#6ee7b7");
        assert_eq!(rgb("#6ee7b7"), RGBColor(0x6e, 0xe7, 0xb7));
        assert_eq!(hex((0, 255, 16)), "#00ff10");
        assert_eq!(rgb("nonsense"), RGBColor(0, 0, 0));
    }

    /// What `draw` records.
    fn recorded(draw: impl FnOnce(&mut PenBackend)) -> Vec<f64> {
        let meter = crate::canvas::scene::Meter::default();
        let mut ops = Vec::new();
        let mut pen = Pen::new(&mut ops, &meter);
        draw(&mut PenBackend::new(&mut pen, (100, 50)));
        ops
    }

    fn has(ops: &[f64], run: &[f64]) -> bool {
        ops.windows(run.len()).any(|w| w == run)
    }

    fn utf16(s: &str) -> Vec<f64> {
        s.encode_utf16().map(f64::from).collect()
    }

    #[test]
    fn thin_lines_sit_on_pixel_centres_and_thick_ones_on_pixel_edges() {
        let thin = recorded(|b| b.draw_line((1, 2), (9, 2), &RGBColor(0, 0, 0)).unwrap());
        assert!(has(&thin, &[9.0, 1.5, 2.5, 10.0, 9.5, 2.5]), "{thin:?}");
        let thick = recorded(|b| b.draw_line((1, 2), (9, 2), &Color::stroke_width(&RGBColor(0, 0, 0), 2)).unwrap());
        assert!(has(&thick, &[9.0, 1.0, 2.0, 10.0, 9.0, 2.0]), "{thick:?}");
    }

    #[test]
    fn a_filled_rectangle_covers_both_corner_pixels() {
        let ops = recorded(|b| b.draw_rect((2, 3), (5, 9), &RGBColor(0, 0, 0).filled(), true).unwrap());
        assert!(has(&ops, &[7.0, 2.0, 3.0, 4.0, 7.0]), "{ops:?}");
    }

    #[test]
    fn a_colour_is_recorded_when_it_changes() {
        let ops = recorded(|b| {
            for _ in 0..3 {
                b.draw_rect((0, 0), (1, 1), &RGBColor(1, 2, 3).filled(), true).unwrap();
            }
        });
        let run: Vec<f64> = [1.0, 7.0].into_iter().chain(utf16("#010203")).collect();
        let fill_styles = ops.windows(run.len()).filter(|w| *w == run.as_slice()).count();
        assert_eq!(fill_styles, 1, "{ops:?}");
    }

    #[test]
    fn transparent_lines_are_not_recorded() {
        assert!(recorded(|b| b.draw_line((1, 2), (9, 2), &plotters::style::TRANSPARENT).unwrap()).is_empty());
    }

    #[test]
    fn text_keeps_its_anchor_font_and_colour() {
        use plotters::style::text_anchor::Pos;
        use plotters::style::{FontDesc, FontFamily};
        let ops = recorded(|b| {
            let font = FontDesc::new(FontFamily::Name("system-ui"), 11.0, FontStyle::Bold);
            let style = font.color(&RGBColor(255, 0, 0)).pos(Pos::new(HPos::Right, VPos::Center));
            let size = b.estimate_text_size("abc", &style).unwrap();
            assert_eq!(size.1, 11);
            b.draw_text("abc", &style, (40, 20)).unwrap();
        });
        for wanted in ["600 11px system-ui", "right", "middle", "#ff0000", "abc"] {
            assert!(has(&ops, &utf16(wanted)), "{wanted}: {ops:?}");
        }
        assert!(has(&ops, &[40.0, 20.0]));
    }
}
