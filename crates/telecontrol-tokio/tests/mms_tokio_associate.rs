//! The directory hears every association: `associate` (after the adapter's `authorize`,
//! able to refuse), the association id on every service call, `released` once at the end;
//! a client association that serves has an id of its own; an encoded InformationReport
//! sent as it is to one association looked up by id.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::Duration;

use telecontrol_core::Encode;
use telecontrol_tokio::mms::mms_pdu as telecontrol_mms_pdu;
use telecontrol_tokio::mms::{MmsClient, MmsError, MmsEvent, MmsServer, MmsServerConfig};

use telecontrol_mms_pdu::association::{AssocError, CloseReason, Refusal};
use telecontrol_mms_pdu::mms::{
    AccessResult, Data, InformationReport, MmsPdu, ObjectClass, ObjectName, ObjectScope, SeqOf,
    UnconfirmedService, VariableAccessSpecification,
};

#[path = "../../testkit/src/e2e_mms_gate.rs"]
mod e2e_mms_gate;

use e2e_mms_gate::{Gate, REFUSAL, REFUSED_BY_AUTHORIZE, REFUSED_BY_DIRECTORY, config, read_x};

async fn wait_for(gate: &Gate, entry: &str) {
    let t0 = std::time::Instant::now();
    while !gate.log().iter().any(|e| e == entry) {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{entry} not in {:?}",
            gate.log()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mms_tokio_directory_hears_associations() {
    let gate = Arc::new(Gate::default());
    let cfg = MmsServerConfig {
        association: config(1),
        authorize: Some(Arc::new(|ind| {
            if ind.calling_ae_qualifier == Some(REFUSED_BY_AUTHORIZE) {
                Err(Refusal::Session { reason: 2 })
            } else {
                Ok(())
            }
        })),
        ..MmsServerConfig::default()
    };
    let mut server = MmsServer::bind("127.0.0.1:0", cfg, gate.clone())
        .await
        .unwrap();
    let addr = server.local_addr();

    // Refused by the directory: asked, answered with its refusal, never released.
    let r = MmsClient::connect(addr, config(REFUSED_BY_DIRECTORY)).await;
    assert!(
        matches!(
            r,
            Err(MmsError::NotAssociated(CloseReason::Refused(REFUSAL)))
        ),
        "{r:?}"
    );
    // Refused by `authorize`: the directory is not asked.
    let r = MmsClient::connect(addr, config(REFUSED_BY_AUTHORIZE)).await;
    assert!(
        matches!(
            r,
            Err(MmsError::NotAssociated(CloseReason::Refused(
                Refusal::Session { reason: 2 }
            )))
        ),
        "{r:?}"
    );
    let log = gate.log();
    assert_eq!(log.len(), 1, "{log:?}");
    let refused: u64 = log[0]
        .strip_prefix("associate ")
        .and_then(|l| l.strip_suffix(" 13"))
        .unwrap()
        .parse()
        .unwrap();

    // Accepted: the client side serves from a directory of its own.
    let peer_gate = Arc::new(Gate::default());
    let mut client = MmsClient::connect_serving(addr, config(12), Some(peer_gate.clone()))
        .await
        .unwrap();
    let open = server.associations();
    assert_eq!(open.len(), 1);
    let server_side = open[0].id();
    assert!(gate.log().contains(&format!("associate {server_side} 12")));
    // Ids are unique across the server's and the client's associations.
    assert_ne!(client.id(), server_side);
    assert_ne!(refused, server_side);
    assert_ne!(refused, client.id());

    // Every service call names the association.
    let x = [ObjectName::vmd("x").unwrap()];
    let got = read_x(&client.read(&x).await.unwrap());
    assert_eq!(u64::try_from(got).unwrap(), server_side);
    client
        .get_name_list(ObjectClass::NamedVariable, ObjectScope::Vmd)
        .await
        .unwrap();
    client.variable_type(x[0]).await.unwrap();
    client.write(&x, &[Data::Integer(5)]).await.unwrap();
    for call in ["read", "names", "type", "write"] {
        assert!(
            gate.log().contains(&format!("{call} {server_side}")),
            "{call}: {:?}",
            gate.log()
        );
    }

    // The server looks the association up by id and asks the client's directory.
    let there = server.association(server_side).unwrap();
    assert_eq!(there.id(), server_side);
    assert!(server.association(client.id()).is_none());
    let got = read_x(&there.read(&x).await.unwrap());
    assert_eq!(u64::try_from(got).unwrap(), client.id());
    assert_eq!(peer_gate.log(), [format!("read {}", client.id())]);

    // An InformationReport encoded once, sent as it is.
    let values = [AccessResult::Success(Data::Integer(7))];
    let report = MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::vmd("x").unwrap(),
        ),
        results: SeqOf::from_slice(&values),
    }));
    let mut encoded = vec![0u8; report.encoded_len()];
    report.encode(&mut encoded).unwrap();
    there.send_unconfirmed_pdu(&encoded).unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(2), client.next_event())
        .await
        .unwrap();
    assert_eq!(ev, Some(MmsEvent::Unconfirmed(encoded.clone())));
    // Not an unconfirmed PDU, or trailing octets: refused before anything is sent.
    let conclude = [0x8B, 0x00];
    for bad in [&conclude[..], &[encoded.as_slice(), &[0]].concat()] {
        let r = there.send_unconfirmed_pdu(bad);
        assert!(
            matches!(r, Err(MmsError::Local(AssocError::InvalidPdu(_)))),
            "{r:?}"
        );
    }

    // Conclude: both directories hear `released` once.
    client
        .association()
        .conclude(Duration::from_secs(2))
        .await
        .unwrap();
    wait_for(&gate, &format!("released {server_side}")).await;
    wait_for(&peer_gate, &format!("released {}", client.id())).await;
    let client_id = client.id();
    tokio::time::timeout(Duration::from_secs(2), client.closed())
        .await
        .unwrap();
    // The server's event for the close has come; nothing more is heard.
    let t0 = std::time::Instant::now();
    while !server.associations().is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = tokio::time::timeout(Duration::from_millis(50), server.next_event()).await;
    let count = |g: &Gate, e: String| g.log().iter().filter(|l| **l == e).count();
    assert_eq!(count(&gate, format!("released {server_side}")), 1);
    assert_eq!(count(&peer_gate, format!("released {client_id}")), 1);
    assert!(
        !gate
            .log()
            .iter()
            .any(|l| l.starts_with("released ") && *l != format!("released {server_side}")),
        "a refused association was released: {:?}",
        gate.log()
    );
}

/// An aborted association is released too (once), on both sides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mms_tokio_abort_releases() {
    let gate = Arc::new(Gate::default());
    let cfg = MmsServerConfig {
        association: config(1),
        authorize: None,
        ..MmsServerConfig::default()
    };
    let server = MmsServer::bind("127.0.0.1:0", cfg, gate.clone())
        .await
        .unwrap();
    let peer_gate = Arc::new(Gate::default());
    let client =
        MmsClient::connect_serving(server.local_addr(), config(5), Some(peer_gate.clone()))
            .await
            .unwrap();
    let server_side = server.associations()[0].id();
    server.association(server_side).unwrap().abort();
    wait_for(&gate, &format!("released {server_side}")).await;
    wait_for(&peer_gate, &format!("released {}", client.id())).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(gate.log().len(), 2, "{:?}", gate.log());
    assert_eq!(peer_gate.log().len(), 1, "{:?}", peer_gate.log());
}

/// An AARQ longer than a session CN carries (a 15 000-octet password): the adapters run
/// the session data overflow procedure (CN + OA + CDO) and the check sees it whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mms_tokio_long_aarq_uses_session_data_overflow() {
    let password: &'static [u8] = Vec::leak(vec![b'k'; 15_000]);
    let cfg = MmsServerConfig {
        association: config(1),
        authorize: Some(Arc::new(move |ind| match ind.password {
            Some(p) if p == password => Ok(()),
            _ => Err(Refusal::Session { reason: 2 }),
        })),
        ..MmsServerConfig::default()
    };
    let server = MmsServer::bind("127.0.0.1:0", cfg, Arc::new(Gate::default()))
        .await
        .unwrap();
    let mut c = config(7);
    c.password = Some(password);
    let client = MmsClient::connect(server.local_addr(), c).await.unwrap();
    let x = [ObjectName::vmd("x").unwrap()];
    let got = read_x(&client.read(&x).await.unwrap());
    assert_eq!(u64::try_from(got).unwrap(), server.associations()[0].id());
    // A wrong long password is refused.
    let mut c = config(7);
    c.password = Some(&password[1..]);
    let r = MmsClient::connect(server.local_addr(), c).await;
    assert!(
        matches!(
            r,
            Err(MmsError::NotAssociated(CloseReason::Refused(
                Refusal::Session { reason: 2 }
            )))
        ),
        "{r:?}"
    );
}
