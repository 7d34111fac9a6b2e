//! Web push: notifications that reach a user's browsers while no Convene
//! tab is open (RFC 8030 generic event delivery, RFC 8291 `aes128gcm`
//! message encryption, RFC 8292 VAPID server identification).
//!
//! - The browser subscribes through its push service (`public/sw.js` shows
//!   what arrives) and hands the subscription to [`subscribe_push`]; each
//!   browser is one row of `push_subscriptions`.
//! - Other features send with `enqueue_push` (ssr): a `"push"` job on the
//!   durable queue whose handler encrypts the message for every
//!   subscription of the user and POSTs it to the push service. A retry
//!   never sends twice to a browser that already got the message; a
//!   subscription the push service calls gone (404/410) is deleted.
//! - The server's VAPID key pair is made on first start and kept in
//!   `vapid_keys`; browsers bind their subscription to its public key, so
//!   it never changes.

use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A notification for all of one user's subscribed browsers: the payload
/// of a `"push"` job (JSON `{"user_id", "title", "body", "url", "tag"}`,
/// plus the `"due_ms"` that `enqueue_push` adds).
///
/// The browser receives `title`, `body`, `url` and `tag` (not `user_id`)
/// as JSON, and `public/sw.js` shows them. The encrypted message must fit
/// the 4096 bytes every push service accepts: a long `body` is shortened
/// (with `…`) to fit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushMessage {
    /// The recipient (`users.id`).
    pub user_id: String,
    /// The notification's first line, in the recipient's language.
    pub title: String,
    /// The text under it, in the recipient's language.
    pub body: String,
    /// A path on this site (`/m/abc-defg`) opened when the notification is
    /// clicked; anything else (another origin, `//host`) becomes `/`.
    pub url: String,
    /// A later notification with the same tag replaces this one on the
    /// device instead of stacking up (e.g. `knock:<room>`).
    pub tag: String,
}

/// The server's VAPID public key (RFC 8292 §3.2): the 65-byte uncompressed
/// P-256 point, base64url without padding, which the browser passes to
/// `pushManager.subscribe` as `applicationServerKey`.
///
/// # Errors
/// [`crate::error::AppError::Internal`] if push is not set up.
#[server(endpoint = "push_public_key")]
pub async fn push_public_key() -> AppResult<String> {
    Ok(ssr::use_push()?.public_key().to_owned())
}

/// Stores this browser's push subscription for the signed-in user:
/// `endpoint` (the push service URL, `https://` only), `p256dh` (its
/// 65-byte P-256 public key) and `auth` (its 16-byte secret), both
/// base64url as `PushSubscription.getKey` gives them. Subscribing again
/// with the same endpoint updates the keys; an endpoint subscribed by
/// another account moves to this one (the browser belongs to whoever
/// subscribed it last). Each user keeps their 20 newest browsers.
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors;
/// [`crate::error::Invalid::PushSubscription`] for a URL that is not an
/// `https://` push service or keys of the wrong size.
#[server(endpoint = "subscribe_push")]
pub async fn subscribe_push(endpoint: String, p256dh: String, auth: String) -> AppResult<()> {
    let user = crate::auth::require_user()?;
    let push = ssr::use_push()?;
    let subscription = ssr::NewSubscription::parse(
        &endpoint,
        &p256dh,
        &auth,
        push.settings().allow_insecure_endpoints,
    )
    .map_err(|_| crate::error::Invalid::PushSubscription)?;
    ssr::save_subscription(push.db(), &user.id, &subscription).await
}

/// Forgets the signed-in user's subscription with `endpoint` (nothing
/// happens when there is none).
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors.
#[server(endpoint = "unsubscribe_push")]
pub async fn unsubscribe_push(endpoint: String) -> AppResult<()> {
    let user = crate::auth::require_user()?;
    let push = ssr::use_push()?;
    ssr::delete_subscription(push.db(), &user.id, &endpoint).await
}

/// Sends a test notification to every browser of the signed-in user, in
/// their language, through the job queue; answers how many browsers are
/// subscribed (0: nothing was sent).
///
/// # Errors
/// [`crate::error::AppError::Unauthorized`] for visitors.
#[server(endpoint = "send_test_push")]
pub async fn send_test_push() -> AppResult<i64> {
    let user = crate::auth::require_user()?;
    let push = ssr::use_push()?;
    let jobs = crate::jobs::use_jobs()?;
    let browsers = ssr::count_subscriptions(push.db(), &user.id).await?;
    if browsers == 0 {
        return Ok(0);
    }
    let t = crate::i18n::request_locale().strings();
    let message = PushMessage {
        user_id: user.id.clone(),
        title: t.push_test_heading.to_owned(),
        body: t.push_test_body.to_owned(),
        url: "/settings".to_owned(),
        tag: "push-test".to_owned(),
    };
    let key = format!("test:{}:{}", user.id, crate::db::new_id());
    ssr::enqueue_push(jobs.db(), &key, &message, crate::db::now_ms()).await?;
    jobs.wake();
    Ok(browsers)
}

/// `bytes` as base64url without padding (RFC 4648 §5), the encoding of
/// every key in the Push API.
pub fn base64url_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Decodes base64url (RFC 4648 §5), with or without `=` padding; `None`
/// for anything else (including the `+`/`/` alphabet).
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(feature = "ssr")]
pub use ssr::{
    enqueue_push, push_handler, use_push, Push, PushSettings, VapidKeys, VapidSubject, PUSH_KIND,
    PUSH_TTL,
};

#[cfg(feature = "ssr")]
mod ssr {
    use super::PushMessage;
    use crate::db::{new_id, now_ms, Db};
    use crate::error::{AppError, AppResult};
    use crate::jobs::{
        deliver_once, enqueue, handler_fn, ClaimedJob, JobError, JobHandler, NewJob,
    };
    use anyhow::Context as _;
    use sqlx::Row as _;
    use std::net::IpAddr;
    use std::sync::Arc;
    use std::time::Duration;
    use web_push_native::jwt_simple::algorithms::{
        ECDSAP256KeyPairLike as _, ECDSAP256PublicKeyLike as _, ES256KeyPair,
    };
    use web_push_native::jwt_simple::claims::Claims;
    use web_push_native::{p256, Auth, WebPushBuilder};

    /// The job kind whose handler is [`push_handler`].
    pub const PUSH_KIND: &str = "push";

    /// How long a push service keeps a message for a browser that is
    /// offline (the `TTL` header, RFC 8030 §5.2), and how long after its
    /// due time a job still sends: a reminder or a knock an hour late only
    /// confuses.
    pub const PUSH_TTL: Duration = Duration::from_secs(3600);

    /// How long a VAPID token is valid (RFC 8292 §2: at most 24 hours).
    const VAPID_TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 3600);

    /// The largest plaintext that fits 4096 encrypted bytes, the payload
    /// every push service must accept (RFC 8030 §7.2): minus the 86-byte
    /// `aes128gcm` header with a 65-byte key id, the 16-byte tag and the
    /// padding delimiter (RFC 8291 §4).
    const MAX_PLAINTEXT: usize = 4096 - 86 - 16 - 1;

    /// Browsers kept per user; subscribing another drops the oldest.
    const MAX_SUBSCRIPTIONS_PER_USER: i64 = 20;

    /// Longer endpoints are refused (real ones are a few hundred bytes).
    const MAX_ENDPOINT_LEN: usize = 2048;

    /// Who runs this server, for push services that need to reach them
    /// (RFC 8292 §2.1, the JWT `sub` claim): a `mailto:` or `https:` URL.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct VapidSubject(String);

    impl VapidSubject {
        /// Checks `value`: `mailto:someone@example.com` or
        /// `https://host[/...]`.
        ///
        /// # Errors
        /// A short reason for anything else.
        pub fn parse(value: &str) -> Result<VapidSubject, &'static str> {
            let value = value.trim();
            if value.chars().any(char::is_whitespace) {
                return Err("contains spaces");
            }
            if let Some(address) = value.strip_prefix("mailto:") {
                let (local, domain) = address.split_once('@').ok_or("has no @")?;
                if local.is_empty() || domain.is_empty() || domain.contains('@') {
                    return Err("is not an email address");
                }
                return Ok(VapidSubject(value.to_owned()));
            }
            if let Some(rest) = value.strip_prefix("https://") {
                let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
                if host.is_empty() {
                    return Err("has no host");
                }
                return Ok(VapidSubject(value.to_owned()));
            }
            Err("is neither a mailto: nor an https: URL")
        }

        /// The URL.
        pub fn as_str(&self) -> &str {
            &self.0
        }
    }

    /// How this server sends web push.
    #[derive(Clone, Debug)]
    pub struct PushSettings {
        /// `CONVENE_VAPID_SUBJECT`, else the public URL when it is
        /// `https://`, else `mailto:` the mail sender.
        pub subject: VapidSubject,
        /// `true` when none of those was set and `subject` is a stand-in
        /// that some push services (Apple's) refuse.
        pub subject_is_placeholder: bool,
        /// Accept subscriptions whose endpoint is `http://` on loopback
        /// (tests with a local push service). Never on in production.
        pub allow_insecure_endpoints: bool,
    }

    impl PushSettings {
        /// Settings from `CONVENE_VAPID_SUBJECT` (`subject`), the public
        /// URL and the mail sender's address (already validated).
        ///
        /// # Errors
        /// A message naming `CONVENE_VAPID_SUBJECT` and the fix when it is
        /// set but not a `mailto:` or `https:` URL.
        pub fn from_sources(
            subject: Option<&str>,
            public_url: Option<&str>,
            mail_from: Option<&str>,
        ) -> anyhow::Result<PushSettings> {
            let settings = |subject, placeholder| PushSettings {
                subject,
                subject_is_placeholder: placeholder,
                allow_insecure_endpoints: false,
            };
            if let Some(value) = subject.filter(|v| !v.trim().is_empty()) {
                let subject = VapidSubject::parse(value).map_err(|why| {
                    anyhow::anyhow!(
                        "CONVENE_VAPID_SUBJECT={value:?} {why}: push services use it to reach \
                         whoever runs this server, so set it to a mailto: or https: URL, e.g. \
                         CONVENE_VAPID_SUBJECT=mailto:admin@example.com or \
                         CONVENE_VAPID_SUBJECT=https://meet.example.com"
                    )
                })?;
                return Ok(settings(subject, false));
            }
            if let Some(subject) = public_url
                .filter(|url| url.starts_with("https://"))
                .and_then(|url| VapidSubject::parse(url).ok())
            {
                return Ok(settings(subject, false));
            }
            if let Some(subject) =
                mail_from.and_then(|from| VapidSubject::parse(&format!("mailto:{from}")).ok())
            {
                return Ok(settings(subject, false));
            }
            Ok(settings(
                VapidSubject("mailto:admin@localhost".to_owned()),
                true,
            ))
        }
    }

    /// The server's VAPID key pair (ES256, RFC 8292 §3). Not `Serialize`,
    /// and its `Debug` shows only the public half.
    pub struct VapidKeys {
        key_pair: ES256KeyPair,
        /// The uncompressed public point, base64url without padding.
        public_key: String,
    }

    impl std::fmt::Debug for VapidKeys {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("VapidKeys")
                .field("public_key", &self.public_key)
                .finish_non_exhaustive()
        }
    }

    impl VapidKeys {
        /// The stored key pair, made and stored first when there is none.
        /// Servers starting at once on one database all end up with the
        /// same pair: each inserts only if absent, then reads what won.
        ///
        /// # Errors
        /// When the database fails or holds a key that does not parse.
        pub async fn load_or_create(db: &Db) -> anyhow::Result<VapidKeys> {
            if let Some(keys) = Self::load(db).await? {
                return Ok(keys);
            }
            let key_pair = ES256KeyPair::generate();
            let private_key = super::base64url_encode(&key_pair.to_bytes());
            let public_key = super::base64url_encode(
                &key_pair.public_key().public_key().to_bytes_uncompressed(),
            );
            sqlx::query(
                "INSERT INTO vapid_keys (id, private_key, public_key, created_at) \
                 VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(private_key)
            .bind(public_key)
            .bind(now_ms())
            .execute(db)
            .await
            .context("cannot store the VAPID key pair")?;
            Self::load(db)
                .await?
                .context("the VAPID key pair vanished right after it was stored")
        }

        async fn load(db: &Db) -> anyhow::Result<Option<VapidKeys>> {
            let row = sqlx::query("SELECT private_key, public_key FROM vapid_keys WHERE id = 1")
                .fetch_optional(db)
                .await
                .context("cannot read the VAPID key pair")?;
            let Some(row) = row else {
                return Ok(None);
            };
            let private_key: String = row.try_get("private_key")?;
            let stored_public: String = row.try_get("public_key")?;
            let key_pair = super::base64url_decode(&private_key)
                .and_then(|bytes| ES256KeyPair::from_bytes(&bytes).ok())
                .context("vapid_keys.private_key is not a P-256 private key")?;
            let public_key = super::base64url_encode(
                &key_pair.public_key().public_key().to_bytes_uncompressed(),
            );
            if public_key != stored_public {
                anyhow::bail!("vapid_keys.public_key does not belong to vapid_keys.private_key");
            }
            Ok(Some(VapidKeys {
                key_pair,
                public_key,
            }))
        }

        /// The public key, base64url (what browsers subscribe with).
        pub fn public_key(&self) -> &str {
            &self.public_key
        }

        /// The `Authorization` header for a push to `endpoint` (RFC 8292
        /// §3): `vapid t=<JWT>, k=<public key>`, the JWT (ES256) with
        /// `aud` the endpoint's origin, `sub` the subject and `exp`
        /// [`VAPID_TOKEN_LIFETIME`] from now.
        fn authorization(
            &self,
            endpoint: &reqwest::Url,
            subject: &VapidSubject,
        ) -> Result<String, String> {
            // The origin keeps a non-default port, which the audience
            // must carry too (RFC 6454 §6.2).
            let audience = endpoint.origin().ascii_serialization();
            let claims = Claims::create(VAPID_TOKEN_LIFETIME.into())
                .with_audience(audience)
                .with_subject(subject.as_str());
            let token = self
                .key_pair
                .sign(claims)
                .map_err(|e| format!("cannot sign the VAPID token: {e}"))?;
            Ok(format!("vapid t={token}, k={}", self.public_key))
        }
    }

    /// Web push as server functions and the job handler see it: the pool,
    /// the VAPID keys, the settings and an HTTP client. Cheap to clone.
    #[derive(Clone)]
    pub struct Push {
        inner: Arc<Inner>,
    }

    struct Inner {
        db: Db,
        keys: VapidKeys,
        settings: PushSettings,
        http: reqwest::Client,
    }

    impl Push {
        /// Loads (or on first start makes) the VAPID keys in `db`.
        ///
        /// # Errors
        /// When the keys cannot be read or stored, or the HTTP client
        /// cannot be built.
        pub async fn start(db: Db, settings: PushSettings) -> anyhow::Result<Push> {
            let keys = VapidKeys::load_or_create(&db).await?;
            if settings.subject_is_placeholder {
                tracing::warn!(
                    subject = settings.subject.as_str(),
                    "CONVENE_VAPID_SUBJECT is not set and neither an https:// CONVENE_PUBLIC_URL \
                     nor CONVENE_MAIL_FROM gives one: some push services (Apple's) refuse web \
                     push until CONVENE_VAPID_SUBJECT=mailto:you@example.com is set"
                );
            }
            let http = reqwest::Client::builder()
                // A push service answers; it never redirects. Not following
                // keeps an endpoint from steering the server elsewhere.
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(15))
                .user_agent(concat!("Convene/", env!("CARGO_PKG_VERSION")))
                .build()
                .context("cannot build the HTTP client for web push")?;
            Ok(Push {
                inner: Arc::new(Inner {
                    db,
                    keys,
                    settings,
                    http,
                }),
            })
        }

        /// The VAPID public key, base64url.
        pub fn public_key(&self) -> &str {
            self.inner.keys.public_key()
        }

        /// The settings it runs with.
        pub fn settings(&self) -> &PushSettings {
            &self.inner.settings
        }

        /// The pool.
        pub fn db(&self) -> &Db {
            &self.inner.db
        }
    }

    /// Web push from the reactive context (provided once at start-up).
    ///
    /// # Errors
    /// [`AppError::Internal`] if it was not provided.
    pub fn use_push() -> AppResult<Push> {
        leptos::prelude::use_context::<Push>()
            .ok_or_else(|| AppError::internal("context", "Push not provided"))
    }

    /// A subscription as the browser sent it, checked.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct NewSubscription {
        endpoint: String,
        p256dh: String,
        auth: String,
    }

    impl NewSubscription {
        /// Checks `endpoint` (an absolute `https://` URL of a public host;
        /// with `allow_insecure`, also `http://` on loopback) and the keys
        /// (base64url: a P-256 point and 16 bytes). Keys are stored
        /// re-encoded without padding.
        ///
        /// # Errors
        /// A short reason, for the log.
        pub fn parse(
            endpoint: &str,
            p256dh: &str,
            auth: &str,
            allow_insecure: bool,
        ) -> Result<NewSubscription, &'static str> {
            let endpoint = endpoint.trim();
            if endpoint.len() > MAX_ENDPOINT_LEN {
                return Err("endpoint too long");
            }
            let url = reqwest::Url::parse(endpoint).map_err(|_| "endpoint is not a URL")?;
            if !url.username().is_empty() || url.password().is_some() {
                return Err("endpoint carries credentials");
            }
            let host = url.host_str().ok_or("endpoint has no host")?;
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = if let Ok(ip) = bare.parse::<IpAddr>() {
                check_ip(ip)?
            } else {
                let name = host.trim_end_matches('.').to_ascii_lowercase();
                if name == "localhost" || name.ends_with(".localhost") {
                    true
                } else if !name.contains('.') {
                    // A bare name resolves inside the server's own
                    // network; push services have public names.
                    return Err("endpoint host is not a public name");
                } else {
                    false
                }
            };
            match (url.scheme(), loopback, allow_insecure) {
                ("https", false, _) | ("https" | "http", true, true) => {}
                _ => return Err("endpoint is not an https:// push service"),
            }
            let p256dh_bytes = super::base64url_decode(p256dh).ok_or("p256dh is not base64url")?;
            if p256dh_bytes.len() != 65 || p256::PublicKey::from_sec1_bytes(&p256dh_bytes).is_err()
            {
                return Err("p256dh is not an uncompressed P-256 point");
            }
            let auth_bytes = super::base64url_decode(auth).ok_or("auth is not base64url")?;
            if auth_bytes.len() != 16 {
                return Err("auth is not 16 bytes");
            }
            Ok(NewSubscription {
                endpoint: url.to_string(),
                p256dh: super::base64url_encode(&p256dh_bytes),
                auth: super::base64url_encode(&auth_bytes),
            })
        }
    }

    /// `Ok(true)` for loopback, `Ok(false)` for a public address, `Err`
    /// for private, link-local and other internal addresses: the server
    /// must not be made to POST into its own network.
    fn check_ip(ip: IpAddr) -> Result<bool, &'static str> {
        if ip.is_loopback() {
            return Ok(true);
        }
        let internal = match ip {
            IpAddr::V4(v4) => {
                v4.is_private()
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || v4.is_broadcast()
                    || v4.is_multicast()
                    || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
            }
            IpAddr::V6(v6) => {
                v6.is_unspecified()
                    || v6.is_multicast()
                    || (v6.segments()[0] & 0xfe00) == 0xfc00
                    || (v6.segments()[0] & 0xffc0) == 0xfe80
                    || v6.to_ipv4_mapped().is_some()
            }
        };
        if internal {
            Err("endpoint is an internal address")
        } else {
            Ok(false)
        }
    }

    /// Stores `subscription` for `user_id` (see [`super::subscribe_push`]).
    ///
    /// # Errors
    /// [`AppError::Internal`] when the database fails.
    pub async fn save_subscription(
        db: &Db,
        user_id: &str,
        subscription: &NewSubscription,
    ) -> AppResult<()> {
        let mut tx = db.begin().await?;
        sqlx::query(
            "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, \
                 p256dh = excluded.p256dh, auth = excluded.auth, last_error = NULL",
        )
        .bind(new_id())
        .bind(user_id)
        .bind(&subscription.endpoint)
        .bind(&subscription.p256dh)
        .bind(&subscription.auth)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN (\
                 SELECT id FROM push_subscriptions WHERE user_id = $1 \
                 ORDER BY created_at DESC, id LIMIT $2)",
        )
        .bind(user_id)
        .bind(MAX_SUBSCRIPTIONS_PER_USER)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes `user_id`'s subscription with `endpoint`, if any.
    ///
    /// # Errors
    /// [`AppError::Internal`] when the database fails.
    pub async fn delete_subscription(db: &Db, user_id: &str, endpoint: &str) -> AppResult<()> {
        sqlx::query("DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2")
            .bind(user_id)
            .bind(endpoint.trim())
            .execute(db)
            .await?;
        Ok(())
    }

    /// How many browsers `user_id` has subscribed.
    ///
    /// # Errors
    /// [`AppError::Internal`] when the database fails.
    pub async fn count_subscriptions(db: &Db, user_id: &str) -> AppResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM push_subscriptions WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(db)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Queues `message` for every browser of `message.user_id`, due at
    /// `run_at_ms` (Unix ms, UTC): a [`PUSH_KIND`] job with idempotency
    /// key `push:{key}`, so the same `key` (e.g.
    /// `reminder:<meeting>:<start ms>:<minutes>` or `knock:<room>:<guest>`)
    /// enqueued twice sends once. Returns `true` when the job is new.
    ///
    /// `executor` is the pool or `&mut *transaction` (the push then
    /// exists only if the transaction commits); call
    /// [`crate::jobs::Jobs::wake`] after the commit to send at once.
    /// A push still unsent [`PUSH_TTL`] after `run_at_ms` is dropped. The
    /// job's payload is the message's JSON plus `"due_ms"` (`run_at_ms`).
    ///
    /// # Errors
    /// [`AppError::Internal`] when the database fails.
    pub async fn enqueue_push<'e, E>(
        executor: E,
        key: &str,
        message: &PushMessage,
        run_at_ms: i64,
    ) -> AppResult<bool>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let payload = serde_json::to_value(PushJob {
            message: message.clone(),
            due_ms: Some(run_at_ms),
        })
        .map_err(|e| AppError::internal("push: payload to JSON", e))?;
        let job = NewJob::new(PUSH_KIND, format!("push:{key}"), payload).run_at(run_at_ms);
        enqueue(executor, &job).await
    }

    /// The [`PUSH_KIND`] job handler. For each subscription of the
    /// message's user, at most once per (job, subscription) (delivery key
    /// `{job key}:{subscription id}`): encrypt (RFC 8291 `aes128gcm`), sign
    /// (VAPID) and POST. 2xx: sent. 404/410: the subscription is gone and
    /// deleted. 429, 5xx, network failures: the job runs again later (at
    /// `Retry-After` when given) for the subscriptions that did not get
    /// it. Any other answer: that subscription is skipped (logged, kept in
    /// `last_error`).
    pub fn push_handler(push: Push) -> Arc<dyn JobHandler> {
        handler_fn(PUSH_KIND, move |job| {
            let push = push.clone();
            async move { run(&push, &job).await }
        })
    }

    /// A `"push"` job's payload: the message's fields plus when it was
    /// first due (Unix ms), which retries do not move.
    #[derive(serde::Serialize, serde::Deserialize)]
    struct PushJob {
        #[serde(flatten)]
        message: PushMessage,
        #[serde(default)]
        due_ms: Option<i64>,
    }

    struct Subscription {
        id: String,
        endpoint: String,
        p256dh: String,
        auth: String,
    }

    async fn run(push: &Push, job: &ClaimedJob) -> Result<(), JobError> {
        let PushJob { message, due_ms } = job.payload_as()?;
        let ttl_ms = i64::try_from(PUSH_TTL.as_millis()).unwrap_or(i64::MAX);
        // A retry moves `run_at`; staleness counts from the first due time.
        let due_ms = due_ms.unwrap_or(job.run_at_ms);
        if now_ms() > due_ms.saturating_add(ttl_ms) {
            return Err(JobError::permanent(
                "the push is more than its TTL past its time; dropped as stale",
            ));
        }
        let payload = browser_payload(&message);
        let db = push.db();
        let rows = sqlx::query(
            "SELECT id, endpoint, p256dh, auth FROM push_subscriptions \
             WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(&message.user_id)
        .fetch_all(db)
        .await?;
        let mut later: Option<JobError> = None;
        for row in rows {
            let subscription = Subscription {
                id: row.try_get("id")?,
                endpoint: row.try_get("endpoint")?,
                p256dh: row.try_get("p256dh")?,
                auth: row.try_get("auth")?,
            };
            let key = format!("{}:{}", job.idempotency_key, subscription.id);
            let sent = deliver_once(db, &key, || send(push, &subscription, &payload)).await;
            if let Err(error) = sent {
                later = Some(match (later, error) {
                    // A plain retry uses up an attempt, so it bounds the job.
                    (Some(JobError::Retry(first)), _) => JobError::Retry(first),
                    (
                        Some(JobError::RetryAt { at_ms, reason }),
                        JobError::RetryAt { at_ms: other, .. },
                    ) => JobError::RetryAt {
                        at_ms: at_ms.max(other),
                        reason,
                    },
                    (_, error) => error,
                });
            }
        }
        later.map_or(Ok(()), Err)
    }

    /// What the service worker gets: the message without `user_id`, with
    /// a same-origin `url`, short enough to fit [`MAX_PLAINTEXT`].
    fn browser_payload(message: &PushMessage) -> Vec<u8> {
        let url = if message.url.starts_with('/')
            && !message.url.starts_with("//")
            && !message.url.starts_with("/\\")
            && message.url.len() <= 1000
        {
            message.url.as_str()
        } else {
            "/"
        };
        let title = cut(&message.title, 200);
        let tag = cut(&message.tag, 100);
        let mut body = message.body.clone();
        // Title, url and tag are capped above, so an empty body always
        // fits; each round shrinks the body in proportion to the excess
        // (escapes make some characters up to six bytes of JSON).
        for _ in 0..16 {
            let bytes = notice_json(&title, &body, url, &tag);
            if bytes.len() <= MAX_PLAINTEXT || body.is_empty() {
                return bytes;
            }
            let text = body.trim_end_matches('…');
            let chars = text.chars().count();
            let keep = (chars * MAX_PLAINTEXT / bytes.len()).min(chars.saturating_sub(1));
            body = if keep == 0 {
                String::new()
            } else {
                format!("{}…", cut(text, keep))
            };
        }
        notice_json(&title, "", url, &tag)
    }

    fn notice_json(title: &str, body: &str, url: &str, tag: &str) -> Vec<u8> {
        serde_json::json!({ "title": title, "body": body, "url": url, "tag": tag })
            .to_string()
            .into_bytes()
    }

    /// `text`'s first `max_chars` characters.
    fn cut(text: &str, max_chars: usize) -> String {
        text.chars().take(max_chars).collect()
    }

    /// What a push service's answer means for one subscription.
    #[derive(Debug, PartialEq, Eq)]
    enum Verdict {
        /// Accepted (RFC 8030 §5: 201 Created).
        Sent,
        /// The subscription expired or was revoked (404, 410).
        Gone,
        /// Try again, at the given instant (Unix ms) when the service said.
        Later(Option<i64>),
        /// Refused for good (bad key, too large, bad request).
        Refused,
    }

    fn verdict(status: u16, retry_after: Option<&str>, now_ms: i64) -> Verdict {
        match status {
            200..=299 => Verdict::Sent,
            404 | 410 => Verdict::Gone,
            429 | 500..=599 => Verdict::Later(retry_after.and_then(|v| retry_at(v, now_ms))),
            _ => Verdict::Refused,
        }
    }

    /// A `Retry-After` value (RFC 9110 §10.2.3: seconds or an HTTP date)
    /// as Unix ms; at most a day ahead, `None` when unreadable.
    fn retry_at(value: &str, now_ms: i64) -> Option<i64> {
        let value = value.trim();
        let at = if let Ok(seconds) = value.parse::<u64>() {
            now_ms.saturating_add(i64::try_from(seconds.min(86_400)).ok()? * 1000)
        } else {
            chrono::DateTime::parse_from_rfc2822(value)
                .ok()?
                .timestamp_millis()
        };
        Some(at.clamp(now_ms, now_ms + 86_400_000))
    }

    async fn send(
        push: &Push,
        subscription: &Subscription,
        payload: &[u8],
    ) -> Result<(), JobError> {
        let db = push.db();
        let request = match build_request(push, subscription, payload) {
            Ok(request) => request,
            Err(reason) => {
                // Stored data that no longer parses cannot be sent to.
                tracing::error!(subscription = %subscription.id, %reason, "push subscription unusable");
                note_error(db, &subscription.id, &reason).await;
                return Ok(());
            }
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                let reason = format!("push service unreachable: {error}");
                note_error(db, &subscription.id, &reason).await;
                return Err(JobError::Retry(reason));
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match verdict(status, retry_after.as_deref(), now_ms()) {
            Verdict::Sent => {
                if let Err(error) = sqlx::query(
                    "UPDATE push_subscriptions SET last_success_at = $1, last_error = NULL \
                     WHERE id = $2",
                )
                .bind(now_ms())
                .bind(&subscription.id)
                .execute(db)
                .await
                {
                    tracing::warn!(%error, "push sent, but its success was not recorded");
                }
                Ok(())
            }
            Verdict::Gone => {
                tracing::info!(subscription = %subscription.id, status, "push subscription gone; deleted");
                sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
                    .bind(&subscription.id)
                    .execute(db)
                    .await?;
                Ok(())
            }
            Verdict::Later(at) => {
                let reason = format!("push service answered {status}");
                note_error(db, &subscription.id, &reason).await;
                Err(match at {
                    Some(at_ms) => JobError::RetryAt { at_ms, reason },
                    None => JobError::Retry(reason),
                })
            }
            Verdict::Refused => {
                let body = response.text().await.unwrap_or_default();
                let reason = format!(
                    "push service refused with {status}: {}",
                    body.chars().take(300).collect::<String>()
                );
                tracing::warn!(subscription = %subscription.id, %reason, "push refused");
                note_error(db, &subscription.id, &reason).await;
                Ok(())
            }
        }
    }

    fn build_request(
        push: &Push,
        subscription: &Subscription,
        payload: &[u8],
    ) -> Result<reqwest::RequestBuilder, String> {
        let url = reqwest::Url::parse(&subscription.endpoint)
            .map_err(|e| format!("endpoint is not a URL: {e}"))?;
        let uri: http::Uri = subscription
            .endpoint
            .parse()
            .map_err(|e| format!("endpoint is not a URI: {e}"))?;
        let ua_public = super::base64url_decode(&subscription.p256dh)
            .and_then(|bytes| p256::PublicKey::from_sec1_bytes(&bytes).ok())
            .ok_or("p256dh is not a P-256 point")?;
        let auth: [u8; 16] = super::base64url_decode(&subscription.auth)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or("auth is not 16 bytes")?;
        let encrypted = WebPushBuilder::new(uri, ua_public, Auth::from(auth))
            .with_valid_duration(PUSH_TTL)
            .build(payload.to_vec())
            .map_err(|e| format!("cannot encrypt: {e}"))?;
        let authorization = push
            .inner
            .keys
            .authorization(&url, &push.inner.settings.subject)?;
        let (parts, body) = encrypted.into_parts();
        let mut headers = parts.headers;
        // reqwest sets the length from the body itself.
        headers.remove(http::header::CONTENT_LENGTH);
        Ok(push
            .inner
            .http
            .post(url)
            .headers(headers)
            .header(http::header::AUTHORIZATION, authorization)
            .body(body))
    }

    async fn note_error(db: &Db, subscription_id: &str, reason: &str) {
        let reason: String = reason.chars().take(1000).collect();
        if let Err(error) =
            sqlx::query("UPDATE push_subscriptions SET last_error = $1 WHERE id = $2")
                .bind(reason)
                .bind(subscription_id)
                .execute(db)
                .await
        {
            tracing::warn!(%error, "cannot record a push failure");
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn vapid_subject_must_be_mailto_or_https() {
            assert!(VapidSubject::parse("mailto:admin@example.com").is_ok());
            assert!(VapidSubject::parse("https://meet.example.com").is_ok());
            assert!(VapidSubject::parse("http://meet.example.com").is_err());
            assert!(VapidSubject::parse("admin@example.com").is_err());
            assert!(VapidSubject::parse("mailto:admin").is_err());
            assert!(VapidSubject::parse("mailto:a b@example.com").is_err());
            assert!(VapidSubject::parse("https://").is_err());
        }

        #[test]
        fn a_bad_vapid_subject_names_the_variable_and_the_fix() {
            let error = PushSettings::from_sources(Some("admin@example.com"), None, None)
                .unwrap_err()
                .to_string();
            assert!(error.starts_with("CONVENE_VAPID_SUBJECT=\"admin@example.com\""));
            assert!(error.contains("mailto:admin@example.com"));
        }

        #[test]
        fn vapid_subject_defaults_to_the_https_public_url_then_the_mail_sender() {
            let from_url = PushSettings::from_sources(
                None,
                Some("https://meet.example.com"),
                Some("no-reply@example.com"),
            )
            .unwrap();
            assert_eq!(from_url.subject.as_str(), "https://meet.example.com");
            assert!(!from_url.subject_is_placeholder);
            let from_mail = PushSettings::from_sources(
                Some(" "),
                Some("http://localhost:3000"),
                Some("no-reply@example.com"),
            )
            .unwrap();
            assert_eq!(from_mail.subject.as_str(), "mailto:no-reply@example.com");
            let neither = PushSettings::from_sources(None, None, None).unwrap();
            assert!(neither.subject_is_placeholder);
            assert!(!neither.allow_insecure_endpoints);
        }

        fn keys() -> (String, String) {
            let secret = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
            let point = p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(
                &secret.public_key(),
                false,
            );
            (
                super::super::base64url_encode(point.as_bytes()),
                super::super::base64url_encode(&[9u8; 16]),
            )
        }

        #[test]
        fn subscriptions_need_an_https_push_service_and_right_sized_keys() {
            let (p256dh, auth) = keys();
            let ok = |endpoint: &str, insecure| {
                NewSubscription::parse(endpoint, &p256dh, &auth, insecure).is_ok()
            };
            assert!(ok("https://fcm.googleapis.com/fcm/send/abc", false));
            assert!(ok(
                "https://updates.push.services.mozilla.com/wpush/v2/x",
                false
            ));
            assert!(!ok("http://fcm.googleapis.com/fcm/send/abc", false));
            assert!(!ok("http://127.0.0.1:9000/push", false));
            assert!(ok("http://127.0.0.1:9000/push", true));
            assert!(ok("http://[::1]:9000/push", true));
            // Even when allowed, plain http is for loopback only.
            assert!(!ok("http://push.example.com/x", true));
            assert!(!ok("https://10.0.0.5/push", false));
            assert!(!ok("https://192.168.1.1/push", true));
            assert!(!ok("https://169.254.169.254/latest", false));
            assert!(!ok("https://[fd00::1]/push", false));
            assert!(!ok("https://intranet/push", false));
            assert!(!ok("https://user:pw@push.example.com/x", false));
            assert!(!ok("not a url", false));
            assert!(!ok(
                &format!("https://push.example.com/{}", "a".repeat(3000)),
                false
            ));
            let endpoint = "https://push.example.com/x";
            assert!(NewSubscription::parse(endpoint, &p256dh[..40], &auth, false).is_err());
            assert!(NewSubscription::parse(endpoint, &p256dh, &auth[..10], false).is_err());
            assert!(NewSubscription::parse(endpoint, "!!!", &auth, false).is_err());
            // Padded base64url is accepted and stored unpadded.
            let padded = format!("{auth}==");
            let sub = NewSubscription::parse(endpoint, &p256dh, &padded, false).unwrap();
            assert_eq!(sub.auth, auth);
        }

        #[test]
        fn push_service_answers_map_to_sent_gone_later_or_refused() {
            assert_eq!(verdict(201, None, 0), Verdict::Sent);
            assert_eq!(verdict(404, None, 0), Verdict::Gone);
            assert_eq!(verdict(410, None, 0), Verdict::Gone);
            assert_eq!(
                verdict(429, Some("30"), 1_000),
                Verdict::Later(Some(31_000))
            );
            assert_eq!(verdict(503, None, 0), Verdict::Later(None));
            assert_eq!(verdict(500, Some("soon"), 0), Verdict::Later(None));
            assert_eq!(verdict(400, None, 0), Verdict::Refused);
            assert_eq!(verdict(403, None, 0), Verdict::Refused);
            assert_eq!(verdict(413, None, 0), Verdict::Refused);
        }

        #[test]
        fn retry_after_reads_seconds_and_http_dates_and_stays_within_a_day() {
            let now = 784_111_777_000 - 10_000; // 10 s before the date below
            assert_eq!(
                retry_at("Sun, 06 Nov 1994 08:49:37 GMT", now),
                Some(784_111_777_000)
            );
            assert_eq!(retry_at("120", 0), Some(120_000));
            assert_eq!(retry_at("99999999", 0), Some(86_400_000));
            // A date in the past means now.
            assert_eq!(
                retry_at("Sun, 06 Nov 1994 08:49:37 GMT", now + 60_000),
                Some(now + 60_000)
            );
            assert_eq!(retry_at("-5", 0), None);
        }

        fn message(body: &str, url: &str) -> PushMessage {
            PushMessage {
                user_id: "u".to_owned(),
                title: "Standup".to_owned(),
                body: body.to_owned(),
                url: url.to_owned(),
                tag: "t".to_owned(),
            }
        }

        #[test]
        fn the_browser_gets_a_same_origin_url_and_no_user_id() {
            let json: serde_json::Value =
                serde_json::from_slice(&browser_payload(&message("b", "/m/abc"))).unwrap();
            assert_eq!(
                json,
                serde_json::json!({"title": "Standup", "body": "b", "url": "/m/abc", "tag": "t"})
            );
            for foreign in [
                "https://evil.example/",
                "//evil.example/x",
                "/\\evil",
                "javascript:x",
            ] {
                let json: serde_json::Value =
                    serde_json::from_slice(&browser_payload(&message("b", foreign))).unwrap();
                assert_eq!(json["url"], "/", "{foreign}");
            }
        }

        #[test]
        fn a_long_body_is_shortened_to_fit_one_push() {
            for body in [
                "я".repeat(10_000),
                "\u{1}".repeat(10_000),
                "x".repeat(4_000),
            ] {
                let bytes = browser_payload(&message(&body, "/"));
                assert!(bytes.len() <= MAX_PLAINTEXT, "{}", bytes.len());
                let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert!(json["body"].as_str().unwrap().ends_with('…'));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        for len in 0..70 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = base64url_encode(&bytes);
            assert!(!text.contains(['=', '+', '/']));
            assert_eq!(base64url_decode(&text).as_deref(), Some(&bytes[..]));
        }
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
        assert_eq!(base64url_decode("-_8=").as_deref(), Some(&b"\xfb\xff"[..]));
        assert_eq!(base64url_decode("a+b/"), None);
        assert_eq!(base64url_decode("abcde"), None);
    }
}
