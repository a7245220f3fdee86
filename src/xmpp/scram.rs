//! RFC 5802 / RFC 7677: the client side of SASL SCRAM-SHA-1 and SCRAM-SHA-256.
//!
//! The hash primitives come from the `sasl` crate; the exchange is ours so that the
//! nonce is an input (the session core draws no randomness and reads no clock) and so
//! that keys remembered from an earlier exchange can stand in for the password (see
//! [`Secret`]).

use crate::proto::base64;
use sasl::common::scram::{ScramProvider, Sha1, Sha256};
use sasl::common::Password;

/// The SCRAM variants Kith speaks, strongest first. PLAIN is deliberately absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScramHash {
    Sha256,
    Sha1,
}

impl ScramHash {
    pub const PREFERENCE: [ScramHash; 2] = [ScramHash::Sha256, ScramHash::Sha1];

    pub fn mechanism(self) -> &'static str {
        match self {
            ScramHash::Sha256 => "SCRAM-SHA-256",
            ScramHash::Sha1 => "SCRAM-SHA-1",
        }
    }

    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length, so the error branch cannot happen.
        match self {
            ScramHash::Sha256 => Sha256::hmac(data, key).unwrap_or_default(),
            ScramHash::Sha1 => Sha1::hmac(data, key).unwrap_or_default(),
        }
    }

    fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha256 => Sha256::hash(data),
            ScramHash::Sha1 => Sha1::hash(data),
        }
    }

    /// Bytes of a digest: the length of the salted password too.
    pub fn output_len(self) -> usize {
        match self {
            ScramHash::Sha256 => 32,
            ScramHash::Sha1 => 20,
        }
    }

    fn salted_password(self, password: &str, salt: &[u8], iterations: u32) -> Vec<u8> {
        let password = Password::Plain(password.to_owned());
        match self {
            ScramHash::Sha256 => Sha256::derive(&password, salt, iterations),
            ScramHash::Sha1 => Sha1::derive(&password, salt, iterations),
        }
        .unwrap_or_default()
    }
}

/// What proves who we are: the password, or the keys an earlier exchange derived from it
/// (RFC 5802 §3: ClientKey and ServerKey are all a client needs). Keys let "Remember me"
/// work without ever storing the password.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Password(String),
    Keys(ScramKeys),
}

// Hand-written so that no secret lands in a log.
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Secret::Password(_) => "Secret::Password(..)",
            Secret::Keys(_) => "Secret::Keys(..)",
        })
    }
}

impl std::fmt::Debug for ScramKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramKeys")
            .field("hash", &self.hash)
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

/// Keys valid while the server keeps this salt and iteration count for the account.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramKeys {
    pub hash: ScramHash,
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub client_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

/// Why a SCRAM exchange was abandoned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScramError {
    /// The server's message is not a SCRAM message we can read.
    Malformed(&'static str),
    /// The server nonce does not extend ours (RFC 5802 §5.1 `r`).
    NonceMismatch,
    /// Fewer PBKDF2 rounds than RFC 7677 §4 asks for: a downgrade we refuse.
    TooFewIterations(u32),
    /// More PBKDF2 rounds than [`MAX_ITERATIONS`]: deriving the keys would freeze the tab.
    TooManyIterations(u32),
    /// The server could not prove it knows our password (RFC 5802 §5.1 `v`).
    BadServerSignature,
    /// The server rejected us inside the SCRAM exchange (`e=`).
    ServerError(String),
    /// A message arrived out of order.
    OutOfOrder,
    /// The remembered keys were made for another salt, iteration count or hash: the
    /// password changed (or the server re-hashed it); only the password can sign in now.
    KeysOutdated,
}

/// Lowest iteration count we accept; RFC 7677 §4 recommends at least 4096.
pub const MIN_ITERATIONS: u32 = 4096;
/// Highest iteration count we accept. The derivation runs on the page's only thread, and
/// the server names the count: `i=4294967295` would freeze the tab for about an hour.
/// Two million is above OWASP's 2023 advice for PBKDF2 (600,000 rounds with SHA-256,
/// 1,300,000 with SHA-1), and servers use far fewer (ejabberd 4,096, Prosody 10,000), so
/// no honest server is refused; at about a second per million SHA-256 rounds (the `sasl`
/// crate, measured natively at opt-level z) it bounds the freeze to a few seconds, which
/// a server closing the stream before success could otherwise make the page pay on every
/// reconnection.
pub const MAX_ITERATIONS: u32 = 2_000_000;

/// The server-first-message (RFC 5802 §5.1), read and checked before any derivation.
#[derive(Debug)]
struct ServerFirst<'a> {
    /// All of it, for the AuthMessage.
    text: &'a str,
    nonce: &'a str,
    salt: Vec<u8>,
    iterations: u32,
}

impl<'a> ServerFirst<'a> {
    /// Reads `message`, answering our `client_nonce`. The iteration count is bounded here,
    /// so that no caller can derive keys for a count we refuse.
    fn parse(message: &'a [u8], client_nonce: &str) -> Result<Self, ScramError> {
        let text = std::str::from_utf8(message).map_err(|_| ScramError::Malformed("not UTF-8"))?;
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for field in text.split(',') {
            match field.split_once('=') {
                Some(("r", v)) => nonce = Some(v),
                Some(("s", v)) => salt = Some(v),
                Some(("i", v)) => iterations = Some(v),
                Some(("e", v)) => return Err(ScramError::ServerError(v.to_owned())),
                Some(("m", _)) => return Err(ScramError::Malformed("mandatory extension")),
                _ => {}
            }
        }
        let nonce = nonce.ok_or(ScramError::Malformed("no nonce"))?;
        if !nonce.starts_with(client_nonce) || nonce.len() == client_nonce.len() {
            return Err(ScramError::NonceMismatch);
        }
        let salt = base64::decode(salt.ok_or(ScramError::Malformed("no salt"))?)
            .ok_or(ScramError::Malformed("salt is not base64"))?;
        let iterations: u32 = iterations
            .ok_or(ScramError::Malformed("no iteration count"))?
            .parse()
            .map_err(|_| ScramError::Malformed("iteration count is not a number"))?;
        if iterations < MIN_ITERATIONS {
            return Err(ScramError::TooFewIterations(iterations));
        }
        if iterations > MAX_ITERATIONS {
            return Err(ScramError::TooManyIterations(iterations));
        }
        Ok(ServerFirst {
            text,
            nonce,
            salt,
            iterations,
        })
    }
}

/// RFC 5802 §3 `Hi(Normalize(password), salt, i)`: PBKDF2 over HMAC with the exchange's
/// hash, asked of whoever can run it faster than this crate's code (the browser's
/// WebCrypto runs Prosody's 10,000 rounds in a few milliseconds, where the wasm took some
/// 25). `Normalize` is the identity here, as with the `sasl` crate: the UTF-8 bytes of
/// what was typed.
#[derive(Clone, PartialEq, Eq)]
pub struct Derivation {
    pub hash: ScramHash,
    pub password: String,
    pub salt: Vec<u8>,
    pub iterations: u32,
    /// The client nonce of the exchange asking, so that an answer reaches only it.
    pub exchange: String,
}

// Hand-written so that the password never lands in a log.
impl std::fmt::Debug for Derivation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derivation")
            .field("hash", &self.hash)
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

/// What the server-first-message calls for ([`ScramClient::handle_server_first_deferred`]).
#[derive(Debug)]
pub enum FirstReply {
    /// The client-final-message, to send.
    Reply(Vec<u8>),
    /// The salted password first: hand it to [`ScramClient::handle_salted_password`].
    Derive(Derivation),
}

#[derive(Clone)]
enum Step {
    Start,
    SentFirst,
    /// Waiting for the salted password (see [`Derivation`]).
    Deriving {
        server_first: String,
        nonce: String,
        salt: Vec<u8>,
        iterations: u32,
    },
    SentFinal {
        server_signature: Vec<u8>,
        keys: ScramKeys,
    },
    Done(ScramKeys),
}

/// One SCRAM exchange: `client_first`, then `handle_server_first`, then `handle_server_final`.
#[derive(Clone)]
pub struct ScramClient {
    hash: ScramHash,
    username: String,
    secret: Secret,
    nonce: String,
    step: Step,
}

// Hand-written so that the password never lands in a log.
impl std::fmt::Debug for ScramClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramClient")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl ScramClient {
    /// `nonce` must be fresh and random per exchange; the driver draws it.
    pub fn new(hash: ScramHash, username: &str, password: &str, nonce: &str) -> Self {
        Self::with_secret(
            hash,
            username,
            &Secret::Password(password.to_owned()),
            nonce,
        )
    }

    pub fn with_secret(hash: ScramHash, username: &str, secret: &Secret, nonce: &str) -> Self {
        ScramClient {
            hash,
            username: username.to_owned(),
            secret: secret.clone(),
            nonce: nonce.to_owned(),
            step: Step::Start,
        }
    }

    /// The keys of a verified exchange, to remember instead of the password.
    pub fn keys(&self) -> Option<&ScramKeys> {
        match &self.step {
            Step::Done(keys) => Some(keys),
            _ => None,
        }
    }

    pub fn hash(&self) -> ScramHash {
        self.hash
    }

    fn client_first_bare(&self) -> String {
        // RFC 5802 §5.1: `=` and `,` in the name are escaped.
        let name = self.username.replace('=', "=3D").replace(',', "=2C");
        format!("n={name},r={}", self.nonce)
    }

    /// `n,,` (no channel binding: the browser cannot see TLS) + the bare first message.
    pub fn client_first(&mut self) -> Vec<u8> {
        self.step = Step::SentFirst;
        format!("n,,{}", self.client_first_bare()).into_bytes()
    }

    /// The server-first-message: the client-final-message, the password derived here.
    pub fn handle_server_first(&mut self, message: &[u8]) -> Result<Vec<u8>, ScramError> {
        match self.handle_server_first_deferred(message)? {
            FirstReply::Reply(reply) => Ok(reply),
            FirstReply::Derive(_) => self.handle_salted_password(None),
        }
    }

    /// The server-first-message, read and checked; with a password, the derivation it
    /// calls for is handed out instead of run here.
    pub fn handle_server_first_deferred(
        &mut self,
        message: &[u8],
    ) -> Result<FirstReply, ScramError> {
        if !matches!(self.step, Step::SentFirst) {
            return Err(ScramError::OutOfOrder);
        }
        let ServerFirst {
            text,
            nonce,
            salt,
            iterations,
        } = ServerFirst::parse(message, &self.nonce)?;
        let h = self.hash;
        match &self.secret {
            Secret::Password(password) => {
                let derivation = Derivation {
                    hash: h,
                    password: password.clone(),
                    salt: salt.clone(),
                    iterations,
                    exchange: self.nonce.clone(),
                };
                self.step = Step::Deriving {
                    server_first: text.to_owned(),
                    nonce: nonce.to_owned(),
                    salt,
                    iterations,
                };
                Ok(FirstReply::Derive(derivation))
            }
            Secret::Keys(keys) => {
                if keys.hash != h || keys.salt != salt || keys.iterations != iterations {
                    return Err(ScramError::KeysOutdated);
                }
                let keys = keys.clone();
                Ok(FirstReply::Reply(self.client_final(text, nonce, keys)))
            }
        }
    }

    /// Whether the exchange waits for the salted password of [`Derivation`] `exchange`.
    pub fn awaits_derivation(&self, exchange: &str) -> bool {
        matches!(self.step, Step::Deriving { .. }) && self.nonce == exchange
    }

    /// The salted password [`FirstReply::Derive`] asked for, derived elsewhere; `None`
    /// (or one of the wrong length) has it derived here. The client-final-message.
    pub fn handle_salted_password(&mut self, salted: Option<&[u8]>) -> Result<Vec<u8>, ScramError> {
        if !matches!(self.step, Step::Deriving { .. }) {
            return Err(ScramError::OutOfOrder);
        }
        let Step::Deriving {
            server_first,
            nonce,
            salt,
            iterations,
        } = std::mem::replace(&mut self.step, Step::SentFirst)
        else {
            return Err(ScramError::OutOfOrder);
        };
        let h = self.hash;
        let salted = match (salted, &self.secret) {
            (Some(salted), _) if salted.len() == h.output_len() => salted.to_vec(),
            (_, Secret::Password(password)) => h.salted_password(password, &salt, iterations),
            (_, Secret::Keys(_)) => return Err(ScramError::OutOfOrder),
        };
        let keys = ScramKeys {
            hash: h,
            client_key: h.hmac(&salted, b"Client Key"),
            server_key: h.hmac(&salted, b"Server Key"),
            salt,
            iterations,
        };
        Ok(self.client_final(&server_first, &nonce, keys))
    }

    /// The client-final-message for these keys; the server's expected signature kept.
    fn client_final(&mut self, text: &str, nonce: &str, keys: ScramKeys) -> Vec<u8> {
        let h = self.hash;
        let (client_key, server_key) = (&keys.client_key, &keys.server_key);
        let stored_key = h.hash(client_key);
        // "biws" is base64("n,,"): the GS2 header without channel binding.
        let final_bare = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{text},{final_bare}", self.client_first_bare());
        let client_signature = h.hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&client_signature)
            .map(|(a, b)| a ^ b)
            .collect();
        let server_signature = h.hmac(server_key, auth_message.as_bytes());
        self.step = Step::SentFinal {
            server_signature,
            keys,
        };
        format!("{final_bare},p={}", base64::encode(proof)).into_bytes()
    }

    /// Verifies `v=`; authentication only counts once this returns `Ok`.
    pub fn handle_server_final(&mut self, message: &[u8]) -> Result<(), ScramError> {
        let Step::SentFinal {
            server_signature,
            keys,
        } = &self.step
        else {
            return Err(ScramError::OutOfOrder);
        };
        let text = std::str::from_utf8(message).map_err(|_| ScramError::Malformed("not UTF-8"))?;
        let mut verifier = None;
        for field in text.split(',') {
            match field.split_once('=') {
                Some(("v", v)) => verifier = Some(v),
                Some(("e", v)) => return Err(ScramError::ServerError(v.to_owned())),
                _ => {}
            }
        }
        let verifier = base64::decode(verifier.ok_or(ScramError::BadServerSignature)?)
            .ok_or(ScramError::BadServerSignature)?;
        // Compare without an early exit so timing says nothing about the prefix.
        let same = verifier.len() == server_signature.len()
            && verifier
                .iter()
                .zip(server_signature)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return Err(ScramError::BadServerSignature);
        }
        self.step = Step::Done(keys.clone());
        Ok(())
    }

    pub fn is_done(&self) -> bool {
        matches!(self.step, Step::Done(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client of RFC 5802 §5's example, before its first message.
    fn rfc5802_client() -> ScramClient {
        ScramClient::new(
            ScramHash::Sha1,
            "user",
            "pencil",
            "fyko+d2lbbFgONRv9qkxdawL",
        )
    }

    #[test]
    fn rfc5802_sha1_example() {
        let mut c = rfc5802_client();
        assert_eq!(c.client_first(), b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        let reply = c
            .handle_server_first(
                b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
            )
            .unwrap();
        assert_eq!(
            std::str::from_utf8(&reply).unwrap(),
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
        );
        c.handle_server_final(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
            .unwrap();
        assert!(c.is_done());
    }

    #[test]
    fn a_password_derived_elsewhere_signs_in_like_one_derived_here() {
        let fresh = || {
            let mut c = rfc5802_client();
            c.client_first();
            c
        };
        let salted = ScramHash::Sha1.salted_password(
            "pencil",
            &base64::decode("QSXCR+Q6sek8bf92").unwrap(),
            4096,
        );
        // Derived elsewhere, derived here after all (`None`), or handed something that
        // cannot be a SHA-1 output (derived here too): the same client-final-message.
        for given in [Some(&salted[..]), None, Some(&salted[..19])] {
            let mut c = fresh();
            let FirstReply::Derive(derivation) =
                c.handle_server_first_deferred(SERVER_FIRST).unwrap()
            else {
                panic!("a password is derived");
            };
            assert_eq!(
                (
                    derivation.hash,
                    derivation.password.as_str(),
                    derivation.iterations
                ),
                (ScramHash::Sha1, "pencil", 4096)
            );
            assert_eq!(base64::encode(&derivation.salt), "QSXCR+Q6sek8bf92");
            assert!(c.awaits_derivation("fyko+d2lbbFgONRv9qkxdawL"));
            assert!(!c.awaits_derivation("another exchange"));
            assert!(
                !format!("{derivation:?}").contains("pencil"),
                "password never printed"
            );
            let reply = c.handle_salted_password(given).unwrap();
            assert_eq!(
                std::str::from_utf8(&reply).unwrap(),
                CLIENT_FINAL,
                "{given:?}"
            );
            assert!(!c.awaits_derivation("fyko+d2lbbFgONRv9qkxdawL"));
            assert_eq!(
                c.handle_salted_password(given),
                Err(ScramError::OutOfOrder),
                "once"
            );
            c.handle_server_final(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
                .unwrap();
            assert!(c.is_done());
        }
        // Remembered keys need no derivation.
        let secret = Secret::Keys(keys_from_password());
        let mut c =
            ScramClient::with_secret(ScramHash::Sha1, "user", &secret, "fyko+d2lbbFgONRv9qkxdawL");
        c.client_first();
        let Ok(FirstReply::Reply(reply)) = c.handle_server_first_deferred(SERVER_FIRST) else {
            panic!("keys answer at once");
        };
        assert_eq!(std::str::from_utf8(&reply).unwrap(), CLIENT_FINAL);
    }

    const SERVER_FIRST: &[u8] =
        b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
    const CLIENT_FINAL: &str =
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";

    fn keys_from_password() -> ScramKeys {
        let mut c = rfc5802_client();
        c.client_first();
        c.handle_server_first(SERVER_FIRST).unwrap();
        assert_eq!(c.keys(), None, "no keys before the server proved itself");
        c.handle_server_final(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
            .unwrap();
        c.keys().cloned().unwrap()
    }

    #[test]
    fn remembered_keys_sign_in_like_the_password() {
        let keys = keys_from_password();
        assert_eq!((keys.salt.len(), keys.iterations), (12, 4096));
        let secret = Secret::Keys(keys);
        let mut c =
            ScramClient::with_secret(ScramHash::Sha1, "user", &secret, "fyko+d2lbbFgONRv9qkxdawL");
        c.client_first();
        let reply = c.handle_server_first(SERVER_FIRST).unwrap();
        assert_eq!(std::str::from_utf8(&reply).unwrap(), CLIENT_FINAL);
        c.handle_server_final(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
            .unwrap();
        assert!(c.is_done());
        assert!(!format!("{secret:?}").contains("key"), "keys never printed");
    }

    #[test]
    fn remembered_keys_for_another_salt_or_count_are_refused() {
        let keys = keys_from_password();
        for server_first in [
            &b"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf93,i=4096"[..],
            &b"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=8192"[..],
        ] {
            let secret = Secret::Keys(keys.clone());
            let mut c = ScramClient::with_secret(
                ScramHash::Sha1,
                "user",
                &secret,
                "fyko+d2lbbFgONRv9qkxdawL",
            );
            c.client_first();
            assert_eq!(
                c.handle_server_first(server_first),
                Err(ScramError::KeysOutdated)
            );
        }
    }

    #[test]
    fn rfc7677_sha256_example() {
        let mut c = ScramClient::new(ScramHash::Sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(c.client_first(), b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let reply = c
            .handle_server_first(
                b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            )
            .unwrap();
        assert_eq!(
            std::str::from_utf8(&reply).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        c.handle_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
    }

    fn after_first(hash: ScramHash) -> ScramClient {
        let mut c = ScramClient::new(hash, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
        c.client_first();
        c.handle_server_first(
            b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
        )
        .unwrap();
        c
    }

    #[test]
    fn bad_server_signature_is_rejected() {
        let mut c = after_first(ScramHash::Sha1);
        // One bit off the RFC's verifier.
        assert_eq!(
            c.handle_server_final(b"v=rmF9pqV8S7suAoZWja4dJRkFsKU="),
            Err(ScramError::BadServerSignature)
        );
        assert!(!c.is_done());
        let mut c = after_first(ScramHash::Sha1);
        assert_eq!(
            c.handle_server_final(b""),
            Err(ScramError::BadServerSignature)
        );
        let mut c = after_first(ScramHash::Sha1);
        assert_eq!(
            c.handle_server_final(b"v=not base64!"),
            Err(ScramError::BadServerSignature)
        );
    }

    #[test]
    fn server_must_extend_our_nonce() {
        let mut c = ScramClient::new(ScramHash::Sha1, "user", "pencil", "abc");
        c.client_first();
        assert_eq!(
            c.handle_server_first(b"r=xyz123,s=QSXCR+Q6sek8bf92,i=4096"),
            Err(ScramError::NonceMismatch)
        );
        let mut c = ScramClient::new(ScramHash::Sha1, "user", "pencil", "abc");
        c.client_first();
        assert_eq!(
            c.handle_server_first(b"r=abc,s=QSXCR+Q6sek8bf92,i=4096"),
            Err(ScramError::NonceMismatch)
        );
    }

    #[test]
    fn weak_iteration_count_and_garbage_are_refused() {
        let mut c = ScramClient::new(ScramHash::Sha256, "user", "pencil", "abc");
        c.client_first();
        assert_eq!(
            c.handle_server_first(b"r=abcdef,s=QSXCR+Q6sek8bf92,i=1"),
            Err(ScramError::TooFewIterations(1))
        );
        for bad in [
            &b"garbage"[..],
            b"r=abcdef,i=4096",
            b"r=abcdef,s=%%%,i=4096",
            b"\xff\xfe",
        ] {
            let mut c = ScramClient::new(ScramHash::Sha256, "user", "pencil", "abc");
            c.client_first();
            assert!(
                matches!(c.handle_server_first(bad), Err(ScramError::Malformed(_))),
                "{bad:?}"
            );
        }
        let mut c = ScramClient::new(ScramHash::Sha256, "user", "pencil", "abc");
        c.client_first();
        assert_eq!(
            c.handle_server_first(b"e=unknown-user"),
            Err(ScramError::ServerError("unknown-user".into()))
        );
    }

    #[test]
    fn an_iteration_count_that_would_freeze_the_tab_is_refused_while_parsing() {
        let huge = b"r=abcdef,s=QSXCR+Q6sek8bf92,i=4294967295";
        // The refusal comes from reading the message, before anything is derived.
        assert_eq!(
            ServerFirst::parse(huge, "abc").map(|_| ()),
            Err(ScramError::TooManyIterations(u32::MAX))
        );
        assert!(ServerFirst::parse(b"r=abcdef,s=QSXCR+Q6sek8bf92,i=2000000", "abc").is_ok());
        assert!(ServerFirst::parse(b"r=abcdef,s=QSXCR+Q6sek8bf92,i=2000001", "abc").is_err());
        // So the password is never run through 2^32 rounds…
        let mut c = ScramClient::new(ScramHash::Sha256, "user", "pencil", "abc");
        c.client_first();
        assert_eq!(
            c.handle_server_first(huge),
            Err(ScramError::TooManyIterations(u32::MAX))
        );
        // …and remembered keys, which need no rounds, do not let the count through either.
        let mut keys = keys_from_password();
        keys.iterations = u32::MAX;
        let secret = Secret::Keys(keys);
        let mut c =
            ScramClient::with_secret(ScramHash::Sha1, "user", &secret, "fyko+d2lbbFgONRv9qkxdawL");
        c.client_first();
        assert_eq!(
            c.handle_server_first(
                b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4294967295"
            ),
            Err(ScramError::TooManyIterations(u32::MAX))
        );
    }

    #[test]
    fn messages_out_of_order_are_refused() {
        let mut c = ScramClient::new(ScramHash::Sha1, "user", "pencil", "abc");
        assert_eq!(
            c.handle_server_final(b"v=AAAA"),
            Err(ScramError::OutOfOrder)
        );
        assert_eq!(
            c.handle_server_first(b"r=abcd,s=AAAA,i=4096"),
            Err(ScramError::OutOfOrder)
        );
    }

    #[test]
    fn username_is_escaped() {
        let mut c = ScramClient::new(ScramHash::Sha1, "a=b,c", "p", "n");
        assert_eq!(c.client_first(), b"n,,n=a=3Db=2Cc,r=n");
    }
}
