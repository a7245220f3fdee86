//! XEP-0392: Consistent Color Generation — the colour of a person's initials avatar, the
//! same in every client that follows the XEP (Conversations, Dino, Gajim…).

use sasl::common::scram::{ScramProvider, Sha1};

/// §5.1: the hue angle of `text` (a bare JID), in degrees in `[0, 360)`: the first two
/// bytes of its SHA-1, read as a little-endian 16-bit number, over 65536.
pub fn hue(text: &str) -> f64 {
    let digest = Sha1::hash(text.as_bytes());
    let n = u16::from_le_bytes([digest[0], digest[1]]);
    f64::from(n) / 65536.0 * 360.0
}

/// [`hue`] in whole degrees (`[0, 360)`, rounded down), in integer arithmetic: what a
/// CSS `hsl()` needs, without the float formatting and HSLuv maths [`css`] links.
pub fn hue_degrees(text: &str) -> u16 {
    let digest = Sha1::hash(text.as_bytes());
    let n = u32::from(u16::from_le_bytes([digest[0], digest[1]]));
    ((n * 360) >> 16) as u16
}

/// §5.4: the colour of `text`, as sRGB channels in `[0, 1]`: its [`hue`] in HSLuv with
/// saturation 100 and lightness 50.
pub fn rgb(text: &str) -> [f64; 3] {
    hsluv_to_rgb(hue(text), 100.0, 50.0)
}

/// The colour of `text` as CSS (`#rrggbb`).
pub fn css(text: &str) -> String {
    let [r, g, b] = rgb(text).map(|c| (c * 255.0).round() as u8);
    format!("#{r:02x}{g:02x}{b:02x}")
}

// HSLuv (hsluv.org, the reference implementation's constants): CIE LCh(uv) whose chroma
// is scaled to the largest one sRGB can show at that lightness and hue.

/// XYZ (D65) to linear sRGB.
const M: [[f64; 3]; 3] = [
    [3.240969941904521, -1.537383177570093, -0.498610760293],
    [-0.96924363628087, 1.87596750150772, 0.041555057407175],
    [0.055630079696993, -0.20397695888897, 1.056971514242878],
];
const REF_U: f64 = 0.19783000664283;
const REF_V: f64 = 0.46831999493879;
const KAPPA: f64 = 903.2962962;
const EPSILON: f64 = 0.0088564516;

fn hsluv_to_rgb(hue: f64, saturation: f64, lightness: f64) -> [f64; 3] {
    let (sin, cos) = hue.to_radians().sin_cos();
    let l = lightness;
    // Y of the lightness (CIE L* inverted).
    let y = if l <= 8.0 {
        l / KAPPA
    } else {
        let t = (l + 16.0) / 116.0;
        t * t * t
    };
    // The largest chroma in gamut: the nearest of the six lines where a channel is 0 or 1.
    let sub1 = (l + 16.0).powi(3) / 1_560_896.0;
    let sub2 = if sub1 > EPSILON { sub1 } else { l / KAPPA };
    let mut max_chroma = f64::MAX;
    for [m1, m2, m3] in M {
        for t in [0.0, 1.0] {
            let top1 = (284_517.0 * m1 - 94_839.0 * m3) * sub2;
            let top2 =
                (838_422.0 * m3 + 769_860.0 * m2 + 731_718.0 * m1) * l * sub2 - 769_860.0 * t * l;
            let bottom = (632_260.0 * m3 - 126_452.0 * m2) * sub2 + 126_452.0 * t;
            let (slope, intercept) = (top1 / bottom, top2 / bottom);
            let length = intercept / (sin - slope * cos);
            if length >= 0.0 {
                max_chroma = max_chroma.min(length);
            }
        }
    }
    let chroma = max_chroma / 100.0 * saturation;
    // LCh(uv) → Luv → XYZ.
    let (u, v) = (cos * chroma, sin * chroma);
    let var_u = u / (13.0 * l) + REF_U;
    let var_v = v / (13.0 * l) + REF_V;
    let x = -(9.0 * y * var_u) / ((var_u - 4.0) * var_v - var_u * var_v);
    let z = (9.0 * y - 15.0 * var_v * y - var_v * x) / (3.0 * var_v);
    // XYZ → sRGB, companded.
    M.map(|[a, b, c]| {
        let linear = a * x + b * y + c * z;
        let srgb = if linear <= 0.0031308 {
            12.92 * linear
        } else {
            1.055 * linear.powf(1.0 / 2.4) - 0.055
        };
        srgb.clamp(0.0, 1.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XEP-0392 Appendix A "Test Vectors", no colour vision deficiency correction:
    /// input, hue angle, then R, G, B to three decimals.
    const VECTORS: [(&str, f64, [f64; 3]); 5] = [
        ("Romeo", 327.255249, [0.865, 0.000, 0.686]),
        ("juliet@capulet.lit", 209.410400, [0.000, 0.515, 0.573]),
        ("😺", 331.199341, [0.872, 0.000, 0.659]),
        ("council", 359.994507, [0.918, 0.000, 0.394]),
        ("Board", 171.430664, [0.000, 0.527, 0.457]),
    ];

    #[test]
    fn the_xep_test_vectors() {
        for (text, angle, expected) in VECTORS {
            assert!((hue(text) - angle).abs() < 1e-6, "{text}: {}", hue(text));
            let got = rgb(text);
            for (g, e) in got.iter().zip(expected) {
                assert!((g - e).abs() < 0.0005, "{text}: {got:?}");
            }
        }
    }

    #[test]
    fn whole_degrees_are_the_hue_rounded_down() {
        for (text, angle, _) in VECTORS {
            assert_eq!(f64::from(hue_degrees(text)), angle.floor(), "{text}");
        }
        assert_eq!(hue_degrees("juliet@capulet.lit"), 209);
    }

    #[test]
    fn css_is_the_rgb_in_hex() {
        // Romeo: 0.865, 0.000, 0.686 of 255.
        assert_eq!(css("Romeo"), "#dd00af");
        assert_eq!(css("Romeo"), css("Romeo"), "deterministic");
        assert_ne!(css("Romeo"), css("juliet@capulet.lit"));
    }
}
