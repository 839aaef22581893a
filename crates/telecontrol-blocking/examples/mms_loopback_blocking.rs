//! MMS requests per second over loopback: an `MmsClient` reading one variable from an
//! `MmsServer` (blocking adapter, threads), sequentially and with several requests outstanding.
//!
//! `cargo run --release -p telecontrol-blocking --example mms_loopback_blocking -- [REQUESTS] [OUTSTANDING]`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use telecontrol_blocking::mms::mms_pdu::association::Config;
use telecontrol_blocking::mms::mms_pdu::mms::{
    Data, DataAccessError, Element, ErrorClass, IdentifyResponse, ObjectClass, ObjectName,
    ObjectScope, TypeDescription, TypeSpecification,
};
use telecontrol_blocking::mms::mms_pdu::server::{self, Directory};
use telecontrol_blocking::mms::{MmsClient, MmsServer, MmsServerConfig};
use telecontrol_core::Writer;

/// One integer variable `D/x`, incremented on each read.
struct One(AtomicI64);

impl Directory for One {
    fn identify(&self) -> IdentifyResponse<'_> {
        IdentifyResponse {
            vendor: b"bench",
            model: b"one",
            revision: b"1",
            abstract_syntaxes: None,
        }
    }
    fn names(
        &self,
        _association: u64,
        _c: ObjectClass,
        _s: ObjectScope<'_>,
        _a: Option<&str>,
        _o: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        Ok(())
    }
    fn variable_type(
        &self,
        _association: u64,
        _n: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        TypeSpecification::Description(TypeDescription::Integer(32))
            .write_element(out)
            .map_err(|_| server::CAPABILITY_UNAVAILABLE)?;
        Ok(false)
    }
    fn read(
        &self,
        _association: u64,
        _n: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        Data::Integer(self.0.fetch_add(1, Ordering::Relaxed))
            .write_element(out)
            .map_err(|_| DataAccessError::TemporarilyUnavailable)
    }
    fn write(
        &self,
        _association: u64,
        _n: &ObjectName<'_>,
        _v: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        Err(DataAccessError::ObjectAccessDenied)
    }
    fn list_members(
        &self,
        _a: u64,
        _n: &ObjectName<'_>,
        _o: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        Err(server::OBJECT_UNDEFINED)
    }
    fn define_list(
        &self,
        _a: u64,
        _n: &ObjectName<'_>,
        _m: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        Err(server::SERVICE_UNSUPPORTED)
    }
    fn delete_list(&self, _a: u64, _n: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        Err(server::OBJECT_UNDEFINED)
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let outstanding: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(5)
        .clamp(1, 5);
    let mut cfg = Config::DEFAULT;
    cfg.request_timeout = Duration::from_secs(10);
    let server = MmsServer::bind(
        "127.0.0.1:0",
        MmsServerConfig {
            association: cfg,
            authorize: None,
            ..MmsServerConfig::default()
        },
        Arc::new(One(AtomicI64::new(0))),
    )
    .unwrap();
    let client = MmsClient::connect(server.local_addr(), cfg).unwrap();
    // The association handle is `Clone + Send + Sync`; the client (with its event
    // receiver) stays on this thread.
    let assoc = client.association().clone();
    let name = ObjectName::domain("D", "x").unwrap();

    let t0 = Instant::now();
    for _ in 0..requests {
        client.read(&[name]).unwrap();
    }
    let seq = t0.elapsed();
    println!(
        "sequential: {requests} reads in {:.3} s = {:.0} req/s",
        seq.as_secs_f64(),
        requests as f64 / seq.as_secs_f64()
    );

    let t0 = Instant::now();
    let threads: Vec<_> = (0..outstanding)
        .map(|_| {
            let c = assoc.clone();
            std::thread::spawn(move || {
                let name = ObjectName::domain("D", "x").unwrap();
                for _ in 0..requests / outstanding {
                    c.read(&[name]).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let par = t0.elapsed();
    let done = requests / outstanding * outstanding;
    println!(
        "{outstanding} outstanding: {done} reads in {:.3} s = {:.0} req/s",
        par.as_secs_f64(),
        done as f64 / par.as_secs_f64()
    );
    let _ = client.conclude(Duration::from_secs(2));
}
