//! XEP-0363's browser half: ready the image (a JPEG re-encoded without its metadata) and
//! PUT it to the slot with progress; and an avatar, cropped and sized by the canvas. Finding the service and asking the slot is the
//! account's (`app::upload`); the protocol decisions live in `service::upload`.

use crate::service::people::AvatarImage;
use crate::service::upload::{self, Slot};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, ImageBitmap, ImageEncodeOptions, OffscreenCanvas, OffscreenCanvasRenderingContext2d,
    ProgressEvent, XmlHttpRequest,
};

/// An image ready to publish: its bytes and media type. A JPEG is re-encoded through a
/// canvas, which drops its EXIF (camera, time, GPS position) and bounds its size; the
/// other types go as they are.
pub async fn prepare(file: &Blob) -> Result<(Blob, String), String> {
    let media_type = file.type_();
    let head = file
        .slice_with_i32_and_i32(0, 3)
        .map(|head| head.array_buffer())
        .map_err(|_| UNREADABLE.to_owned())?;
    let head = JsFuture::from(head)
        .await
        .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec())
        .map_err(|_| UNREADABLE.to_owned())?;
    if upload::is_jpeg(&head) || media_type == "image/jpeg" {
        return Ok((without_metadata(file).await?, "image/jpeg".to_owned()));
    }
    let media_type = match media_type {
        t if t.is_empty() => "application/octet-stream".to_owned(),
        t => t,
    };
    Ok((file.clone(), media_type))
}

const UNREADABLE: &str =
    "This image could not be read, so nothing was uploaded. Try saving it again as JPEG or PNG.";

/// The JPEG decoded and encoded again at quality 0.9, at most [`upload::MAX_SIDE`] pixels
/// on its longest side. Decoding applies the EXIF orientation, so the picture stays the
/// right way up without it. No original ever goes out in its place: a failure is an error.
pub async fn without_metadata(jpeg: &Blob) -> Result<Blob, String> {
    let redrawn = async {
        let bitmap = decode(jpeg).await?;
        let (width, height) =
            upload::bounded_size(bitmap.width(), bitmap.height(), upload::MAX_SIDE);
        let whole = (0, 0, bitmap.width(), bitmap.height());
        let canvas = draw(bitmap, whole, width, height)?;
        encode(&canvas, "image/jpeg").await
    };
    redrawn.await.map_err(|_| UNREADABLE.to_owned())
}

/// **Change avatar**: the image's centred square at most [`upload::AVATAR_SIDE`] pixels
/// a side, as PNG, or as JPEG when the PNG is large (a photo, [`upload::AVATAR_PNG_MAX`]).
/// Re-encoding also drops whatever metadata the file carried.
pub async fn avatar(image: &Blob) -> Result<AvatarImage, String> {
    let redrawn = async {
        let bitmap = decode(image).await?;
        let ((x, y, square), side) =
            upload::avatar_square(bitmap.width(), bitmap.height(), upload::AVATAR_SIDE)
                .ok_or(JsValue::NULL)?;
        let canvas = draw(bitmap, (x, y, square, square), side, side)?;
        let mut type_ = "image/png";
        let mut bytes = to_bytes(&encode(&canvas, type_).await?).await?;
        if bytes.len() > upload::AVATAR_PNG_MAX {
            type_ = "image/jpeg";
            bytes = to_bytes(&encode(&canvas, type_).await?).await?;
        }
        let side = side as u16;
        Ok::<_, JsValue>(AvatarImage {
            bytes,
            type_: type_.to_owned(),
            width: side,
            height: side,
        })
    };
    redrawn
        .await
        .map_err(|_| "This image could not be read. Try another, or save it as JPEG or PNG.".into())
}

async fn decode(image: &Blob) -> Result<ImageBitmap, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    JsFuture::from(window.create_image_bitmap_with_blob(image)?)
        .await?
        .dyn_into()
}

/// The `(x, y, width, height)` region of `bitmap` drawn on a new `width` × `height`
/// canvas; the bitmap is released.
fn draw(
    bitmap: ImageBitmap,
    (x, y, w, h): (u32, u32, u32, u32),
    width: u32,
    height: u32,
) -> Result<OffscreenCanvas, JsValue> {
    let canvas = OffscreenCanvas::new(width, height)?;
    let context: OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d")?.ok_or(JsValue::NULL)?.dyn_into()?;
    let f = f64::from;
    let drawn = context.draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        &bitmap,
        f(x),
        f(y),
        f(w),
        f(h),
        0.0,
        0.0,
        f(width),
        f(height),
    );
    bitmap.close();
    drawn.map(|_| canvas)
}

/// The canvas as `type_`; a JPEG at quality 0.9.
async fn encode(canvas: &OffscreenCanvas, type_: &str) -> Result<Blob, JsValue> {
    let options = ImageEncodeOptions::new();
    options.set_type(type_);
    options.set_quality(0.9);
    JsFuture::from(canvas.convert_to_blob_with_options(&options)?)
        .await?
        .dyn_into()
}

async fn to_bytes(blob: &Blob) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(blob.array_buffer()).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// HTTP PUT with XMLHttpRequest: `fetch` reports no upload progress.
pub async fn put(
    slot: &Slot,
    file: &Blob,
    media_type: &str,
    progress: impl Fn(f64) + 'static,
) -> Result<(), String> {
    let failed = |_| "The upload could not start".to_owned();
    let xhr = XmlHttpRequest::new().map_err(failed)?;
    xhr.open("PUT", &slot.put).map_err(failed)?;
    xhr.set_request_header("Content-Type", media_type)
        .map_err(failed)?;
    for (name, value) in &slot.headers {
        xhr.set_request_header(name, value).map_err(failed)?;
    }
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            progress(e.loaded() / e.total());
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let done = js_sys::Promise::new(&mut |resolve, _| {
        xhr.set_onloadend(Some(&resolve));
    });
    xhr.send_with_opt_blob(Some(file)).map_err(failed)?;
    let _ = wasm_bindgen_futures::JsFuture::from(done).await;
    drop(on_progress);
    match xhr.status().unwrap_or(0) {
        200..=299 => Ok(()),
        0 => Err("The upload failed: the server could not be reached".into()),
        status => Err(format!("The upload failed (HTTP {status})")),
    }
}
