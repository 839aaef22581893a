#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("telecontrol-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A server on 127.0.0.1 answering each connection's octets upper-cased, until EOF.
fn upper_server(listener: TcpListener) {
    thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { return };
            thread::spawn(move || {
                let mut buf = [0u8; 1024];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        let _ = s.shutdown(Shutdown::Write);
                        return;
                    }
                    let up = buf[..n].to_ascii_uppercase();
                    if s.write_all(&up).is_err() {
                        return;
                    }
                }
            });
        }
    });
}

/// Send `msg`, read the answer of the same length, close and read to EOF.
fn exchange(addr: SocketAddr, msg: &[u8]) -> (Vec<u8>, SocketAddr) {
    let mut s = TcpStream::connect(addr).unwrap();
    let local = s.local_addr().unwrap();
    s.write_all(msg).unwrap();
    let mut answer = vec![0u8; msg.len()];
    s.read_exact(&mut answer).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    (answer, local)
}

#[test]
fn client_relay_forwards_and_records_the_outbound_connection() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = server.local_addr().unwrap();
    upper_server(server);
    let path = temp("client.pcap");
    let (addr, capture) = for_client(Some(&path), target).unwrap();
    assert_ne!(addr, target);
    let capture = capture.unwrap();
    let (a1, _) = exchange(addr, b"hello relay");
    let (a2, _) = exchange(addr, b"second connection");
    assert_eq!(a1, b"HELLO RELAY");
    assert_eq!(a2, b"SECOND CONNECTION");
    let frames = capture.finish().unwrap();

    let chunks = capture::read_tcp(&path).unwrap();
    // Two connections, each one request and one answer, recorded on the target's side:
    // destination the real server, source the relay's outbound port.
    let to_server: Vec<_> = chunks
        .iter()
        .filter(|c| c.flow.dst_port == target.port())
        .collect();
    let to_client: Vec<_> = chunks
        .iter()
        .filter(|c| c.flow.src_port == target.port())
        .collect();
    assert_eq!(to_server.len(), 2);
    assert_eq!(to_client.len(), 2);
    assert_eq!(to_server[0].data, b"hello relay");
    assert_eq!(to_client[1].data, b"SECOND CONNECTION");
    assert_ne!(to_server[0].flow.src_port, to_server[1].flow.src_port);
    assert_ne!(to_server[0].flow.src_port, addr.port());
    // Per connection: 3 handshake, 2 data, 2 × (FIN + ACK).
    assert_eq!(frames, 2 * 9);
    assert_eq!(
        capture::read_frames(&std::fs::read(&path).unwrap())
            .unwrap()
            .len(),
        18
    );
}

#[test]
fn server_relay_listens_on_the_public_address_and_records_the_peers_side() {
    let path = temp("server.pcap");
    let (internal, capture) = for_server(Some(&path), "127.0.0.1:0".parse().unwrap()).unwrap();
    let capture = capture.unwrap();
    // The real server binds the internal address it was given.
    upper_server(TcpListener::bind(internal).unwrap());
    let public = capture.listening()[0];
    assert_ne!(public, internal);
    let (answer, peer) = exchange(public, b"iec 104");
    assert_eq!(answer, b"IEC 104");
    capture.finish().unwrap();
    let chunks = capture::read_tcp(&path).unwrap();
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[0].flow.src_port, peer.port());
    assert_eq!(chunks[0].flow.dst_port, public.port());
    assert_eq!(chunks[1].data, b"IEC 104");
}

#[test]
fn a_refused_target_closes_the_relayed_connection_and_records_nothing() {
    let unused = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = unused.local_addr().unwrap();
    drop(unused);
    let path = temp("refused.pcap");
    let (addr, capture) = for_client(Some(&path), target).unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    let mut buf = Vec::new();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    assert_eq!(s.read_to_end(&mut buf).map(|_| buf.len()).unwrap_or(0), 0);
    assert_eq!(capture.unwrap().finish().unwrap(), 0);
}

#[test]
fn without_pcap_the_addresses_are_unchanged() {
    let a: SocketAddr = "127.0.0.1:2404".parse().unwrap();
    let (c, none) = for_client(None, a).unwrap();
    assert_eq!(c, a);
    assert!(none.is_none());
    let (s, none) = for_server(None, a).unwrap();
    assert_eq!(s, a);
    assert!(none.is_none());
}

#[test]
fn an_unwritable_path_is_an_error_naming_it() {
    let e = Capture::start(Path::new("/nonexistent-dir/x.pcap")).unwrap_err();
    assert!(format!("{e:#}").contains("/nonexistent-dir/x.pcap"));
}

#[test]
fn large_transfers_are_relayed_unchanged() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = server.local_addr().unwrap();
    upper_server(server);
    let path = temp("large.pcap");
    let (addr, capture) = for_client(Some(&path), target).unwrap();
    let msg: Vec<u8> = (0..300_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut s = TcpStream::connect(addr).unwrap();
    let writer = {
        let mut s = s.try_clone().unwrap();
        let msg = msg.clone();
        thread::spawn(move || {
            s.write_all(&msg).unwrap();
            s.shutdown(Shutdown::Write).unwrap();
        })
    };
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    writer.join().unwrap();
    assert_eq!(answer, msg.to_ascii_uppercase());
    capture.unwrap().finish().unwrap();
    let chunks = capture::read_tcp(&path).unwrap();
    let up: usize = chunks
        .iter()
        .filter(|c| c.flow.dst_port == target.port())
        .map(|c| c.data.len())
        .sum();
    let down: usize = chunks
        .iter()
        .filter(|c| c.flow.src_port == target.port())
        .map(|c| c.data.len())
        .sum();
    assert_eq!((up, down), (300_000, 300_000));
}
