//! The actors of live sessions and API keys, kept in process memory so that an authenticated
//! request costs no statement of its own while nothing about its credential changed.
//!
//! Invariant: an entry is used only while nothing that could change it has happened since the
//! entry was read. Every change of a membership, of a session's liveness or of an API key (role
//! or shop change, removal, sign-out, password change, a detected refresh-token reuse, a key's
//! revocation) takes a [`Change`] inside its transaction: on PostgreSQL that sends `NOTIFY` to
//! every instance, and when the change is done (after the commit, or when the work is dropped)
//! this instance's generation moves on, so its own next request reads the database again. Other
//! instances move on when the notification arrives; while an instance is not listening (not yet
//! connected, or the listening connection broke) it does not use entries at all. An entry also
//! ends when its session's last refresh token or its key expires, and after [`MAX_AGE`], a bound
//! for changes made outside the service. On SQLite, which cannot announce another process's
//! changes, nothing is cached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::sqlx::PgPool;
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use uuid::Uuid;

use super::actor::Actor;
use crate::error::AppResult;

/// The PostgreSQL channel changes are announced on.
const CHANNEL: &str = "steward_sessions";
/// The longest an entry is used, whatever happens.
pub const MAX_AGE: Duration = Duration::from_secs(5);
/// More sessions than this and the cache starts over (it only saves statements).
const CAPACITY: usize = 10_000;
/// Wait between attempts to listen again after the listening connection broke.
const RELISTEN_DELAY: Duration = Duration::from_secs(1);

/// One session of one user in one agency (the claims of its access tokens).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey {
    pub user_id: Uuid,
    pub agency_id: Uuid,
    pub session_id: Uuid,
}

/// What an entry is kept under.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Credential {
    Session(SessionKey),
    /// An API key, by the SHA-256 of the whole key: the secret itself is never kept.
    ApiKey(String),
}

struct Entry {
    actor: Actor,
    /// When the credential stops being valid by itself: the session's last live refresh token
    /// or the key expires.
    valid_until: Option<DateTime<Utc>>,
    generation: u64,
    read_at: Instant,
}

/// The cache; one per process (see the module documentation).
pub struct Sessions {
    generation: AtomicU64,
    /// Whether this instance hears other instances' changes now.
    listening: AtomicBool,
    entries: Mutex<HashMap<Credential, Entry>>,
}

/// The generation a read started in; the entry it makes is tagged with it.
#[derive(Clone, Copy)]
pub struct Generation(u64);

impl Sessions {
    /// A cache for `db`, used while it listens (PostgreSQL only). The first attempt to listen
    /// is made before this returns, so that a started service keeps sessions from its first
    /// request on; later attempts run in the background.
    pub async fn start(db: &DatabaseConnection) -> Arc<Self> {
        let sessions = Arc::new(Self {
            generation: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            entries: Mutex::default(),
        });
        // SQLite cannot tell this process what another process changed in the same file: there,
        // nothing is kept and every request reads the database.
        if db.get_database_backend() == DbBackend::Postgres {
            // A connection of its own, so that listening never takes one from requests.
            let options = db.get_postgres_connection_pool().connect_options();
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(RELISTEN_DELAY * 2)
                .connect_lazy_with((*options).clone());
            let listener = subscribe(&pool).await;
            sessions
                .listening
                .store(listener.is_some(), Ordering::SeqCst);
            tokio::spawn(listen(Arc::downgrade(&sessions), pool, listener));
        }
        sessions
    }

    /// The generation now: take it before reading the database.
    pub fn generation(&self) -> Generation {
        Generation(self.generation.load(Ordering::SeqCst))
    }

    /// The cached actor of `key`, if nothing changed since it was read and it is still valid.
    pub fn get(&self, key: &Credential, now: DateTime<Utc>) -> Option<Actor> {
        if !self.listening.load(Ordering::SeqCst) {
            return None;
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|entry| {
                entry.generation == generation
                    && entry.valid_until.is_none_or(|end| end > now)
                    && entry.read_at.elapsed() < MAX_AGE
            })
            .map(|entry| entry.actor.clone())
    }

    /// Keeps what a read that started in `generation` found.
    pub fn put(
        &self,
        key: Credential,
        generation: Generation,
        actor: Actor,
        valid_until: Option<DateTime<Utc>>,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                actor,
                valid_until,
                generation: generation.0,
                read_at: Instant::now(),
            },
        );
    }

    /// Announces, inside the transaction `txn`, a change of memberships, sessions or keys. The
    /// returned guard ends this instance's current generation when dropped: keep it until the
    /// transaction is committed.
    pub async fn changing(&self, txn: &impl ConnectionTrait) -> AppResult<Change<'_>> {
        if txn.get_database_backend() == DbBackend::Postgres {
            // Delivered to every listening instance when (and only if) the transaction commits.
            txn.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
        }
        Ok(Change(self))
    }

    /// Forgets every entry: they may all be out of date.
    fn moved_on(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// A change of memberships, sessions or keys in progress; see [`Sessions::changing`].
#[must_use = "the change applies to this instance when the guard is dropped, after the commit"]
pub struct Change<'a>(&'a Sessions);

impl Drop for Change<'_> {
    fn drop(&mut self) {
        self.0.moved_on();
    }
}

/// A connection that listens on [`CHANNEL`], or `None` when the database cannot be reached.
async fn subscribe(pool: &PgPool) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen(CHANNEL).await.ok()?;
    Some(listener)
}

/// Hears the changes of every instance (its own included) for as long as the cache exists,
/// listening again whenever the connection breaks.
async fn listen(sessions: Weak<Sessions>, pool: PgPool, mut listener: Option<PgListener>) {
    loop {
        if let Some(mut current) = listener.take() {
            // `try_recv` answers `None` when the connection is lost.
            while let Ok(Some(_)) = current.try_recv().await {
                let Some(cache) = sessions.upgrade() else {
                    return;
                };
                cache.moved_on();
            }
            let Some(cache) = sessions.upgrade() else {
                return;
            };
            cache.listening.store(false, Ordering::SeqCst);
            cache.moved_on();
        }
        tokio::time::sleep(RELISTEN_DELAY).await;
        listener = subscribe(&pool).await;
        if listener.is_some() {
            let Some(cache) = sessions.upgrade() else {
                return;
            };
            // Changes made while nobody listened are unknown: start from nothing.
            cache.moved_on();
            cache.listening.store(true, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::ShopScope;
    use crate::authz::Role;

    fn cache() -> Sessions {
        Sessions {
            generation: AtomicU64::new(0),
            listening: AtomicBool::new(true),
            entries: Mutex::default(),
        }
    }

    fn key() -> Credential {
        Credential::Session(SessionKey {
            user_id: Uuid::now_v7(),
            agency_id: Uuid::now_v7(),
            session_id: Uuid::now_v7(),
        })
    }

    fn actor() -> Actor {
        Actor::member(
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Role::Owner,
            ShopScope::All,
        )
    }

    #[test]
    fn an_entry_serves_until_a_change_is_done() {
        let sessions = cache();
        let key = key();
        let later = Some(Utc::now() + chrono::Duration::days(1));
        let read = sessions.generation();
        sessions.put(key.clone(), read, actor(), later);
        assert!(sessions.get(&key, Utc::now()).is_some());
        drop(Change(&sessions));
        assert!(sessions.get(&key, Utc::now()).is_none());
    }

    #[test]
    fn a_read_that_overlapped_a_change_is_not_used() {
        let sessions = cache();
        let key = key();
        let later = Some(Utc::now() + chrono::Duration::days(1));
        let read = sessions.generation();
        // The change commits while the read is in flight; what the read found may be older.
        drop(Change(&sessions));
        sessions.put(key.clone(), read, actor(), later);
        assert!(sessions.get(&key, Utc::now()).is_none());
    }

    #[test]
    fn an_expired_session_or_a_deaf_instance_gets_nothing() {
        let sessions = cache();
        let key = key();
        let soon = Utc::now() + chrono::Duration::seconds(1);
        sessions.put(key.clone(), sessions.generation(), actor(), Some(soon));
        assert!(
            sessions
                .get(&key, soon + chrono::Duration::seconds(1))
                .is_none()
        );
        assert!(sessions.get(&key, Utc::now()).is_some());
        sessions.listening.store(false, Ordering::SeqCst);
        assert!(sessions.get(&key, Utc::now()).is_none());
    }

    #[test]
    fn a_key_without_an_end_is_kept_until_a_change() {
        let sessions = cache();
        let key = Credential::ApiKey("0".repeat(64));
        sessions.put(key.clone(), sessions.generation(), actor(), None);
        assert!(sessions.get(&key, Utc::now()).is_some());
        drop(Change(&sessions));
        assert!(sessions.get(&key, Utc::now()).is_none());
    }
}
