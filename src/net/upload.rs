//! XEP-0363's browser half: ready the image (a JPEG re-encoded without its metadata) and
//! PUT it to the slot with progress. Finding the service and asking the slot is the
//! account's (`app::upload`); the protocol decisions live in `service::upload`.

use crate::service::upload::{self, Slot};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
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
    let failed = |_| UNREADABLE.to_owned();
    let window = web_sys::window().ok_or(UNREADABLE)?;
    let bitmap: ImageBitmap =
        JsFuture::from(window.create_image_bitmap_with_blob(jpeg).map_err(failed)?)
            .await
            .map_err(failed)?
            .dyn_into()
            .map_err(failed)?;
    let (width, height) = upload::bounded_size(bitmap.width(), bitmap.height(), upload::MAX_SIDE);
    let canvas = OffscreenCanvas::new(width, height).map_err(failed)?;
    let drawn = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<OffscreenCanvasRenderingContext2d>().ok())
        .map(|context| {
            context.draw_image_with_image_bitmap_and_dw_and_dh(
                &bitmap,
                0.0,
                0.0,
                f64::from(width),
                f64::from(height),
            )
        });
    bitmap.close();
    drawn.ok_or(UNREADABLE)?.map_err(failed)?;
    let options = ImageEncodeOptions::new();
    options.set_type("image/jpeg");
    options.set_quality(0.9);
    JsFuture::from(
        canvas
            .convert_to_blob_with_options(&options)
            .map_err(failed)?,
    )
    .await
    .map_err(failed)?
    .dyn_into()
    .map_err(failed)
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
