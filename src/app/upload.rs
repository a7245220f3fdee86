//! XEP-0363 for the account: find its upload service (once per account: dropped with it
//! at sign-out, so another account never uploads to this one's service), ask a slot,
//! then PUT the file with `net::upload`. The protocol decisions live in
//! `service::upload`.

use crate::proto::jid::{BareJid, Jid};
use web_sys::Blob;

use super::account::Account;
use super::UserError;
use crate::net::upload::put;
use crate::service::upload;
use crate::xmpp::IqOutcome;

/// The account's upload service and its size limit, once found.
pub(super) type Found = (Jid, Option<u64>);

fn result(outcome: IqOutcome) -> Option<minidom::Element> {
    match outcome {
        IqOutcome::Result(payload) => payload,
        _ => None,
    }
}

impl Account {
    async fn upload_service(&self) -> Result<Found, UserError> {
        if let Some(found) = self.inner.upload.borrow().clone() {
            return Ok(found);
        }
        let domain: Jid = BareJid::from_parts(None, self.jid().domain()).into();
        let items = self.ask(|id| upload::items_iq(id, &domain)).await;
        if matches!(items, IqOutcome::Disconnected | IqOutcome::Timeout) {
            return Err("Images can be attached while online; try again when connected".into());
        }
        for candidate in upload::candidates(&domain, result(items)) {
            let info = self.ask(|id| upload::info_iq(id, &candidate)).await;
            if let Some(limit) = upload::upload_limit(result(info)) {
                let found = (candidate, limit);
                *self.inner.upload.borrow_mut() = Some(found.clone());
                return Ok(found);
            }
        }
        Err("Your server offers no file upload (XEP-0363), so images cannot be attached".into())
    }

    /// Uploads `image` (see `net::upload::prepare`) under a neutral file name;
    /// `progress` hears 0.0–1.0. `Ok` is the URL where it can be read.
    pub(super) async fn upload(
        &self,
        image: &Blob,
        media_type: &str,
        progress: impl Fn(f64) + 'static,
    ) -> Result<String, UserError> {
        let (service, limit) = self.upload_service().await?;
        let size = image.size() as u64;
        if let Some(limit) = limit.filter(|limit| size > *limit) {
            return Err(format!(
                "This image is {} MB; your server accepts at most {} MB",
                upload::megabytes(size),
                upload::megabytes(limit)
            )
            .into());
        }
        let name = upload::upload_name(media_type);
        let answer = self
            .ask(|id| upload::slot_iq(id, &service, &name, size, media_type))
            .await;
        let slot = match answer {
            IqOutcome::Error(e) => {
                let why = e.texts.values().next().cloned().unwrap_or_default();
                return Err(format!("The server refused the upload. {why}")
                    .trim()
                    .to_owned()
                    .into());
            }
            other => {
                upload::slot(result(other)).ok_or("The server's upload answer was not usable")?
            }
        };
        put(&slot, image, media_type, progress).await?;
        Ok(slot.get)
    }
}
