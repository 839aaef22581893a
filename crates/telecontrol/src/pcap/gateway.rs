//! `gateway --pcap`: the TASE.2 listener and every TCP link to an outstation go through
//! recording relays.

use super::Capture;
use crate::gateway::config::GatewayConfig;
use crate::gateway::line101::RtuLink;
use crate::sim101::Port;
use anyhow::Result;
use std::collections::HashMap;
use std::net::SocketAddr;

/// Put relays in front of the gateway's sockets: the TASE.2 server binds an internal port
/// behind a relay on its configured address; each 104 outstation and each 101 terminal
/// server is reached through a relay (one per address, so outstations sharing a line
/// still share it). 101 serial lines cannot be recorded and are left as they are (said on
/// stderr).
///
/// # Errors
/// A relay cannot start (the TASE.2 address cannot be bound, no local port).
pub fn relay_gateway(capture: &mut Capture, config: &mut GatewayConfig) -> Result<()> {
    config.tase2.bind = capture.server(config.tase2.bind)?;
    let mut relays: HashMap<(SocketAddr, bool), SocketAddr> = HashMap::new();
    for rtu in &mut config.rtus {
        match &mut rtu.link {
            RtuLink::Iec104(addr) => *addr = relay(capture, &mut relays, *addr, false)?,
            RtuLink::Iec101 { line, .. } => match &mut line.port {
                Port::TcpConnect(addr) => *addr = relay(capture, &mut relays, *addr, false)?,
                Port::TcpListen(addr) => *addr = relay(capture, &mut relays, *addr, true)?,
                Port::Serial(dev) => {
                    eprintln!("pcap: {}: 101 serial line {dev} is not recorded", rtu.name);
                }
            },
        }
    }
    Ok(())
}

/// The relay for `addr` (a listening one if `listen`), made once per address.
fn relay(
    capture: &mut Capture,
    relays: &mut HashMap<(SocketAddr, bool), SocketAddr>,
    addr: SocketAddr,
    listen: bool,
) -> Result<SocketAddr> {
    if let Some(r) = relays.get(&(addr, listen)) {
        return Ok(*r);
    }
    let r = if listen {
        capture.server(addr)?
    } else {
        capture.client(addr)?
    };
    relays.insert((addr, listen), r);
    Ok(r)
}
