//! A plotters drawing backend that writes SVG markup: the experiments' charts, laid out by
//! plotters and shown as inline SVG, so each point can be a link (the run behind it) that a
//! keyboard and a screen reader reach like any other. Text is drawn by the browser; plotters
//! only needs its size to lay the axes out, which [`text_width`] estimates.

use std::fmt::Write;

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};

use super::plot::css;

type Drawn = Result<(), DrawingErrorKind<std::fmt::Error>>;

pub struct SvgBackend<'s> {
    out: &'s mut String,
    size: (u32, u32),
}

impl<'s> SvgBackend<'s> {
    /// A backend drawing into `out` (the caller writes the `<svg>` element around it).
    pub fn new(out: &'s mut String, size: (u32, u32)) -> Self {
        SvgBackend { out, size }
    }
}

/// "#rrggbb".
fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Text as SVG character data or an attribute value.
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// Width of `text` in a font of `size` pixels, estimated: Hangul and other wide characters a
/// full em, digits and Latin letters about 0.58 em (system-ui's average).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| {
            if (c as u32) >= 0x1100 {
                1.0
            } else if c == ' ' {
                0.3
            } else {
                0.58
            }
        })
        .sum::<f64>()
        * size
}

fn paint(colour: BackendColor) -> String {
    if colour.alpha >= 1.0 {
        hex(colour.rgb)
    } else {
        format!("{}\" fill-opacity=\"{:.2}", hex(colour.rgb), colour.alpha)
    }
}

fn stroke_attrs<S: BackendStyle>(style: &S) -> String {
    let c = style.color();
    let mut s = format!("stroke=\"{}\" stroke-width=\"{}\"", hex(c.rgb), style.stroke_width().max(1));
    if c.alpha < 1.0 {
        let _ = write!(s, " stroke-opacity=\"{:.2}\"", c.alpha);
    }
    s
}

impl DrawingBackend for SvgBackend<'_> {
    type ErrorType = std::fmt::Error;

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
        if colour.alpha > 0.0 {
            let _ = write!(self.out, "<rect x=\"{x}\" y=\"{y}\" width=\"1\" height=\"1\" fill=\"{}\"/>", paint(colour));
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, (x0, y0): BackendCoord, (x1, y1): BackendCoord, style: &S) -> Drawn {
        if style.color().alpha > 0.0 {
            // Odd widths on pixel centres: a 1-pixel line stays one crisp pixel.
            let n = if style.stroke_width().max(1) % 2 == 1 { 0.5 } else { 0.0 };
            let _ = write!(
                self.out,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {}/>",
                f64::from(x0) + n,
                f64::from(y0) + n,
                f64::from(x1) + n,
                f64::from(y1) + n,
                stroke_attrs(style)
            );
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        (x0, y0): BackendCoord,
        (x1, y1): BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        if style.color().alpha <= 0.0 {
            return Ok(());
        }
        let (x, y, w, h) = (x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs());
        let paint_attrs = if fill {
            format!("fill=\"{}\"", paint(style.color()))
        } else {
            format!("fill=\"none\" {}", stroke_attrs(style))
        };
        let _ = write!(self.out, "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" {paint_attrs}/>");
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Drawn {
        if style.color().alpha <= 0.0 {
            return Ok(());
        }
        let mut points = String::new();
        for (x, y) in path {
            let _ = write!(points, "{x},{y} ");
        }
        let _ = write!(
            self.out,
            "<polyline fill=\"none\" stroke-linejoin=\"round\" points=\"{}\" {}/>",
            points.trim_end(),
            stroke_attrs(style)
        );
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(&mut self, (x, y): BackendCoord, r: u32, style: &S, fill: bool) -> Drawn {
        if style.color().alpha <= 0.0 {
            return Ok(());
        }
        let paint_attrs = if fill {
            format!("fill=\"{}\"", paint(style.color()))
        } else {
            format!("fill=\"none\" {}", stroke_attrs(style))
        };
        let _ = write!(self.out, "<circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\" {paint_attrs}/>");
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Drawn {
        if style.color().alpha <= 0.0 {
            return Ok(());
        }
        let mut points = String::new();
        for (x, y) in vert {
            let _ = write!(points, "{x},{y} ");
        }
        let _ = write!(self.out, "<polygon points=\"{}\" fill=\"{}\"/>", points.trim_end(), paint(style.color()));
        Ok(())
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, (x, y): BackendCoord) -> Drawn {
        let anchor = match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "middle",
        };
        let baseline = match style.anchor().v_pos {
            VPos::Top => "hanging",
            VPos::Center => "middle",
            VPos::Bottom => "alphabetic",
        };
        let font = css(style.size(), style.style(), style.family().as_str());
        // Plotters turns a vertical axis description by 270°.
        let rotate = match style.transform() {
            plotters_backend::FontTransform::Rotate270 => format!(" transform=\"rotate(270 {x} {y})\""),
            plotters_backend::FontTransform::Rotate90 => format!(" transform=\"rotate(90 {x} {y})\""),
            _ => String::new(),
        };
        let _ = write!(
            self.out,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\" dominant-baseline=\"{baseline}\" style=\"font: {}\" fill=\"{}\"{rotate}>{}</text>",
            escape(&font),
            hex(style.color().rgb),
            escape(text)
        );
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        Ok((text_width(text, style.size()).ceil() as u32, style.size().ceil() as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    #[test]
    fn a_chart_drawn_through_it_is_svg_with_its_texts_escaped() {
        let mut out = String::new();
        {
            let root = SvgBackend::new(&mut out, (320, 200)).into_drawing_area();
            let mut chart = ChartBuilder::on(&root)
                .x_label_area_size(30)
                .y_label_area_size(40)
                .build_cartesian_2d((1.0f64..1000.0).log_scale(), 0.0f64..10.0)
                .unwrap();
            chart.configure_mesh().x_desc("a < b & c").draw().unwrap();
            chart.draw_series(LineSeries::new([(1.0, 1.0), (10.0, 5.0), (1000.0, 9.0)], &RED)).unwrap();
        }
        assert!(out.contains("<polyline"), "{out}");
        assert!(out.contains("a &lt; b &amp; c"), "{out}");
        assert!(!out.contains("a < b"), "{out}");
        assert!(out.contains("<text"));
    }

    #[test]
    fn wide_characters_are_estimated_wider() {
        assert!(text_width("파티션", 10.0) > text_width("abc", 10.0));
        assert_eq!(escape("\"x'\""), "&quot;x&#39;&quot;");
    }
}
