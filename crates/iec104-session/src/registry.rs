//! Which connections belong to which outstation (feature `std`): the server-side bookkeeping
//! both adapters share. `W` is how the adapter wakes a connection's driver (a tokio `Notify`,
//! a mio token, ...).

extern crate std;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

use station::asdu::{Cause, CommonAddress, InfoObject, Ioa, Value};

use crate::LinkId;
use crate::conn::ServerConn;
use crate::shared::{Database, ServerConfig, ServerGroup, UpdateError, new_group, update_groups};

#[derive(Debug)]
struct Entry<W> {
    group: Arc<Mutex<ServerGroup>>,
    /// A configured redundancy group (kept while empty) or one connection's own.
    persistent: bool,
    members: Vec<(LinkId, W)>,
}

/// The outstations of a server: one per configured redundancy group, created at start and
/// kept, and one per connection from an address of no group, dropped with it. The registry's
/// lock is held only to look up or change membership, never with a group lock or a handler.
#[derive(Debug)]
pub struct Registry<W> {
    config: ServerConfig,
    db: Database,
    entries: Mutex<Vec<Entry<W>>>,
    initialised: Arc<AtomicBool>,
}

impl<W: Clone> Registry<W> {
    /// The registry for `config` over `db`, with the configured groups' outstations.
    #[must_use]
    pub fn new(config: ServerConfig, db: Database) -> Self {
        let entries = config
            .groups
            .iter()
            .map(|_| Entry {
                group: Arc::new(Mutex::new(new_group(&config, &db))),
                persistent: true,
                members: Vec::new(),
            })
            .collect();
        Registry {
            config,
            db,
            entries: Mutex::new(entries),
            initialised: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Prepare a new connection: if [`ServerConfig::end_of_initialisation`] is set, the first
    /// connection of this server to start data transfer sends end of initialisation.
    pub fn arm(&self, conn: &mut ServerConn) {
        if let Some(coi) = self.config.end_of_initialisation {
            conn.set_end_of_initialisation(Arc::clone(&self.initialised), coi);
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The point database.
    #[must_use]
    pub fn database(&self) -> &Database {
        &self.db
    }

    fn entries(&self) -> MutexGuard<'_, Vec<Entry<W>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Add connection `id` from `peer` with waker `wake`; returns the outstation it serves.
    pub fn join(&self, id: LinkId, peer: std::net::IpAddr, wake: W) -> Arc<Mutex<ServerGroup>> {
        let mut entries = self.entries();
        match self.config.group_of(peer).and_then(|i| entries.get_mut(i)) {
            Some(e) => {
                e.members.push((id, wake));
                Arc::clone(&e.group)
            }
            None => {
                let group = Arc::new(Mutex::new(new_group(&self.config, &self.db)));
                entries.push(Entry {
                    group: Arc::clone(&group),
                    persistent: false,
                    members: std::vec![(id, wake)],
                });
                group
            }
        }
    }

    /// Remove connection `id` (and its own outstation, if it had one).
    pub fn leave(&self, id: LinkId) {
        let mut entries = self.entries();
        for e in entries.iter_mut() {
            e.members.retain(|(m, _)| *m != id);
        }
        entries.retain(|e| e.persistent || !e.members.is_empty());
    }

    /// The waker of connection `id`.
    #[must_use]
    pub fn waker(&self, id: LinkId) -> Option<W> {
        self.entries()
            .iter()
            .flat_map(|e| e.members.iter())
            .find(|(m, _)| *m == id)
            .map(|(_, w)| w.clone())
    }

    /// Every outstation and every connection's waker, copied out of the lock.
    #[must_use]
    pub fn snapshot(&self) -> (Vec<Arc<Mutex<ServerGroup>>>, Vec<W>) {
        let entries = self.entries();
        let groups = entries.iter().map(|e| Arc::clone(&e.group)).collect();
        let wakers = entries
            .iter()
            .flat_map(|e| e.members.iter().map(|(_, w)| w.clone()))
            .collect();
        (groups, wakers)
    }

    /// Set a point and queue it as a spontaneous event in every outstation; returns the
    /// wakers to wake.
    ///
    /// # Errors
    /// As [`update_groups`].
    pub fn update(
        &self,
        ca: CommonAddress,
        ioa: Ioa,
        value: Value<'static>,
    ) -> (Result<(), UpdateError>, Vec<W>) {
        let (groups, wakers) = self.snapshot();
        let r = update_groups(&self.db, groups.iter().map(|g| &**g), ca, ioa, value);
        (r, wakers)
    }

    /// Queue the return information `conn` sent (its [`ServerConn::take_relay`]) as events in
    /// every other outstation; returns the wakers to wake. Refusals (a full buffer) are logged.
    pub fn relay(&self, conn: &mut ServerConn) -> Vec<W> {
        let items = conn.take_relay();
        if items.is_empty() {
            return Vec::new();
        }
        let (groups, wakers) = self.snapshot();
        for g in groups.iter().filter(|g| !Arc::ptr_eq(g, conn.group())) {
            let mut g = g.lock().unwrap_or_else(PoisonError::into_inner);
            for (ca, r) in &items {
                let object = [InfoObject::new(r.ioa, r.value)];
                if let Err(e) = g.station_mut().queue_event(*ca, r.cause, &object) {
                    tracing::warn!(%e, ioa = r.ioa.value(), "return information not relayed");
                }
            }
        }
        wakers
    }

    /// Queue a monitor-direction ASDU in every outstation; returns the wakers to wake.
    ///
    /// # Errors
    /// The last outstation's refusal, as [`UpdateError::Station`].
    pub fn queue_event(
        &self,
        ca: CommonAddress,
        cause: Cause,
        objects: &[InfoObject<'_>],
    ) -> (Result<(), UpdateError>, Vec<W>) {
        let (groups, wakers) = self.snapshot();
        let mut r = Ok(());
        for g in groups {
            let mut g = g.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = g.station_mut().queue_event(ca, cause, objects) {
                r = Err(UpdateError::Station(e));
            }
        }
        (r, wakers)
    }
}
