//! sin, cos and pow through the browser's `Math` rather than Rust's software libm, which
//! would add about 10 KB of code to the download for three calls (node layout and the speed
//! slider). Host builds (tests) use std, as before.

#[cfg(target_arch = "wasm32")]
pub fn sin(x: f64) -> f64 {
    js_sys::Math::sin(x)
}

#[cfg(target_arch = "wasm32")]
pub fn cos(x: f64) -> f64 {
    js_sys::Math::cos(x)
}

#[cfg(target_arch = "wasm32")]
pub fn pow(base: f64, exp: f64) -> f64 {
    js_sys::Math::pow(base, exp)
}

#[cfg(not(target_arch = "wasm32"))]
pub fn sin(x: f64) -> f64 {
    x.sin()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn cos(x: f64) -> f64 {
    x.cos()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn pow(base: f64, exp: f64) -> f64 {
    base.powf(exp)
}
