//! XEP-0363 in the browser: find the upload service (once per page), get a slot, PUT
//! the file with progress. The protocol decisions live in `service::upload`.

use std::cell::RefCell;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{File, ProgressEvent, XmlHttpRequest};
use xmpp_parsers::jid::{BareJid, Jid};

use super::query::ask;
use crate::service::upload::{self, Slot};
use crate::xmpp::IqOutcome;

thread_local! {
    /// The upload service and its size limit, once found.
    static SERVICE: RefCell<Option<(Jid, Option<u64>)>> = const { RefCell::new(None) };
}

fn result(outcome: IqOutcome) -> Option<minidom::Element> {
    match outcome {
        IqOutcome::Result(payload) => payload,
        _ => None,
    }
}

async fn service(account: &BareJid) -> Result<(Jid, Option<u64>), String> {
    if let Some(found) = SERVICE.with(|s| s.borrow().clone()) {
        return Ok(found);
    }
    let domain: Jid = BareJid::from_parts(None, account.domain()).into();
    let items = ask(|id| upload::items_iq(id, &domain)).await;
    if matches!(items, IqOutcome::Disconnected | IqOutcome::Timeout) {
        return Err("Images can be attached while online; try again when connected".into());
    }
    for candidate in upload::candidates(&domain, result(items)) {
        let info = ask(|id| upload::info_iq(id, &candidate)).await;
        if let Some(limit) = upload::upload_limit(result(info)) {
            let found = (candidate, limit);
            SERVICE.with(|s| *s.borrow_mut() = Some(found.clone()));
            return Ok(found);
        }
    }
    Err("Your server offers no file upload (XEP-0363), so images cannot be attached".into())
}

/// Uploads `file`; `progress` hears 0.0–1.0. `Ok` is the URL where it can be read.
pub async fn upload(
    account: &BareJid,
    file: &File,
    progress: impl Fn(f64) + 'static,
) -> Result<String, String> {
    let (service, limit) = service(account).await?;
    let size = file.size() as u64;
    if let Some(limit) = limit.filter(|limit| size > *limit) {
        return Err(format!(
            "This image is {:.1} MB; your server accepts at most {:.1} MB",
            size as f64 / 1e6,
            limit as f64 / 1e6
        ));
    }
    let media_type = match file.type_() {
        t if t.is_empty() => "application/octet-stream".to_owned(),
        t => t,
    };
    let answer = ask(|id| upload::slot_iq(id, &service, &file.name(), size, &media_type)).await;
    let slot = match answer {
        IqOutcome::Error(e) => {
            let why = e.texts.values().next().cloned().unwrap_or_default();
            return Err(format!("The server refused the upload. {why}")
                .trim()
                .to_owned());
        }
        other => upload::slot(result(other)).ok_or("The server's upload answer was not usable")?,
    };
    put(&slot, file, &media_type, progress).await?;
    Ok(slot.get)
}

/// HTTP PUT with XMLHttpRequest: `fetch` reports no upload progress.
async fn put(
    slot: &Slot,
    file: &File,
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
