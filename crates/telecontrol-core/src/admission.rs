//! Who may connect (feature `std`): an allow-list of client addresses and the server's and
//! each address's connection limits, checked once at accept, with the refusals counted.
//! Protocol-neutral: the 104 servers and the MMS / TASE.2 servers of both adapters use it,
//! each server configuration giving its limits through [`Limits`].

extern crate std;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Default most connections open at once on one server.
pub const DEFAULT_MAX_CONNECTIONS: usize = 100;
/// Default most connections open at once from one client address.
pub const DEFAULT_MAX_PER_ADDRESS: usize = 32;

/// A server configuration's admission limits.
pub trait Limits {
    /// Most connections open at once; further ones are closed on accept.
    fn max_connections(&self) -> usize;
    /// Most connections open at once from one client address.
    fn max_per_address(&self) -> usize;
    /// Whether a client at `ip` may connect at all (the allow-list).
    fn allows(&self, ip: IpAddr) -> bool;
}

/// Why a connection was closed at accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The address is not on the allow-list ([`Limits::allows`]).
    NotAllowed,
    /// [`Limits::max_connections`] are open.
    TooManyConnections,
    /// [`Limits::max_per_address`] connections from this address are open.
    TooManyFromAddress,
}

impl core::fmt::Display for Refusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Refusal::NotAllowed => "not in the allow-list",
            Refusal::TooManyConnections => "maximum connections reached",
            Refusal::TooManyFromAddress => "maximum connections from this address reached",
        })
    }
}

impl core::error::Error for Refusal {}

/// Connections refused at accept, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdmissionStats {
    /// [`Refusal::NotAllowed`].
    pub not_allowed: u64,
    /// [`Refusal::TooManyConnections`].
    pub too_many: u64,
    /// [`Refusal::TooManyFromAddress`].
    pub too_many_from_address: u64,
}

#[derive(Debug, Default)]
struct Counts {
    open: AtomicUsize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    not_allowed: AtomicU64,
    too_many: AtomicU64,
    too_many_from_address: AtomicU64,
}

/// The limits of one server, shared by its accept loop and its connections.
#[derive(Clone, Debug, Default)]
pub struct Admission {
    counts: Arc<Counts>,
}

/// One admitted connection's place; dropping it (when the connection ends) frees it.
#[derive(Debug)]
pub struct Place {
    counts: Arc<Counts>,
    ip: IpAddr,
}

impl Admission {
    /// Admit a connection from `ip` under `limits`, or refuse it (and count why).
    ///
    /// # Errors
    /// The [`Refusal`].
    pub fn admit(&self, limits: &impl Limits, ip: IpAddr) -> Result<Place, Refusal> {
        let c = &self.counts;
        let refuse = |r: Refusal, counter: &AtomicU64| {
            counter.fetch_add(1, Ordering::Relaxed);
            Err(r)
        };
        if !limits.allows(ip) {
            return refuse(Refusal::NotAllowed, &c.not_allowed);
        }
        let mut per = c.per_address.lock().unwrap_or_else(PoisonError::into_inner);
        if c.open.load(Ordering::SeqCst) >= limits.max_connections() {
            return refuse(Refusal::TooManyConnections, &c.too_many);
        }
        let from = per.entry(ip).or_insert(0);
        if *from >= limits.max_per_address() {
            return refuse(Refusal::TooManyFromAddress, &c.too_many_from_address);
        }
        *from = from.saturating_add(1);
        c.open.fetch_add(1, Ordering::SeqCst);
        Ok(Place {
            counts: Arc::clone(c),
            ip,
        })
    }

    /// Connections admitted and still open.
    #[must_use]
    pub fn open(&self) -> usize {
        self.counts.open.load(Ordering::SeqCst)
    }

    /// Refusals so far, by reason.
    #[must_use]
    pub fn stats(&self) -> AdmissionStats {
        let c = &self.counts;
        AdmissionStats {
            not_allowed: c.not_allowed.load(Ordering::Relaxed),
            too_many: c.too_many.load(Ordering::Relaxed),
            too_many_from_address: c.too_many_from_address.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut per = self
            .counts
            .per_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = per.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                per.remove(&self.ip);
            }
        }
        self.counts.open.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct L {
        max: usize,
        per: usize,
        allow: Option<std::vec::Vec<IpAddr>>,
    }

    impl Limits for L {
        fn max_connections(&self) -> usize {
            self.max
        }
        fn max_per_address(&self) -> usize {
            self.per
        }
        fn allows(&self, ip: IpAddr) -> bool {
            self.allow.as_ref().is_none_or(|a| a.contains(&ip))
        }
    }

    #[test]
    fn limits_per_server_and_per_address_and_places_free_on_drop() {
        let mut limits = L {
            max: 3,
            per: 2,
            allow: None,
        };
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let adm = Admission::default();
        let p1 = adm.admit(&limits, a).unwrap();
        let _p2 = adm.admit(&limits, a).unwrap();
        assert_eq!(
            adm.admit(&limits, a).unwrap_err(),
            Refusal::TooManyFromAddress
        );
        let _p3 = adm.admit(&limits, b).unwrap();
        assert_eq!(
            adm.admit(&limits, b).unwrap_err(),
            Refusal::TooManyConnections
        );
        assert_eq!(adm.open(), 3);
        drop(p1);
        assert_eq!(adm.open(), 2);
        let _p4 = adm.admit(&limits, a).unwrap();
        limits.allow = Some(std::vec![a]);
        assert_eq!(adm.admit(&limits, b).unwrap_err(), Refusal::NotAllowed);
        assert_eq!(
            adm.stats(),
            AdmissionStats {
                not_allowed: 1,
                too_many: 1,
                too_many_from_address: 1
            }
        );
    }
}
