//! See Cargo.toml: the part of wasm-streams 0.5's API that server_fn (browser) uses, without
//! its exported classes. Quorum Lab never streams to or from a server.

use futures_util::stream::{Pending, Stream};
use wasm_bindgen::JsValue;

const UNSUPPORTED: &str = "streaming server functions are not available in this build (wasm-streams is stubbed)";

pub mod readable {
    pub use super::ReadableStream;
}

/// Holds a JS `ReadableStream`; converting it to or from a Rust stream is not supported.
pub struct ReadableStream {
    raw: web_sys::ReadableStream,
}

impl ReadableStream {
    pub fn from_raw(raw: web_sys::ReadableStream) -> Self {
        Self { raw }
    }

    pub fn from_stream<St>(_stream: St) -> Self
    where
        St: Stream<Item = Result<JsValue, JsValue>> + 'static,
    {
        wasm_bindgen::throw_str(UNSUPPORTED)
    }

    pub fn as_raw(&self) -> &web_sys::ReadableStream {
        &self.raw
    }

    pub fn into_raw(self) -> web_sys::ReadableStream {
        self.raw
    }

    pub fn into_stream(self) -> Pending<Result<JsValue, JsValue>> {
        wasm_bindgen::throw_str(UNSUPPORTED)
    }
}
