//! The `--pcap FILE` option as the commands declare it, and the guard that finishes the
//! file when the command returns.

use super::{Capture, for_client, for_server};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// `--pcap FILE` (flatten it into a command's arguments).
#[derive(Args, Clone, Debug, Default)]
pub struct PcapArg {
    /// Record this command's TCP traffic in a pcap file that Wireshark and tshark open
    /// (through a recording relay: the real addresses and ports, every segment as sent).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
}

/// Finishes the capture (waits for the connections' FINs, flushes the file, reports on
/// stderr) when dropped: keep it alive while the command runs.
#[derive(Debug, Default)]
#[must_use = "the capture is finished when this is dropped"]
pub struct PcapGuard(Option<Capture>);

impl PcapGuard {
    /// Finish `capture` when the guard drops.
    pub fn new(capture: Capture) -> PcapGuard {
        PcapGuard(Some(capture))
    }

    /// Whether a capture is being recorded.
    #[must_use]
    pub fn is_recording(&self) -> bool {
        self.0.is_some()
    }
}

impl Drop for PcapGuard {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.finish_and_report();
        }
    }
}

impl PcapArg {
    /// For a client command: the address to connect to (a recording relay's with
    /// `--pcap`, else `target`).
    ///
    /// # Errors
    /// The file or the relay cannot be created: the message is printed and the exit code
    /// (2) returned.
    pub fn client(&self, target: SocketAddr) -> Result<(SocketAddr, PcapGuard), ExitCode> {
        for_client(self.pcap.as_deref(), target)
            .map(|(a, c)| (a, PcapGuard(c)))
            .map_err(usage_error)
    }

    /// [`client`](PcapArg::client) for a target given as `host:port` text: the text to
    /// connect to (the relay's address with `--pcap`, else `target` unchanged).
    ///
    /// # Errors
    /// As [`client`](PcapArg::client), and a target that does not resolve.
    pub fn client_host(&self, target: &str) -> Result<(String, PcapGuard), ExitCode> {
        if self.pcap.is_none() {
            return Ok((target.to_owned(), PcapGuard(None)));
        }
        let resolved = std::net::ToSocketAddrs::to_socket_addrs(target)
            .ok()
            .and_then(|mut a| a.next());
        let Some(addr) = resolved else {
            eprintln!("telecontrol: --pcap: cannot resolve {target}");
            return Err(ExitCode::from(2));
        };
        self.client(addr).map(|(a, g)| (a.to_string(), g))
    }

    /// For a server command: the address the real server must bind (an internal port
    /// behind a recording relay on `bind` with `--pcap`, else `bind`).
    ///
    /// # Errors
    /// The file cannot be created or `bind` cannot be bound: the message is printed and the
    /// exit code (2) returned.
    pub fn server(&self, bind: SocketAddr) -> Result<(SocketAddr, PcapGuard), ExitCode> {
        for_server(self.pcap.as_deref(), bind)
            .map(|(a, c)| (a, PcapGuard(c)))
            .map_err(usage_error)
    }

    /// A capture to which the command adds its own relays, if `--pcap` was given.
    ///
    /// # Errors
    /// The file cannot be created: the message is printed and the exit code (2) returned.
    pub fn start(&self) -> Result<Option<Capture>, ExitCode> {
        self.pcap
            .as_deref()
            .map(Capture::start)
            .transpose()
            .map_err(usage_error)
    }

    /// Refuse `--pcap` for a connection that is not TCP (a serial device).
    ///
    /// # Errors
    /// With `--pcap`: the message is printed and the exit code (2) returned.
    pub fn refuse_serial(&self) -> Result<(), ExitCode> {
        if self.pcap.is_some() {
            eprintln!(
                "telecontrol: --pcap needs a TCP connection (--tcp or --tcp-listen), not a serial device"
            );
            return Err(ExitCode::from(2));
        }
        Ok(())
    }
}

fn usage_error(e: anyhow::Error) -> ExitCode {
    eprintln!("telecontrol: --pcap: {e:#}");
    ExitCode::from(2)
}
