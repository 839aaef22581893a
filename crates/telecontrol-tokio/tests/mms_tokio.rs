//! End to end over 127.0.0.1: an MmsClient against an MmsServer answering from a directory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Mutex};

use std::time::Duration;
use telecontrol_tokio::mms::mms_pdu as telecontrol_mms_pdu;

use telecontrol_core::Decode;
use telecontrol_mms_pdu::association::{CloseReason, FailReason, Refusal};
use telecontrol_mms_pdu::mms::{
    AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, Data, DataAccessError,
    DefineNamedVariableListRequest, DeleteNamedVariableListRequest, FloatingPoint, Identifier,
    InformationReport, MmsPdu, ObjectClass, ObjectName, ObjectScope, ReadRequest, SeqOf,
    UnconfirmedService, VariableAccessSpecification, VariableListItem, WriteRequest, WriteResult,
};

use telecontrol_tokio::mms::{MmsClient, MmsError, MmsEvent, MmsServer, MmsServerConfig};

use telecontrol_mms_pdu::server;

#[path = "../../testkit/src/mms_dir.rs"]
mod mms_dir;
use mms_dir::{Dir, config};

async fn names(client: &MmsClient, class: ObjectClass, scope: ObjectScope<'_>) -> Vec<String> {
    client.get_name_list(class, scope).await.unwrap()
}

async fn read(client: &MmsClient, spec: VariableAccessSpecification<'_>) -> Vec<String> {
    let r = client
        .request(ConfirmedServiceRequest::Read(ReadRequest {
            specification_with_result: None,
            variable_access_specification: spec,
        }))
        .await
        .unwrap();
    let Some(ConfirmedServiceResponse::Read(r)) = r.service() else {
        panic!()
    };
    r.results.iter().map(|a| format!("{a:?}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mms_tokio_end_to_end() {
    let dir = Arc::new(Dir {
        temp: Mutex::new(20.5),
        lists: Mutex::new(Vec::new()),
    });
    let cfg = MmsServerConfig {
        association: config(),
        authorize: Some(Arc::new(|ind| match ind.password {
            Some(b"secret") | None => Ok(()),
            Some(_) => Err(Refusal::Transport { reason: 0 }),
        })),
        ..MmsServerConfig::default()
    };
    let mut server = MmsServer::bind("127.0.0.1:0", cfg, dir.clone())
        .await
        .unwrap();
    let addr = server.local_addr();
    let mut client = MmsClient::connect(addr, config()).await.unwrap();

    let r = client
        .request(ConfirmedServiceRequest::Identify)
        .await
        .unwrap();
    assert!(
        matches!(r.service(), Some(ConfirmedServiceResponse::Identify(i)) if i.vendor == b"telecontrol")
    );
    assert_eq!(
        names(&client, ObjectClass::Domain, ObjectScope::Vmd).await,
        ["DOM"]
    );
    let dom = ObjectScope::Domain(Identifier::new("DOM").unwrap());
    assert_eq!(
        names(&client, ObjectClass::NamedVariable, dom).await,
        ["count", "temp"]
    );
    assert_eq!(
        names(&client, ObjectClass::NamedVariable, ObjectScope::Vmd).await,
        ["name"]
    );
    assert_eq!(
        names(&client, ObjectClass::NamedVariableList, dom).await,
        ["ALL"]
    );

    // Read: domain and VMD scope, and a named list.
    let items = [
        VariableListItem::named(ObjectName::domain("DOM", "temp").unwrap()),
        VariableListItem::named(ObjectName::vmd("name").unwrap()),
        VariableListItem::named(ObjectName::vmd("nothing").unwrap()),
    ];
    let got = read(
        &client,
        VariableAccessSpecification::ListOfVariable(SeqOf::from_slice(&items)),
    )
    .await;
    assert_eq!(
        got[0],
        format!(
            "{:?}",
            AccessResult::Success(Data::FloatingPoint(FloatingPoint::Single(20.5)))
        )
    );
    assert_eq!(
        got[1],
        format!("{:?}", AccessResult::Success(Data::VisibleString(b"vmd")))
    );
    assert_eq!(
        got[2],
        format!(
            "{:?}",
            AccessResult::Failure(DataAccessError::ObjectNonExistent)
        )
    );

    // Write, then read the named list.
    let wi = [
        VariableListItem::named(ObjectName::domain("DOM", "temp").unwrap()),
        VariableListItem::named(ObjectName::domain("DOM", "count").unwrap()),
    ];
    let data = [
        Data::FloatingPoint(FloatingPoint::Single(99.25)),
        Data::Integer(1),
    ];
    let r = client
        .request(ConfirmedServiceRequest::Write(WriteRequest {
            variable_access_specification: VariableAccessSpecification::ListOfVariable(
                SeqOf::from_slice(&wi),
            ),
            data: SeqOf::from_slice(&data),
        }))
        .await
        .unwrap();
    let Some(ConfirmedServiceResponse::Write(w)) = r.service() else {
        panic!()
    };
    assert_eq!(
        w.iter().collect::<Vec<_>>(),
        [
            WriteResult::Success,
            WriteResult::Failure(DataAccessError::ObjectAccessDenied)
        ]
    );
    let got = read(
        &client,
        VariableAccessSpecification::VariableListName(ObjectName::domain("DOM", "ALL").unwrap()),
    )
    .await;
    assert_eq!(
        got,
        [
            format!(
                "{:?}",
                AccessResult::Success(Data::FloatingPoint(FloatingPoint::Single(99.25)))
            ),
            format!("{:?}", AccessResult::Success(Data::Integer(42)))
        ]
    );

    // Define, list, read, delete a named variable list.
    let members = [VariableListItem::named(ObjectName::vmd("name").unwrap())];
    let define = ConfirmedServiceRequest::DefineNamedVariableList(DefineNamedVariableListRequest {
        name: ObjectName::domain("DOM", "MINE").unwrap(),
        variables: SeqOf::from_slice(&members),
    });
    client.request(define).await.unwrap();
    assert_eq!(
        client.request(define).await.unwrap_err(),
        MmsError::Service(server::OBJECT_EXISTS)
    );
    assert_eq!(
        names(&client, ObjectClass::NamedVariableList, dom).await,
        ["ALL", "MINE"]
    );
    let got = read(
        &client,
        VariableAccessSpecification::VariableListName(ObjectName::domain("DOM", "MINE").unwrap()),
    )
    .await;
    assert_eq!(got.len(), 1);
    let mine = ObjectName::domain("DOM", "MINE2").unwrap();
    client
        .define_named_variable_list(mine, &[ObjectName::domain("DOM", "temp").unwrap()])
        .await
        .unwrap();
    let r = client.read_list(mine).await.unwrap();
    assert!(matches!(r.service(), Some(ConfirmedServiceResponse::Read(r)) if r.results.len() == 1));
    assert!(client.delete_named_variable_list(mine).await.unwrap());
    let r = client
        .read(&[ObjectName::domain("DOM", "count").unwrap()])
        .await
        .unwrap();
    assert!(
        matches!(r.service(), Some(ConfirmedServiceResponse::Read(r)) if r.results.iter().next() == Some(AccessResult::Success(Data::Integer(42))))
    );
    let w = client
        .write(&[ObjectName::vmd("name").unwrap()], &[Data::Integer(1)])
        .await
        .unwrap();
    assert_eq!(
        w,
        [WriteResult::Failure(DataAccessError::ObjectAccessDenied)]
    );
    let del_names = [ObjectName::domain("DOM", "MINE").unwrap()];
    let r = client
        .request(ConfirmedServiceRequest::DeleteNamedVariableList(
            DeleteNamedVariableListRequest {
                scope: None,
                names: Some(SeqOf::from_slice(&del_names)),
                domain: None,
            },
        ))
        .await
        .unwrap();
    assert!(
        matches!(r.service(), Some(ConfirmedServiceResponse::DeleteNamedVariableList(d)) if d.number_deleted == 1)
    );
    assert_eq!(
        names(&client, ObjectClass::NamedVariableList, dom).await,
        ["ALL"]
    );

    // InformationReport server -> client.
    let results = [AccessResult::Success(Data::Integer(7))];
    let report = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("DOM", "ALL").unwrap(),
        ),
        results: SeqOf::from_slice(&results),
    });
    assert_eq!(server.report(report), 1);
    let ev = tokio::time::timeout(Duration::from_secs(2), client.next_event())
        .await
        .unwrap()
        .unwrap();
    let MmsEvent::Unconfirmed(pdu) = ev else {
        panic!("{ev:?}")
    };
    assert!(matches!(
        MmsPdu::decode(&pdu).unwrap(),
        MmsPdu::Unconfirmed(UnconfirmedService::InformationReport(_))
    ));
    // And client -> server is accepted by the server's association (no reject back).
    client.send_unconfirmed(report).unwrap();
    let (id, ev) = tokio::time::timeout(Duration::from_secs(2), server.next_event())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, server.associations()[0].id());
    assert!(matches!(ev, MmsEvent::Unconfirmed(_)), "{ev:?}");

    let reason = client.conclude(Duration::from_secs(2)).await.unwrap();
    assert_eq!(reason, CloseReason::Released);
    tokio::time::timeout(Duration::from_secs(2), client.closed())
        .await
        .unwrap();

    // A refused association (wrong password).
    let mut bad = config();
    bad.password = Some(b"wrong");
    assert!(matches!(
        MmsClient::connect(addr, bad).await,
        Err(MmsError::NotAssociated(_))
    ));

    // Abort with a request outstanding towards a peer that never answers: a listener that
    // accepts but does nothing makes connect time out, bounded.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let saddr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let s = silent.accept().await;
        tokio::time::sleep(Duration::from_secs(120)).await;
        drop(s);
    });
    // The peer holds the connection far longer than the connect time-out (2 s): only the
    // time-out can end the attempt within the bound.
    let t0 = std::time::Instant::now();
    assert!(MmsClient::connect(saddr, config()).await.is_err());
    assert!(t0.elapsed() < Duration::from_secs(60));
    hold.abort();

    // Both ends request on one association: the server asks the client, which answers
    // from its own directory (as a TASE.2 peer does).
    let client_dir = Arc::new(Dir {
        temp: Mutex::new(-1.0),
        lists: Mutex::new(Vec::new()),
    });
    let client = MmsClient::connect_serving(addr, config(), Some(client_dir))
        .await
        .unwrap();
    let towards_client = server.associations();
    assert_eq!(towards_client.len(), 1);
    let r = towards_client[0]
        .read(&[ObjectName::domain("DOM", "temp").unwrap()])
        .await
        .unwrap();
    assert!(
        matches!(r.service(), Some(ConfirmedServiceResponse::Read(r))
        if r.results.iter().next() == Some(AccessResult::Success(Data::FloatingPoint(FloatingPoint::Single(-1.0)))))
    );
    let (vendor, _, _) = client.identify().await.unwrap();
    assert_eq!(vendor, "telecontrol");
    drop(towards_client);

    // A peer vanishing mid-request: the server's association goes away, the request fails.
    assert_eq!(server.associations().len(), 1);
    server.shutdown();
    let r = client.request(ConfirmedServiceRequest::Identify).await;
    assert!(
        matches!(r, Err(MmsError::Failed(FailReason::Closed(_)))),
        "{r:?}"
    );
    client.abort();
}

/// A peer vanishing mid-request (its TCP connection cut, no ABRT): the outstanding request
/// fails promptly, the server forgets the association, nothing hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mms_tokio_peer_vanishes_mid_request() {
    let dir = Arc::new(Dir {
        temp: Mutex::new(0.0),
        lists: Mutex::new(Vec::new()),
    });
    let cfg = MmsServerConfig {
        association: config(),
        authorize: None,
        ..MmsServerConfig::default()
    };
    let server = MmsServer::bind("127.0.0.1:0", cfg, dir).await.unwrap();
    let upstream = server.local_addr();
    // A TCP relay that the test cuts.
    let relay = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_addr = relay.local_addr().unwrap();
    let relay_task = tokio::spawn(async move {
        let (mut a, _) = relay.accept().await.unwrap();
        let mut b = tokio::net::TcpStream::connect(upstream).await.unwrap();
        let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
    });
    let client = Arc::new(MmsClient::connect(relay_addr, config()).await.unwrap());
    assert_eq!(server.associations().len(), 1);
    let c = Arc::clone(&client);
    let pending =
        tokio::spawn(async move { c.read(&[ObjectName::domain("DOM", "slow").unwrap()]).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    relay_task.abort(); // both TCP connections dropped, no ABRT
    let r = tokio::time::timeout(Duration::from_secs(30), pending)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(r, Err(MmsError::Failed(FailReason::Closed(_)))),
        "{r:?}"
    );
    // Closed, not timed out: the close ended the request, not its 2 s time-out.
    assert!(client.is_closed());
    // The server's side ends too (once the slow read returns and its answer cannot go).
    let t0 = std::time::Instant::now();
    while !server.associations().is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "server association not closed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
