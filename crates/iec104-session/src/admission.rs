//! Who may connect (feature `std`): the allow-list and the server's and each address's
//! connection limits of a [`ServerConfig`], checked once at accept by both adapters, with the
//! refusals counted. The logic is protocol-neutral and lives in
//! [`telecontrol_core::admission`] (the MMS / TASE.2 servers use it too); this module gives it
//! the 104 server's limits.

extern crate std;

use std::net::IpAddr;

pub use telecontrol_core::admission::{Admission, AdmissionStats, Limits, Place, Refusal};

use crate::shared::ServerConfig;

impl Limits for ServerConfig {
    fn max_connections(&self) -> usize {
        self.max_connections
    }

    fn max_per_address(&self) -> usize {
        self.max_per_address
    }

    fn allows(&self, ip: IpAddr) -> bool {
        ServerConfig::allows(self, ip)
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
