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

    /// The 104 server's settings are the limits (the admission logic itself is tested in
    /// `telecontrol_core::admission`).
    #[test]
    fn the_server_config_gives_the_limits() {
        let mut config = ServerConfig::new(CommonAddress(1));
        config.max_connections = 3;
        config.max_per_address = 2;
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert_eq!(
            (
                Limits::max_connections(&config),
                Limits::max_per_address(&config)
            ),
            (3, 2)
        );
        assert!(Limits::allows(&config, a) && Limits::allows(&config, b));
        config.allow = Some(std::vec![a]);
        assert!(Limits::allows(&config, a) && !Limits::allows(&config, b));
        let adm = Admission::default();
        let _p = adm.admit(&config, a).unwrap();
        assert_eq!(adm.admit(&config, b).unwrap_err(), Refusal::NotAllowed);
    }
}
