//! A directory that withholds a request (`Directory::withhold`), two `Link`s wired in
//! memory: the server sends nothing for it (the client's request stays unanswered), the
//! directory is not asked to answer it, the withheld request is counted, the invoke id is
//! free (the next request is answered and the association concludes).
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use telecontrol_core::Writer;
use telecontrol_mms_pdu::association::{Config, Role};
use telecontrol_mms_pdu::driver::{Answer, Link, Serving, limit_counts};
use telecontrol_mms_pdu::mms::{
    ConfirmedServiceRequest, Data, DataAccessError, ErrorClass, IdentifyResponse, ObjectClass,
    ObjectName, ObjectScope,
};
use telecontrol_mms_pdu::server::{Directory, OBJECT_UNDEFINED};

/// Withholds every Identify; counts the Identify answers it gives.
#[derive(Default)]
struct Silent {
    identified: AtomicUsize,
}

impl Directory for Silent {
    fn identify(&self) -> IdentifyResponse<'_> {
        self.identified.fetch_add(1, Ordering::SeqCst);
        IdentifyResponse {
            vendor: b"t",
            model: b"t",
            revision: b"1",
            abstract_syntaxes: None,
        }
    }
    fn withhold(&self, _association: u64, request: &ConfirmedServiceRequest<'_>) -> bool {
        matches!(request, ConfirmedServiceRequest::Identify)
    }
    fn names(
        &self,
        _: u64,
        _: ObjectClass,
        _: ObjectScope<'_>,
        _: Option<&str>,
        _: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        Ok(())
    }
    fn variable_type(
        &self,
        _: u64,
        _: &ObjectName<'_>,
        _: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        Err(OBJECT_UNDEFINED)
    }
    fn read(&self, _: u64, _: &ObjectName<'_>, _: &mut Writer<'_>) -> Result<(), DataAccessError> {
        Err(DataAccessError::ObjectNonExistent)
    }
    fn write(&self, _: u64, _: &ObjectName<'_>, _: &Data<'_>) -> Result<(), DataAccessError> {
        Err(DataAccessError::ObjectAccessDenied)
    }
    fn list_members(
        &self,
        _: u64,
        _: &ObjectName<'_>,
        _: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        Err(OBJECT_UNDEFINED)
    }
    fn define_list(
        &self,
        _: u64,
        _: &ObjectName<'_>,
        _: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        Err(OBJECT_UNDEFINED)
    }
    fn delete_list(&self, _: u64, _: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        Err(OBJECT_UNDEFINED)
    }
}

/// Move everything `from` has queued into `to`, served from `serving`.
fn pump(from: &Link, to: &Link, serving: &Serving) -> usize {
    let mut buf = vec![0u8; 16_384];
    let mut work = Vec::new();
    let mut moved = 0;
    while let Some(n) = from.poll_transmit(&mut buf) {
        to.input(&buf[..n], serving, &mut work);
        moved += n;
    }
    to.serve(serving, &mut work, &mut vec![0u8; 65_536]);
    moved
}

#[test]
fn a_withheld_request_gets_nothing_and_frees_its_invoke_id() {
    let dir = Arc::new(Silent::default());
    let serving = Serving {
        directory: Some(Arc::clone(&dir) as _),
        authorize: None,
    };
    let none = Serving::default();
    let client = Link::new(Role::Initiator, Config::DEFAULT).unwrap();
    let server = Link::new(Role::Responder, Config::DEFAULT).unwrap();
    client.connect(Box::new(|r| assert_eq!(r, Ok(())))).unwrap();
    let run = || while pump(&client, &server, &serving) + pump(&server, &client, &none) > 0 {};
    run();

    let before = limit_counts().withheld;
    let answers: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let a = Arc::clone(&answers);
    client
        .request(
            ConfirmedServiceRequest::Identify,
            Box::new(move |r| {
                a.lock().unwrap().push(match r {
                    Answer::Response(_) => "identify answered",
                    _ => "identify failed",
                });
            }),
        )
        .unwrap();
    // The request reaches the server; nothing comes back.
    let mut buf = vec![0u8; 16_384];
    let mut work = Vec::new();
    while let Some(n) = client.poll_transmit(&mut buf) {
        server.input(&buf[..n], &serving, &mut work);
    }
    server.serve(&serving, &mut work, &mut vec![0u8; 65_536]);
    assert!(server.poll_transmit(&mut buf).is_none(), "nothing sent");
    assert!(answers.lock().unwrap().is_empty());
    assert_eq!(dir.identified.load(Ordering::SeqCst), 0, "not answered");
    assert!(limit_counts().withheld > before);

    // Another request is answered (the directory answers what it does not withhold).
    let a = Arc::clone(&answers);
    client
        .request(
            ConfirmedServiceRequest::Status(false),
            Box::new(move |r| {
                a.lock().unwrap().push(match r {
                    Answer::Response(_) => "status answered",
                    _ => "status failed",
                });
            }),
        )
        .unwrap();
    run();
    assert_eq!(*answers.lock().unwrap(), ["status answered"]);
    // The server owes no answer any more: it may conclude (it could not while a request of
    // the peer awaited its answer).
    assert!(server.conclude().is_ok());
}
