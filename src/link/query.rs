//! A query string ↔ its key and value pairs. In the browser, the browser's own codecs do it
//! (`URLSearchParams` reads, `encodeURIComponent` writes); natively (the tests, `qlab`) a small
//! Rust codec that behaves like them on every input the tests give it.

/// The `key=value` pairs of `?a=1&b=2` (with or without the `?`), decoded, in order.
#[cfg(target_arch = "wasm32")]
pub fn pairs(search: &str) -> Vec<(String, String)> {
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(search) else { return Vec::new() };
    // `Array.from(params)`: its [key, value] pairs.
    js_sys::Array::from(&params)
        .iter()
        .map(|entry| {
            let pair = js_sys::Array::from(&entry);
            (pair.get(0).as_string().unwrap_or_default(), pair.get(1).as_string().unwrap_or_default())
        })
        .collect()
}

/// A query value, percent-encoded as `encodeURIComponent` does (a space is `%20`).
#[cfg(target_arch = "wasm32")]
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// [`pairs`] on a host: `+` is a space, `%XX` a byte, an invalid escape stays as it is, and
/// bytes that are not UTF-8 become U+FFFD, as in the browser.
#[cfg(not(target_arch = "wasm32"))]
pub fn pairs(search: &str) -> Vec<(String, String)> {
    let query = search.strip_prefix('?').unwrap_or(search);
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

#[cfg(not(target_arch = "wasm32"))]
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// [`encode`] on a host: what `encodeURIComponent` leaves as it is stays, the rest is `%XX`.
#[cfg(not(target_arch = "wasm32"))]
pub fn encode(value: &str) -> String {
    quorumlab_sim::experiment::encode_component(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_encodings_decode_as_the_browser_does() {
        let decoded = |s: &str| pairs(s);
        assert_eq!(decoded("?a=x%20y+z&b"), [("a".into(), "x y z".into()), ("b".into(), String::new())]);
        assert_eq!(decoded("s=%ED%95%9C"), [("s".into(), "한".into())]);
        assert_eq!(decoded("s=%"), [("s".into(), "%".into())]);
        assert_eq!(decoded("s=%zz%4"), [("s".into(), "%zz%4".into())]);
        assert_eq!(decoded("s=%C3"), [("s".into(), "\u{FFFD}".into())]);
        assert_eq!(decoded("&&="), [(String::new(), String::new())]);
        assert_eq!(decoded("seed==1"), [("seed".into(), "=1".into())]);
    }

    #[test]
    fn encoding_keeps_what_encode_uri_component_keeps() {
        assert_eq!(encode("at 1s crash c1\n"), "at%201s%20crash%20c1%0A");
        assert_eq!(encode("a|b=c&d"), "a%7Cb%3Dc%26d");
        assert_eq!(encode("-_.!~*'()"), "-_.!~*'()");
        assert_eq!(encode("한"), "%ED%95%9C");
        for text in ["at 1s crash c1\nset x=y", "%+&=?#", "한국어 ✂"] {
            assert_eq!(pairs(&format!("k={}", encode(text))), [("k".into(), text.into())]);
        }
    }
}
