//! Who may connect (feature `std`): the allow-list and the server's and each address's
//! connection limits, checked once at accept by both adapters, with the refusals counted.

extern crate std;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::shared::ServerConfig;

/// Why a connection was closed at accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The address is not in [`ServerConfig::allow`].
    NotAllowed,
    /// [`ServerConfig::max_connections`] are open.
    TooManyConnections,
    /// [`ServerConfig::max_per_address`] connections from this address are open.
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
    /// Admit a connection from `ip` under `config`, or refuse it (and count why).
    ///
    /// # Errors
    /// The [`Refusal`].
    pub fn admit(&self, config: &ServerConfig, ip: IpAddr) -> Result<Place, Refusal> {
        let c = &self.counts;
        let refuse = |r: Refusal, counter: &AtomicU64| {
            counter.fetch_add(1, Ordering::Relaxed);
            Err(r)
        };
        if !config.allows(ip) {
            return refuse(Refusal::NotAllowed, &c.not_allowed);
        }
        let mut per = c.per_address.lock().unwrap_or_else(PoisonError::into_inner);
        if c.open.load(Ordering::SeqCst) >= config.max_connections {
            return refuse(Refusal::TooManyConnections, &c.too_many);
        }
        let from = per.entry(ip).or_insert(0);
        if *from >= config.max_per_address {
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
    use station::asdu::CommonAddress;

    #[test]
    fn limits_per_server_and_per_address_and_places_free_on_drop() {
        let mut config = ServerConfig::new(CommonAddress(1));
        config.max_connections = 3;
        config.max_per_address = 2;
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let adm = Admission::default();
        let p1 = adm.admit(&config, a).unwrap();
        let _p2 = adm.admit(&config, a).unwrap();
        assert_eq!(
            adm.admit(&config, a).unwrap_err(),
            Refusal::TooManyFromAddress
        );
        let _p3 = adm.admit(&config, b).unwrap();
        assert_eq!(
            adm.admit(&config, b).unwrap_err(),
            Refusal::TooManyConnections
        );
        assert_eq!(adm.open(), 3);
        drop(p1);
        assert_eq!(adm.open(), 2);
        let _p4 = adm.admit(&config, a).unwrap();
        config.allow = Some(std::vec![a]);
        assert_eq!(adm.admit(&config, b).unwrap_err(), Refusal::NotAllowed);
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
