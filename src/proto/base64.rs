//! RFC 4648 §4 base64, with padding: SASL payloads, SCRAM salts and proofs, the caps
//! hash, remembered keys. A few lines instead of the `base64` crate's generic engines
//! (about 6 KB of wasm); decoding is as strict as its `STANDARD` engine: padding
//! required, no whitespace, no stray bits after the last byte.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn encode(data: impl AsRef<[u8]>) -> String {
    let data = data.as_ref();
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let bytes = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// `None` for anything that is not canonical padded base64.
pub fn decode(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    let text = text.as_ref();
    if text.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let quads = text.chunks(4);
    let last = quads.len().saturating_sub(1);
    for (q, quad) in quads.enumerate() {
        // `=` only at the end of the last quad, at most two.
        let padding = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && q != last) {
            return None;
        }
        let mut n = 0;
        for &c in &quad[..4 - padding] {
            n = n << 6 | value(c)?;
        }
        n <<= 6 * padding;
        let bytes = n.to_be_bytes();
        let keep = 3 - padding;
        // The bits after the last byte must be zero, or two texts would decode alike.
        if bytes[1 + keep..].iter().any(|&b| b != 0) {
            return None;
        }
        out.extend_from_slice(&bytes[1..1 + keep]);
    }
    Some(out)
}

/// [`decode`] after dropping ASCII whitespace: avatar and vCard photo data is often
/// wrapped in lines (RFC 2045 style) by the clients that publish it.
pub fn decode_wrapped(text: &str) -> Option<Vec<u8>> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    decode(compact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{engine::general_purpose::STANDARD, Engine};

    #[test]
    fn rfc_4648_vectors() {
        for (data, text) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(data), text);
            assert_eq!(decode(text).as_deref(), Some(data.as_bytes()));
        }
    }

    #[test]
    fn agrees_with_the_base64_crate() {
        // Every byte value in every position, and lengths around the padding cases.
        let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev().step_by(3)).collect();
        for len in 0..data.len() {
            let data = &data[len / 2..len];
            assert_eq!(encode(data), STANDARD.encode(data));
            assert_eq!(decode(encode(data)).as_deref(), Some(data));
        }
        for text in [
            "Zg==", "Zh==", "Zg=", "Zg", "Zm8", "Zm9=", "Zm9v=", "Z===", "====", "Zg==Zg==",
            "Zm9v\n", " Zm9v", "Zm-v", "Zm_v", "Zm9v!A==", "AAAA", "////", "+/+/", "=Zm9", "Zm=v",
            "é===",
        ] {
            assert_eq!(decode(text), STANDARD.decode(text).ok(), "{text:?}");
        }
    }

    #[test]
    fn wrapped_text_decodes_once_unwrapped() {
        assert_eq!(
            decode_wrapped(" Zm9v\r\nYmFy\n").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(decode_wrapped("Zm9v\nYmE"), None, "still padded base64");
    }
}
